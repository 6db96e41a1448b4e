"""The Vault-compatible KV v2 routes at the HTTP level: statuses, bodies, headers, LIST."""

import json

import pytest

from core.models import AuditEvent
from secrets_app.models import SecretVersion
from tests.factories import UserFactory
from tests.secrets_app.kv_helpers import make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_token(make_token):
    return make_token(UserFactory(role="admin"))


@pytest.fixture
def vault(client):
    def call(method, path, token, body=None, raw_body=None, **extra):
        data = raw_body if raw_body is not None else (json.dumps(body) if body is not None else "")
        response = client.generic(
            method,
            path,
            data,
            content_type="application/json",
            HTTP_X_VAULT_TOKEN=token,
            **extra,
        )
        assert response["Cache-Control"] == "no-store"
        assert response["Content-Type"] == "application/json"
        if response.status_code == 204:
            assert response.content == b""
        return response

    return call


def write(vault, token, path, data, **options):
    body = {"data": data, **({"options": options} if options else {})}
    return vault("POST", f"/v1/secret/data/{path}", token, body)


def test_write_is_200_with_version_metadata(vault, root_token):
    response = write(vault, root_token, "app/db", {"password": "pw-1"})
    assert response.status_code == 200  # never 201
    body = response.json()
    assert "mount_type" not in body and body["auth"] is None  # as OpenBao
    assert body["data"]["version"] == 1 and body["data"]["custom_metadata"] is None
    assert body["data"]["created_time"].endswith("Z")
    put = vault("PUT", "/v1/secret/data/app/db", root_token, {"data": {"password": "pw-2"}})
    assert put.status_code == 200 and put.json()["data"]["version"] == 2


def test_read_latest_and_by_version(vault, root_token):
    write(vault, root_token, "app/db", {"password": "pw-1"})
    write(vault, root_token, "app/db", {"password": "pw-2"})
    latest = vault("GET", "/v1/secret/data/app/db", root_token).json()
    assert latest["data"]["data"] == {"password": "pw-2"}
    assert latest["data"]["metadata"]["version"] == 2
    v1 = vault("GET", "/v1/secret/data/app/db?version=1", root_token).json()
    assert v1["data"]["data"] == {"password": "pw-1"}
    bad = vault("GET", "/v1/secret/data/app/db?version=abc", root_token)
    assert bad.status_code == 400 and bad.json()["errors"]


def test_cas(vault, root_token):
    assert write(vault, root_token, "c/x", {"a": "1"}, cas=0).status_code == 200
    again = write(vault, root_token, "c/x", {"a": "2"}, cas=0)  # only if absent
    assert again.status_code == 400
    assert "check-and-set" in again.json()["errors"][0]
    assert write(vault, root_token, "c/x", {"a": "2"}, cas=1).json()["data"]["version"] == 2
    assert write(vault, root_token, "c/x", {"a": "3"}, cas=1).status_code == 400
    assert SecretVersion.objects.filter(secret__path="c/x").count() == 2


def test_missing_secret_is_404_with_empty_errors(vault, root_token):
    for method, path in [
        ("GET", "/v1/secret/data/nope"),
        ("GET", "/v1/secret/metadata/nope"),
        ("LIST", "/v1/secret/metadata/nope"),
        ("GET", "/v1/secret/metadata/nope?list=true"),
    ]:
        response = vault(method, path, root_token)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"errors": []}


def test_deleted_version_is_404_with_envelope_and_metadata(vault, root_token):
    write(vault, root_token, "d/x", {"a": "1"})
    write(vault, root_token, "d/x", {"a": "2"})
    assert vault("DELETE", "/v1/secret/data/d/x", root_token).status_code == 204
    gone = vault("GET", "/v1/secret/data/d/x", root_token)
    assert gone.status_code == 404
    body = gone.json()
    assert body["request_id"] and body["data"]["data"] is None
    assert body["data"]["metadata"]["version"] == 2
    assert body["data"]["metadata"]["deletion_time"].endswith("Z")
    assert vault("GET", "/v1/secret/data/d/x?version=1", root_token).status_code == 200

    undelete = vault("POST", "/v1/secret/undelete/d/x", root_token, {"versions": [2]})
    assert undelete.status_code == 204
    assert vault("GET", "/v1/secret/data/d/x", root_token).json()["data"]["data"] == {"a": "2"}

    destroy = vault("PUT", "/v1/secret/destroy/d/x", root_token, {"versions": [1]})
    assert destroy.status_code == 204
    destroyed = vault("GET", "/v1/secret/data/d/x?version=1", root_token)
    assert destroyed.status_code == 404
    assert destroyed.json()["data"]["metadata"]["destroyed"] is True

    delete = vault("POST", "/v1/secret/delete/d/x", root_token, {"versions": [2]})
    assert delete.status_code == 204
    assert vault("GET", "/v1/secret/data/d/x", root_token).status_code == 404
    no_versions = vault("POST", "/v1/secret/delete/d/x", root_token, {})
    assert no_versions.json() == {"errors": ["No version number provided"]}


