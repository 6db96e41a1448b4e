"""The real `hvac` client (pinned) against the app under a real WSGI server: every KV v2 and
token call it makes, each result checked."""

import hvac
import pytest
from hvac import exceptions

from core.models import AuditEvent
from secrets_app.models import SecretVersion, Token
from tests.factories import UserFactory
from tests.secrets_app.kv_helpers import make_policy

pytestmark = pytest.mark.django_db(transaction=True)

ENVELOPE = {
    "request_id",
    "lease_id",
    "renewable",
    "lease_duration",
    "data",
    "wrap_info",
    "warnings",
    "auth",
}


@pytest.fixture
def vault(live_server, make_token):
    def client_for(user, **kwargs) -> hvac.Client:
        return hvac.Client(url=live_server.url, token=make_token(user, **kwargs), timeout=10)

    return client_for


@pytest.fixture
def root_client(vault):
    return vault(UserFactory(role="admin"))


def test_kv_v2_round_trip(root_client):
    kv = root_client.secrets.kv.v2
    created = kv.create_or_update_secret(
        path="team/db", secret={"password": "s3cr3t-1"}, mount_point="secret"
    )
    assert set(created) >= ENVELOPE
    assert created["data"]["version"] == 1 and created["data"]["destroyed"] is False
    assert created["data"]["deletion_time"] == ""

    second = kv.create_or_update_secret(
        path="team/db", secret={"password": "s3cr3t-2"}, cas=1, mount_point="secret"
    )
    assert second["data"]["version"] == 2

    latest = kv.read_secret_version(
        path="team/db", mount_point="secret", raise_on_deleted_version=True
    )
    assert latest["data"]["data"] == {"password": "s3cr3t-2"}
    assert latest["data"]["metadata"]["version"] == 2
    first = kv.read_secret_version(
        path="team/db", version=1, mount_point="secret", raise_on_deleted_version=True
    )
    assert first["data"]["data"] == {"password": "s3cr3t-1"}

    # check-and-set mismatch: 400, nothing written
    with pytest.raises(exceptions.InvalidRequest) as mismatch:
        kv.create_or_update_secret(path="team/db", secret={"x": "y"}, cas=1, mount_point="secret")
    assert "check-and-set" in str(mismatch.value)
    assert SecretVersion.objects.filter(secret__path="team/db").count() == 2


def test_list_secrets(root_client):
    kv = root_client.secrets.kv.v2
    for path in ("app/one", "app/two", "app/sub/three", "other/x"):
        kv.create_or_update_secret(path=path, secret={"k": "v"}, mount_point="secret")
    listed = kv.list_secrets(path="app", mount_point="secret")
    assert listed["data"]["keys"] == ["one", "sub/", "two"]
    root = kv.list_secrets(path="", mount_point="secret")
    assert root["data"]["keys"] == ["app/", "other/"]
    with pytest.raises(exceptions.InvalidPath):
        kv.list_secrets(path="nothing-here", mount_point="secret")


def test_delete_undelete_destroy(root_client):
    kv = root_client.secrets.kv.v2
    kv.create_or_update_secret(path="svc/api", secret={"key": "v1"}, mount_point="secret")
    kv.create_or_update_secret(path="svc/api", secret={"key": "v2"}, mount_point="secret")

    deleted = kv.delete_latest_version_of_secret(path="svc/api", mount_point="secret")
    assert deleted.status_code == 204
    gone = kv.read_secret_version(
        path="svc/api", mount_point="secret", raise_on_deleted_version=False
    )
    # a deleted version: 404 with the envelope and its metadata
    assert gone["data"]["data"] is None
    assert gone["data"]["metadata"]["version"] == 2
    assert gone["data"]["metadata"]["deletion_time"] != ""
    with pytest.raises(exceptions.InvalidPath):
        kv.read_secret_version(path="svc/api", mount_point="secret", raise_on_deleted_version=True)

    undeleted = kv.undelete_secret_versions(path="svc/api", versions=[2], mount_point="secret")
    assert undeleted.status_code == 204
    back = kv.read_secret_version(
        path="svc/api", mount_point="secret", raise_on_deleted_version=True
    )
    assert back["data"]["data"] == {"key": "v2"}

    destroyed = kv.destroy_secret_versions(path="svc/api", versions=[1], mount_point="secret")
    assert destroyed.status_code == 204
    row = SecretVersion.objects.get(secret__path="svc/api", version=1)
    assert row.destroyed and row.value is None
    with pytest.raises(exceptions.InvalidPath):
        kv.read_secret_version(
            path="svc/api", version=1, mount_point="secret", raise_on_deleted_version=True
        )

    deleted_v = kv.delete_secret_versions(path="svc/api", versions=[2], mount_point="secret")
    assert deleted_v.status_code == 204


def test_metadata_read_update_delete(root_client):
    kv = root_client.secrets.kv.v2
    kv.create_or_update_secret(path="meta/app", secret={"a": "1"}, mount_point="secret")
    kv.create_or_update_secret(path="meta/app", secret={"a": "2"}, mount_point="secret")
    updated = kv.update_metadata(
        path="meta/app",
        max_versions=5,
        cas_required=True,
        delete_version_after="1h",
        custom_metadata={"owner": "ops"},
        mount_point="secret",
    )
    assert updated.status_code == 204

    meta = kv.read_secret_metadata(path="meta/app", mount_point="secret")["data"]
    assert meta["current_version"] == 2 and meta["max_versions"] == 5
    assert meta["cas_required"] is True and meta["delete_version_after"] == "1h0m0s"
    assert meta["custom_metadata"] == {"owner": "ops"}
    assert set(meta["versions"]) == {"1", "2"}
    assert meta["versions"]["2"]["destroyed"] is False

    # cas now required: a write without it is refused
    with pytest.raises(exceptions.InvalidRequest):
        kv.create_or_update_secret(path="meta/app", secret={"a": "3"}, mount_point="secret")

    removed = kv.delete_metadata_and_all_versions(path="meta/app", mount_point="secret")
    assert removed.status_code == 204
    with pytest.raises(exceptions.InvalidPath):
        kv.read_secret_metadata(path="meta/app", mount_point="secret")
    with pytest.raises(exceptions.InvalidPath):
        kv.read_secret_version(path="meta/app", mount_point="secret", raise_on_deleted_version=True)


