"""VKService's operations over REST, and the gRPC enum names accepted by the REST API."""

from __future__ import annotations

import pytest

from accounts.models import Account
from core.registry import setting_set
from tests.accounts.factories import AccountFactory, ProxyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(auth_client, operator_user, admin_user):
    setting_set(key="accounts.driver.sandbox_success_rate", value="1", actor=admin_user)
    setting_set(key="accounts.driver.sandbox_latency_ms", value=0, actor=admin_user)
    return auth_client(operator_user)


def test_register_execute_and_check_over_rest(client, admin_user):
    created = client.post(
        "/api/v1/vk/register", {"login": "rest-vk", "password": "pw-1"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["success"] and body["external_id"].startswith("sandbox-")
    account = Account.objects.get(pk=body["account_id"])
    assert account.status == "active" and account.platform == "vk"
    again = client.post(
        "/api/v1/vk/register", {"login": "rest-vk", "password": "pw-1"}, format="json"
    )
    assert again.status_code == 409

    account.proxy = ProxyFactory()
    account.save()
    for word in ("subscribe", "ACTION_TYPE_SUBSCRIBE"):
        done = client.post(
            "/api/v1/vk/actions",
            {"account_id": account.pk, "action_type": word, "params": {"target": "x"}},
            format="json",
        )
        assert done.status_code == 200, done.content
        assert done.json()["success"] and done.json()["result"]["action_type"] == "subscribe"
    bad = client.post(
        "/api/v1/vk/actions", {"account_id": account.pk, "action_type": "hack"}, format="json"
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "action_type"]

    setting_set(key="accounts.driver.sandbox_ban_rate", value="1", actor=admin_user)
    checked = client.post(f"/api/v1/vk/accounts/{account.pk}/check-status")
    assert checked.status_code == 200
    assert checked.json() == {
        "account_id": account.pk,
        "platform_status": "banned",
        "detail": "sandbox: simulated ban",
        "status": "banned",
        "previous_status": "active",
    }
    not_vk = AccountFactory(platform="telegram")
    assert client.post(f"/api/v1/vk/accounts/{not_vk.pk}/check-status").status_code == 422


def test_rest_takes_the_grpc_enum_names(client):
    account = AccountFactory(status="active")
    changed = client.post(
        f"/api/v1/accounts/{account.pk}/status",
        {"status": "ACCOUNT_STATUS_SUSPENDED", "reason": "proto words"},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["previous_status"] == "active"
    assert Account.objects.get(pk=account.pk).status == "suspended"
    listed = client.get("/api/v1/accounts?status=ACCOUNT_STATUS_SUSPENDED").json()
    assert [row["id"] for row in listed["results"]] == [account.pk]
    assert client.get("/api/v1/accounts?status=ACCOUNT_STATUS_NOPE").status_code == 422
    tasks = client.get("/api/v1/warming/tasks?status=WARMING_STATUS_RUNNING")
    assert tasks.status_code == 200


def test_scenario_definitions_take_the_grpc_action_type_names(client):
    definition = {
        "total_days": 1,
        "bands": [
            {
                "from_day": 1,
                "to_day": 1,
                "actions_per_day": {"min": 1, "max": 2},
                "action_types": {"ACTION_TYPE_LIKE_POST": 2, "view_profile": 1},
                "caps": {"ACTION_TYPE_LIKE_POST": 1},
            }
        ],
    }
    created = client.post(
        "/api/v1/warming/scenarios",
        {"id": "proto-words", "definition": definition},
        format="json",
    )
    assert created.status_code == 201, created.content
    band = created.json()["definition"]["bands"][0]
    assert band["action_types"] == {"like_post": 2, "view_profile": 1}
    assert band["caps"] == {"like_post": 1}
    again = client.post(
        "/api/v1/warming/scenarios", {"id": "proto-words", "definition": definition}, format="json"
    )
    assert again.status_code == 409
    definition["bands"][0]["action_types"] = {"ACTION_TYPE_DANCE": 1}
    bad = client.post(
        "/api/v1/warming/scenarios", {"id": "bad-words", "definition": definition}, format="json"
    )
    assert bad.status_code == 422
