"""Who is acting: set once per entry point, read by the audit log (HTTP and Celery tasks)."""

from __future__ import annotations

import time

import pytest
from celery import shared_task
from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app
from core.audit import audit_record
from core.context import acting, current_actor
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


@shared_task(name="tests.core.audit_probe", ignore_result=True)
def audit_probe(marker: str) -> None:
    audit_record(action="probe", target=marker)


def test_api_call_audits_actor_accessor_address_and_request_id(admin_user, make_token, api_client):
    user = admin_user
    raw = make_token(user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.post(
        "/api/v1/secrets/create",
        {"path": f"users/{user.username}/probe", "value": "v"},
        format="json",
        HTTP_X_REQUEST_ID="req-ctx-0001",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code in (200, 201), response.content
    assert response["X-Request-ID"] == "req-ctx-0001"
    event = AuditEvent.objects.filter(action="secret.write").latest("id")
    lookup = api_client.get("/api/v1/token/lookup-self").json()
    assert (event.actor, event.actor_id) == (user.username, user.pk)
    assert event.accessor == lookup["accessor"]
    assert event.ip == "10.1.2.3"
    assert event.request_id == "req-ctx-0001"


def test_a_malformed_request_id_is_replaced_and_answered(api_client):
    response = api_client.get("/api/v1/health", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


def test_context_is_restored_after_a_block():
    before = current_actor()
    with acting(ip="192.0.2.1", request_id="outer-000001"):
        with acting(ip="192.0.2.2"):
            assert current_actor().ip == "192.0.2.2"
            assert current_actor().request_id == "outer-000001"
        assert current_actor().ip == "192.0.2.1"
    assert current_actor() == before


def test_a_task_runs_as_the_actor_who_queued_it(transactional_db, user):
    with start_worker(
        celery_app, pool="threads", concurrency=1, perform_ping_check=False, loglevel="WARNING"
    ):
        with acting(user=user, accessor="acc-123", ip="198.51.100.7", request_id="queued-0001"):
            audit_probe.delay("from-user")
        audit_probe.delay("from-system")
        deadline = time.monotonic() + 30
        while AuditEvent.objects.filter(action="probe").count() < 2:
            assert time.monotonic() < deadline, "tasks did not run"
            time.sleep(0.05)
    by_user = AuditEvent.objects.get(action="probe", target="from-user")
    assert (by_user.actor, by_user.accessor, by_user.ip) == (
        user.username,
        "acc-123",
        "198.51.100.7",
    )
    assert by_user.request_id == "queued-0001"
    by_system = AuditEvent.objects.get(action="probe", target="from-system")
    assert by_system.actor == "" and by_system.ip == ""
    assert by_system.request_id and by_system.request_id != "queued-0001"