def test_token_calls(vault, user):
    client = vault(user, ttl=600, explicit_max_ttl=1200)
    me = client.auth.token.lookup_self()
    assert me["data"]["policies"] == ["default"] and me["data"]["id"] == client.token
    assert client.is_authenticated()

    renewed = client.auth.token.renew_self(increment="15m")
    assert 890 <= renewed["auth"]["lease_duration"] <= 900 and renewed["warnings"] is None
    capped = client.auth.token.renew_self(increment="5h")
    assert capped["auth"]["lease_duration"] <= 1200 and "capped" in capped["warnings"][0]

    child = client.auth.token.create(ttl="5m", num_uses=4, meta={"job": "ci"})
    child_token = child["auth"]["client_token"]
    assert child["auth"]["num_uses"] == 4 and child["auth"]["metadata"] == {"job": "ci"}
    assert Token.objects.get(accessor=child["auth"]["accessor"]).parent.user == user

    with pytest.raises(exceptions.InvalidRequest):
        client.auth.token.create(policies=["root"])

    child_client = hvac.Client(url=client.url, token=child_token)
    assert child_client.auth.token.lookup_self()["data"]["num_uses"] == 3

    revoked = client.auth.token.revoke_self()
    assert revoked.status_code == 204
    assert not client.is_authenticated()
    with pytest.raises(exceptions.Forbidden):
        client.auth.token.lookup_self()
    with pytest.raises(exceptions.Forbidden):  # the child died with its parent
        child_client.auth.token.lookup_self()


def test_refused_tokens_and_policies(vault, live_server):
    owner = UserFactory(role="user")
    make_policy("team-read", ("team/*", ["read", "list"]), users=[owner])
    admin = vault(UserFactory(role="admin"))
    admin.secrets.kv.v2.create_or_update_secret(path="team/a", secret={"v": "1"})
    admin.secrets.kv.v2.create_or_update_secret(path="private/b", secret={"v": "2"})

    reader = vault(owner)
    assert reader.secrets.kv.v2.read_secret_version(path="team/a", raise_on_deleted_version=True)[
        "data"
    ]["data"] == {"v": "1"}
    with pytest.raises(exceptions.Forbidden):
        reader.secrets.kv.v2.read_secret_version(path="private/b", raise_on_deleted_version=True)
    with pytest.raises(exceptions.Forbidden):
        reader.secrets.kv.v2.create_or_update_secret(path="team/a", secret={"v": "x"})
    assert AuditEvent.objects.filter(outcome="denied", target="private/b").exists()

    bad = hvac.Client(url=live_server.url, token="pvt.not-a-token")
    with pytest.raises(exceptions.Forbidden):
        bad.secrets.kv.v2.read_secret_version(path="team/a", raise_on_deleted_version=True)
    used_up = vault(owner, num_uses=1)
    used_up.secrets.kv.v2.read_secret_version(path="team/a", raise_on_deleted_version=True)
    with pytest.raises(exceptions.Forbidden):
        used_up.secrets.kv.v2.read_secret_version(path="team/a", raise_on_deleted_version=True)
    wrong_ip = vault(owner, bound_cidrs=["192.0.2.0/24"])
    with pytest.raises(exceptions.Forbidden):
        wrong_ip.auth.token.lookup_self()


@pytest.mark.filterwarnings("ignore:The raise_on_deleted_version:DeprecationWarning")
def test_patch_read_secret_and_configuration(root_client, vault):
    kv = root_client.secrets.kv.v2
    kv.create_or_update_secret(path="p/app", secret={"a": "1", "b": "2"})
    patched = kv.patch(path="p/app", secret={"b": "3", "c": "4"}, mount_point="secret")
    assert patched["data"]["version"] == 2
    read = kv.read_secret(path="p/app", mount_point="secret")
    assert read["data"]["data"] == {"a": "1", "b": "3", "c": "4"}

    assert kv.read_configuration(mount_point="secret")["data"]["max_versions"] == 10
    assert kv.configure(max_versions=4, mount_point="secret").status_code == 204
    assert kv.read_configuration(mount_point="secret")["data"]["max_versions"] == 4
    for n in range(5):
        kv.create_or_update_secret(path="p/many", secret={"n": str(n)})
    meta = kv.read_secret_metadata(path="p/many")["data"]
    assert sorted(meta["versions"], key=int) == ["2", "3", "4", "5"]  # oldest pruned

    wrapped = root_client.sys.wrap(payload={"api_key": "k-1"}, ttl="2m")
    token = wrapped["wrap_info"]["token"]
    assert root_client.sys.unwrap(token)["data"] == {"api_key": "k-1"}
    with pytest.raises(exceptions.InvalidRequest):
        root_client.sys.unwrap(token)

    user_client = vault(UserFactory(role="user"))
    with pytest.raises(exceptions.Forbidden):
        user_client.secrets.kv.v2.configure(max_versions=100, mount_point="secret")
    assert (
        AuditEvent.objects.filter(
            action="setting.change", target="secrets.default_max_versions"
        ).count()
        == 1
    )
