"""GET /api/v1/health: database, Redis, broker, beat freshness; 200 or 503."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.models import JobRun

pytestmark = pytest.mark.django_db


def test_healthy_platform_answers_200_without_auth(api_client):
    PeriodicTask.objects.filter(name="accounts: proxy health check").update(
        last_run_at=timezone.now() - timedelta(minutes=2)
    )
    response = api_client.get("/api/v1/health")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "SERVING"
    assert {k: v["status"] for k, v in body["checks"].items()} == {
        "database": "ok",
        "redis": "ok",
        "broker": "ok",
        "beat": "ok",
    }


def test_beat_schedules_exist_after_migrate():
    tasks = dict(
        PeriodicTask.objects.filter(task__startswith="accounts.").values_list(
            "task", "expire_seconds"
        )
    )
    assert tasks["accounts.proxies_check_health"] < 300
    assert tasks["accounts.sms_expire"] < 60


def test_stale_beat_is_a_warning_not_a_failure(api_client):
    """A stale beat must not take web nodes out of the load balancer (issue 16, item 7)."""
    PeriodicTask.objects.update(last_run_at=timezone.now() - timedelta(hours=2))
    JobRun.objects.create(name="x", started_at=timezone.now() - timedelta(hours=3))
    response = api_client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "SERVING"
    assert body["checks"]["beat"]["status"] == "warn"
    assert "beat" in body["checks"]["beat"]["detail"]


def test_liveness_answers_without_database_or_redis(api_client, monkeypatch, settings):
    """/api/v1/health/live asks nothing: it answers with the database and the settings cache
    (Redis) failing, for any Host header, over plain HTTP with HTTPS required."""
    from django.db import connection

    monkeypatch.setattr(connection, "cursor", _no_database)
    monkeypatch.setattr("core.https.settings_get_many", _no_database)
    settings.ALLOWED_HOSTS = ["platform.example.test"]
    response = api_client.get("/api/v1/health/live", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert response["Cache-Control"] == "no-store"
    # the same failures make any other route fail: the test would notice a liveness view
    # behind the middleware stack
    with pytest.raises(AssertionError):
        api_client.get("/api/v1/sys/ping", HTTP_HOST="platform.example.test")


def _no_database(*args, **kwargs):
    raise AssertionError("a dependency was asked")


def test_recent_job_run_counts_as_beat_activity(api_client):
    PeriodicTask.objects.update(last_run_at=None)
    JobRun.objects.create(name="accounts.proxies_check_health")
    assert api_client.get("/api/v1/health").json()["checks"]["beat"]["status"] == "ok"


def test_unreachable_redis_and_broker_are_503(api_client):
    from core.redis import _client

    dead = "redis://127.0.0.1:9/0"
    _client.cache_clear()
    try:
        with override_settings(REDIS_URL=dead, CELERY_BROKER_URL=dead):
            response = api_client.get("/api/v1/health")
    finally:
        _client.cache_clear()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["status"] == "fail" and checks["broker"]["status"] == "fail"
    assert checks["database"]["status"] == "ok"
