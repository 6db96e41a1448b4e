"""The contract's secret routes: shapes, 422 body, update, delete, paginated list without values."""

import pytest

from secrets_app.models import Secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(admin_user, auth_client):
    return auth_client(admin_user)


def test_create_then_read_by_path_and_by_id(admin_api):
    created = admin_api.post(
        "/api/v1/secrets/create",
        {
            "path": "team/db/password",
            "value": "hunter2-xyz",
            "metadata": {"owner": "db"},
            "ttl": "1h",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {
        "id",
        "path",
        "version",
        "metadata",
        "created_at",
        "updated_at",
        "expires_at",
    }
    assert body["path"] == "team/db/password" and body["version"] == 1
    assert body["metadata"] == {"owner": "db"} and body["expires_at"]
    by_path = admin_api.get("/api/v1/secrets/team/db/password").json()
    by_id = admin_api.get(f"/api/v1/secrets/{body['id']}").json()
    assert by_path["value"] == by_id["value"] == "hunter2-xyz"
    assert by_path["version"] == 1 and by_path["expires_at"] == body["expires_at"]


def test_json_value_update_and_versions(admin_api):
    admin_api.post(
        "/api/v1/secrets/create", {"name": "app/cfg", "value": {"k": "v1"}}, format="json"
    )
    updated = admin_api.put(
        "/api/v1/secrets/app/cfg", {"value": {"k": "v2"}, "cas": 1}, format="json"
    )
    assert updated.status_code == 200 and updated.json()["version"] == 2
    conflict = admin_api.put(
        "/api/v1/secrets/app/cfg", {"value": {"k": "v3"}, "cas": 1}, format="json"
    )
    assert conflict.status_code == 409
    assert admin_api.get("/api/v1/secrets/app/cfg").json()["value"] == {"k": "v2"}
    assert admin_api.get("/api/v1/secrets/app/cfg?version=1").json()["value"] == {"k": "v1"}
    meta = admin_api.get("/api/v1/secrets/app/cfg/metadata").json()
    assert [v["version"] for v in meta["versions"]] == [2, 1]


@pytest.mark.parametrize(
    "payload, loc",
    [
        ({"path": "a/../b", "value": "x"}, ["body", "path"]),
        ({"path": "ok", "value": 12}, ["body", "value"]),
        ({"value": "x"}, ["body", "path"]),
        ({"path": "ok", "value": "x", "ttl": "soon"}, ["body", "ttl"]),
        ({"path": "ok", "value": "x", "metadata": {"a": {"b": 1}}}, ["body", "metadata", "a"]),
    ],
)
def test_bad_input_is_422_with_the_seed_shape(admin_api, payload, loc):
    response = admin_api.post("/api/v1/secrets/create", payload, format="json")
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert detail[0]["loc"] == loc and detail[0]["msg"] and detail[0]["type"]


def test_delete_removes_every_version(admin_api):
    admin_api.post("/api/v1/secrets/create", {"path": "gone", "value": "x"}, format="json")
    assert admin_api.delete("/api/v1/secrets/gone").status_code == 204
    assert admin_api.get("/api/v1/secrets/gone").status_code == 404
    assert admin_api.delete("/api/v1/secrets/gone").status_code == 404
    assert not Secret.objects.filter(path="gone").exists()


def test_list_is_paginated_filtered_and_never_has_values(admin_api):
    for i in range(5):
        admin_api.post(
            "/api/v1/secrets/create",
            {
                "path": f"svc/s{i}",
                "value": f"VALUE-{i}",
                "metadata": {"tier": "gold"} if i % 2 else {},
            },
            format="json",
        )
    admin_api.post("/api/v1/secrets/create", {"path": "other/x", "value": "VALUE-x"}, format="json")
    page = admin_api.get("/api/v1/secrets?path_prefix=svc/&page_size=2").json()
    assert page["count"] == 5 and len(page["results"]) == 2
    assert "VALUE" not in str(page) and "value" not in page["results"][0]
    gold = admin_api.get("/api/v1/secrets?metadata_key=tier").json()
    assert sorted(r["path"] for r in gold["results"]) == ["svc/s1", "svc/s3"]
    children = admin_api.get("/api/v1/secrets/children?prefix=").json()
    assert children == {"keys": ["other/", "svc/"]}


def test_soft_delete_undelete_destroy_routes(admin_api):
    for value in ("one", "two"):
        admin_api.post("/api/v1/secrets/create", {"path": "v", "value": value}, format="json")
    assert admin_api.post("/api/v1/secrets/v/delete", {}, format="json").json()["versions"] == [2]
    assert admin_api.get("/api/v1/secrets/v").status_code == 404
    admin_api.post("/api/v1/secrets/v/undelete", {"versions": [2]}, format="json")
    assert admin_api.get("/api/v1/secrets/v").json()["value"] == "two"
    admin_api.post("/api/v1/secrets/v/destroy", {"versions": [1]}, format="json")
    assert admin_api.get("/api/v1/secrets/v?version=1").status_code == 404
    meta = admin_api.get("/api/v1/secrets/v/metadata").json()
    assert {v["version"]: v["destroyed"] for v in meta["versions"]} == {2: False, 1: True}


def test_max_versions_and_custom_metadata_route(admin_api):
    admin_api.post(
        "/api/v1/secrets/v/metadata",
        {"max_versions": 2, "custom_metadata": {"team": "ops"}},
        format="json",
    )
    for i in range(4):
        admin_api.post("/api/v1/secrets/create", {"path": "v", "value": str(i)}, format="json")
    meta = admin_api.get("/api/v1/secrets/v/metadata").json()
    assert [v["version"] for v in meta["versions"]] == [4, 3]
    assert meta["custom_metadata"] == {"team": "ops"} and meta["oldest_version"] == 3


def test_global_default_max_versions(admin_api, admin_user):
    from core.registry import setting_set

    setting_set(key="secrets.default_max_versions", value=3, actor=admin_user)
    for i in range(5):
        admin_api.post("/api/v1/secrets/create", {"path": "d", "value": str(i)}, format="json")
    meta = admin_api.get("/api/v1/secrets/d/metadata").json()
    assert [v["version"] for v in meta["versions"]] == [5, 4, 3]


def test_cas_required_refuses_blind_writes(admin_api):
    admin_api.post("/api/v1/secrets/create", {"path": "c", "value": "1"}, format="json")
    admin_api.post("/api/v1/secrets/c/metadata", {"cas_required": True}, format="json")
    assert admin_api.put("/api/v1/secrets/c", {"value": "2"}, format="json").status_code == 409
    assert (
        admin_api.put("/api/v1/secrets/c", {"value": "2", "cas": 1}, format="json").status_code
        == 200
    )


def test_unauthenticated_is_401(api_client):
    assert api_client.get("/api/v1/secrets/x").status_code == 401


def test_read_by_id_is_one_query_plus_the_audit(admin_user, make_token):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from secrets_app.services import kv

    secret = kv.secret_write(path="fast/one", value="v", user=admin_user, context=None).secret
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(admin_user)}")
    client.get(f"/api/v1/secrets/{secret.id}")  # token state cached
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/v1/secrets/{secret.id}").status_code == 200
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"] not in ("BEGIN", "COMMIT") and "SAVEPOINT" not in q["sql"]
    ]
    own = [sql for sql in statements if "auditevent" not in sql and "advisory" not in sql]
    assert len(own) == 1 and "secrets_app_secretversion" in own[0]
    assert sum("INSERT" in sql for sql in statements) == 1


