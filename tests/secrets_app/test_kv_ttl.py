"""TTL: expired secrets read as 404 at once and are purged by the beat job; per-version
delete_version_after."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.models import JobRun
from secrets_app.models import Secret, SecretVersion
from secrets_app.services import kv
from secrets_app.tasks import purge_expired

pytestmark = pytest.mark.django_db


def _expire(path: str) -> None:
    Secret.objects.filter(path=path).update(expires_at=timezone.now() - timedelta(seconds=1))


def test_expired_secret_is_404_before_any_purge(admin_user, auth_client):
    c = auth_client(admin_user)
    created = c.post(
        "/api/v1/secrets/create", {"path": "t/x", "value": "v", "ttl": 60}, format="json"
    ).json()
    assert c.get("/api/v1/secrets/t/x").status_code == 200
    _expire("t/x")
    assert c.get("/api/v1/secrets/t/x").status_code == 404
    assert c.get(f"/api/v1/secrets/{created['id']}").status_code == 404
    assert c.get("/api/v1/secrets/t/x/metadata").status_code == 404
    assert c.get("/api/v1/secrets").json()["count"] == 0
    assert c.get("/api/v1/secrets/children?prefix=t/").json()["keys"] == []
    assert Secret.objects.filter(path="t/x").exists()  # still stored until the purge


def test_writing_an_expired_path_starts_afresh(admin_user):
    kv.secret_write(path="t/y", value="old", ttl="1m", user=admin_user, context=None)
    _expire("t/y")
    fresh = kv.secret_write(path="t/y", value="new", user=admin_user, context=None)
    assert fresh.version == 1 and fresh.secret.expires_at is None
    assert SecretVersion.objects.filter(secret__path="t/y").count() == 1


def test_purge_job_deletes_expired_and_records_a_run(admin_user):
    kv.secret_write(path="t/a", value="a", ttl=60, user=admin_user, context=None)
    kv.secret_write(path="t/keep", value="k", user=admin_user, context=None)
    _expire("t/a")
    result = purge_expired()
    assert result["secrets"] == 1
    assert list(Secret.objects.values_list("path", flat=True)) == ["t/keep"]
    run = JobRun.objects.filter(name="secrets.purge_expired").latest("id")
    assert run.status == "success" and run.result["secrets"] == 1


def test_purge_job_is_scheduled_by_the_migration():
    from config.celery import app

    task = PeriodicTask.objects.get(task="secrets_app.purge_expired")
    assert task.enabled and task.interval.every == 60 and task.expire_seconds < 60
    app.loader.import_default_modules()
    assert task.task in app.tasks  # the name beat sends is the task a worker runs


def test_delete_version_after_soft_deletes_each_version(admin_user):
    ctx = {"user": admin_user, "context": None}
    kv.secret_metadata_update(path="t/d", delete_version_after="30s", **ctx)
    version = kv.secret_write(path="t/d", value="v1", **ctx)
    assert version.deletion_time is not None
    assert kv.secret_read(path_or_id="t/d", **ctx)[1].value == "v1"
    SecretVersion.objects.filter(pk=version.pk).update(
        deletion_time=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(kv.VersionDeleted):
        kv.secret_read(path_or_id="t/d", **ctx)
