"""The secrets store's service contract: versions, cas, max_versions, delete/undelete/destroy."""

import pytest
from django.db import connection

from core.errors import Conflict, InvalidArgument, NotFound
from secrets_app.models import Secret, SecretVersion
from secrets_app.services import kv

pytestmark = pytest.mark.django_db


def test_write_read_versions_and_cas(admin_user):
    ctx = {"user": admin_user, "context": None}
    v1 = kv.secret_write(path="/team/db/password/", value="s3cr3t-one", **ctx)
    assert (v1.version, v1.secret.path) == (1, "team/db/password")
    v2 = kv.secret_write(path="team/db/password", value={"user": "u", "pw": "two"}, cas=1, **ctx)
    assert v2.version == 2
    secret, current = kv.secret_read(path_or_id="team/db/password", **ctx)
    assert current.value == {"user": "u", "pw": "two"}
    _, old = kv.secret_read(path_or_id=str(secret.id), version=1, **ctx)
    assert old.value == "s3cr3t-one"
    with pytest.raises(Conflict):
        kv.secret_write(path="team/db/password", value="x", cas=1, **ctx)
    with pytest.raises(Conflict):
        kv.secret_write(path="team/db/password", value="x", cas=0, **ctx)
    assert SecretVersion.objects.filter(secret=secret).count() == 2
    assert kv.secret_write(path="fresh", value="x", cas=0, **ctx).version == 1


def test_max_versions_prunes_oldest(admin_user):
    ctx = {"user": admin_user, "context": None}
    kv.secret_metadata_update(path="a/b", max_versions=3, **ctx)
    for i in range(5):
        kv.secret_write(path="a/b", value=f"v{i}", **ctx)
    secret = kv.secret_metadata_read(path="a/b", **ctx)
    assert [v.version for v in secret.version_list] == [5, 4, 3]
    with pytest.raises(NotFound):
        kv.secret_read(path_or_id="a/b", version=2, **ctx)


def test_delete_undelete_destroy(admin_user):
    ctx = {"user": admin_user, "context": None}
    for i in range(3):
        kv.secret_write(path="x", value=f"value-{i}", **ctx)
    assert kv.secret_delete_versions(path="x", **ctx) == [3]
    with pytest.raises(kv.VersionDeleted) as exc:
        kv.secret_read(path_or_id="x", **ctx)
    assert exc.value.version.version == 3 and exc.value.secret.path == "x"
    assert kv.secret_undelete_versions(path="x", versions=[3], **ctx) == [3]
    assert kv.secret_read(path_or_id="x", **ctx)[1].value == "value-2"
    kv.secret_destroy_versions(path="x", versions=[1], **ctx)
    with pytest.raises(kv.VersionDeleted):
        kv.secret_read(path_or_id="x", version=1, **ctx)
    with connection.cursor() as cur:
        cur.execute("SELECT value FROM secrets_app_secretversion WHERE version = 1")
        assert cur.fetchone()[0] is None
    kv.secret_delete_all(path="x", **ctx)
    assert not Secret.objects.filter(path="x").exists()


@pytest.mark.parametrize("bad", ["", "/", "a/../b", "a//b", "a/./b", "x" * 600, "a/*"])
def test_bad_paths_are_422(admin_user, bad):
    with pytest.raises(InvalidArgument):
        kv.secret_write(path=bad, value="v", user=admin_user, context=None)


def test_list_immediate_children(admin_user):
    ctx = {"user": admin_user, "context": None}
    for path in ["apps/a", "apps/b/c", "apps/b/d", "other"]:
        kv.secret_write(path=path, value="v", **ctx)
    assert kv.secret_list(prefix="apps/", **ctx) == ["a", "b/"]
    assert kv.secret_list(prefix="", **ctx) == ["apps/", "other"]


def test_demo_seed_is_idempotent(admin_user):
    import io

    from secrets_app import demo
    from secrets_app.models import Policy

    demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    assert Secret.objects.filter(path__startswith="demo/").count() == 3
    assert Policy.objects.filter(name="demo-readers").exists()