def test_write_and_read_answers_match_their_documented_serializers(admin_api):
    """The hot routes build their answers directly; they must equal what the serializers in
    the OpenAPI schema would render for the stored rows."""
    import json

    from secrets_app.api import kv as kv_api
    from secrets_app.api import kv_serializers as s
    from secrets_app.models import SecretVersion

    created = admin_api.post(
        "/api/v1/secrets/create",
        {"path": "shape/one", "value": {"k": "v"}, "metadata": {"a": "b"}, "ttl": 3600},
        format="json",
    )
    updated = admin_api.put("/api/v1/secrets/shape/one", {"value": "two"}, format="json")
    secret = Secret.objects.get(path="shape/one")
    expected = json.loads(json.dumps(s.SecretMetaSerializer(kv_api._meta(secret)).data))
    assert updated.json() == expected
    assert created.json()["id"] == expected["id"] and created.json()["version"] == 1
    assert expected["version"] == 2 and expected["expires_at"] is not None

    read = admin_api.get(f"/api/v1/secrets/{secret.id}").json()
    version = SecretVersion.objects.get(secret=secret, version=2)
    rendered = s.SecretReadSerializer(
        {
            **kv_api._meta(secret),
            "version": 2,
            "value": version.value,
            "version_created_at": version.created_at,
        }
    ).data
    assert read == json.loads(json.dumps(rendered))