def test_deleting_what_is_not_there_succeeds(vault, root_token):
    """As in Vault/OpenBao: 204 for deletes on a missing path (policies still apply)."""
    for method, path, body in [
        ("DELETE", "/v1/secret/data/nope", None),
        ("POST", "/v1/secret/delete/nope", {"versions": [1]}),
        ("POST", "/v1/secret/undelete/nope", {"versions": [1]}),
        ("PUT", "/v1/secret/destroy/nope", {"versions": [1]}),
        ("DELETE", "/v1/secret/metadata/nope", None),
    ]:
        assert vault(method, path, root_token, body).status_code == 204, path


def test_list_method_and_query_form(vault, root_token):
    for path in ("l/a", "l/b/c", "m/z"):
        write(vault, root_token, path, {"k": "v"})
    listed = vault("LIST", "/v1/secret/metadata/l", root_token)
    assert listed.status_code == 200
    assert listed.json()["data"] == {"keys": ["a", "b/"]}
    query = vault("GET", "/v1/secret/metadata/l/?list=true", root_token)
    assert query.json()["data"] == {"keys": ["a", "b/"]}
    root = vault("LIST", "/v1/secret/metadata/", root_token)
    assert root.json()["data"]["keys"] == ["l/", "m/"]


def test_list_is_csrf_exempt_for_a_logged_in_browser_too(root_token):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.generic("LIST", "/v1/secret/metadata/", HTTP_X_VAULT_TOKEN=root_token)
    assert response.status_code == 404  # nothing stored yet; no CSRF refusal


def test_metadata_write_read_delete(vault, root_token):
    write(vault, root_token, "md/x", {"a": "1"})
    response = vault(
        "POST",
        "/v1/secret/metadata/md/x",
        root_token,
        {
            "max_versions": 3,
            "custom_metadata": {"owner": "ops"},
            "delete_version_after": "90s",
        },
    )
    assert response.status_code == 204
    meta = vault("GET", "/v1/secret/metadata/md/x", root_token).json()["data"]
    assert meta["max_versions"] == 3 and meta["custom_metadata"] == {"owner": "ops"}
    assert meta["delete_version_after"] == "1m30s" and meta["current_version"] == 1
    assert list(meta["versions"]) == ["1"]
    # custom metadata shows on the data read too
    data = vault("GET", "/v1/secret/data/md/x", root_token).json()["data"]
    assert data["metadata"]["custom_metadata"] == {"owner": "ops"}
    assert vault("DELETE", "/v1/secret/metadata/md/x", root_token).status_code == 204
    assert vault("GET", "/v1/secret/data/md/x", root_token).status_code == 404


def test_unknown_parameters_succeed_with_a_warning(vault, root_token):
    response = vault(
        "POST",
        "/v1/secret/data/w/x",
        root_token,
        {"data": {"a": "1"}, "colour": "blue", "options": {"cas": 0, "speed": 9}},
    )
    assert response.status_code == 200
    warnings = " ".join(response.json()["warnings"])
    assert "[colour]" in warnings and "[speed]" in warnings
    meta = vault("POST", "/v1/secret/metadata/w/x", root_token, {"max_versions": 2, "zzz": 1})
    assert meta.status_code == 200 and "[zzz]" in meta.json()["warnings"][0]


def test_bad_input_is_400(vault, root_token):
    assert vault("POST", "/v1/secret/data/b/x", root_token, raw_body="{oops").status_code == 400
    assert vault("POST", "/v1/secret/data/b/x", root_token, {}).json() == {
        "errors": ["no data provided"]
    }
    assert vault("POST", "/v1/secret/data/b/x", root_token, {"data": "str"}).status_code == 400
    assert vault("POST", "/v1/secret/data/b/../x", root_token, {"data": {}}).status_code == 400
    assert (
        vault("POST", "/v1/secret/metadata/b/x", root_token, {"max_versions": "many"}).status_code
        == 400
    )


def test_policies_are_enforced_and_refusals_audited(vault, make_token):
    user = UserFactory(role="user")
    make_policy("ro", ("shared/*", ["read", "list"]), users=[user])
    token = make_token(user)
    admin = make_token(UserFactory(role="admin"))
    write(vault, admin, "shared/a", {"v": "1"})
    assert vault("GET", "/v1/secret/data/shared/a", token).status_code == 200
    refused = write(vault, token, "shared/a", {"v": "2"})
    assert refused.status_code == 403 and refused.json() == {"errors": ["permission denied"]}
    assert vault("DELETE", "/v1/secret/metadata/shared/a", token).status_code == 403
    assert vault("GET", "/v1/secret/data/elsewhere", token).status_code == 403
    assert AuditEvent.objects.filter(outcome="denied", target="shared/a").count() >= 2


def test_string_values_from_our_api_read_as_value_key(vault, root_token, client):
    response = client.post(
        "/api/v1/secrets/create",
        {"path": "s/plain", "value": "just-a-string"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {root_token}",
    )
    if response.status_code == 404:
        pytest.skip("the contract's secrets API is not wired yet")
    read = vault("GET", "/v1/secret/data/s/plain", root_token).json()
    assert read["data"]["data"] == {"value": "just-a-string"}


def test_no_token_is_403(client):
    response = client.get("/v1/secret/data/x")
    assert response.status_code == 403 and response.json() == {"errors": ["permission denied"]}
