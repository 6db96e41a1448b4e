"""SMSService: GetNumber, GetCode (blocking with timeout, code pushed by a real worker),
CancelActivation, GetBalance, the sandbox provider's determinism."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from accounts.models import SmsActivation, SmsStatus
from accounts.services.sms import sms_code_wait, sms_number_get, sms_poll
from config.celery import app
from core.models import AuditEvent
from core.registry import setting_set


def closing(fn):
    """Run fn in a thread and close that thread's database connection afterwards."""

    def run():
        try:
            fn()
        finally:
            connection.close()

    return run


@pytest.fixture
def sandbox(admin_user):
    def configure(**values):
        for key, value in values.items():
            setting_set(key=f"accounts.sms_sandbox_{key}", value=value, actor=admin_user)

    return configure


@pytest.fixture
def worker():
    with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        yield


@pytest.fixture
def client(auth_client, operator_user):
    return auth_client(operator_user)


def get_number(client, **extra):
    response = client.post("/api/v1/sms/activations", {"service": "vk", **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db(transaction=True)
def test_code_arrives_from_the_worker_while_get_code_blocks(client, sandbox, worker):
    sandbox(code_delay="1.5", seed=7)
    activation = get_number(client, country="ru")
    assert activation["status"] == "waiting_code" and activation["phone"].startswith("+79")
    started = time.monotonic()
    response = client.get(f"/api/v1/sms/activations/{activation['id']}/code?timeout_seconds=15")
    elapsed = time.monotonic() - started
    body = response.json()
    assert body["success"] is True and len(body["code"]) == 6, body
    # the worker's push wakes the wait (GetCode's own fallback poll would come after 5 s)
    assert 1.0 <= elapsed < 4.5, elapsed
    row = SmsActivation.objects.get(pk=activation["id"])
    assert row.status == SmsStatus.COMPLETED and row.code == body["code"]
    # asking again answers at once with the same code
    again = client.get(f"/api/v1/sms/activations/{activation['id']}/code?timeout_seconds=5")
    assert again.json()["code"] == body["code"]


@pytest.mark.django_db(transaction=True)
def test_failed_delivery_ends_the_wait_early(client, sandbox, worker):
    sandbox(code_delay="0.5", success_rate="0")
    activation = get_number(client)
    started = time.monotonic()
    body = client.get(f"/api/v1/sms/activations/{activation['id']}/code?timeout_seconds=20").json()
    assert time.monotonic() - started < 6
    assert body["success"] is False and "no SMS" in body["error"] and body["status"] == "failed"


@pytest.mark.django_db
def test_timeout_returns_without_code(client, sandbox):
    sandbox(code_delay="100")
    activation = get_number(client)
    started = time.monotonic()
    body = client.get(f"/api/v1/sms/activations/{activation['id']}/code?timeout_seconds=1").json()
    assert 0.9 <= time.monotonic() - started < 3
    assert body == {
        "code": "",
        "success": False,
        "error": "timeout: no code yet",
        "status": "waiting_code",
    }


@pytest.mark.django_db(transaction=True)
def test_cancel_wakes_a_waiting_get_code_and_refunds(client, sandbox):
    sandbox(code_delay="100", balance="10", price="2.50")
    activation = get_number(client)
    assert client.get("/api/v1/sms/balance").json() == {"provider": "sandbox", "balance": "7.50"}
    results = {}

    def wait():
        started = time.monotonic()
        results["answer"] = sms_code_wait(activation_id=activation["id"], timeout_seconds=30)
        results["elapsed"] = time.monotonic() - started

    waiter = threading.Thread(target=closing(wait))
    waiter.start()
    time.sleep(0.5)
    cancel = client.post(f"/api/v1/sms/activations/{activation['id']}/cancel")
    assert cancel.json() == {"success": True, "status": "cancelled"}
    waiter.join(10)
    assert results["answer"]["success"] is False and results["answer"]["status"] == "cancelled"
    assert results["elapsed"] < 3
    assert client.get("/api/v1/sms/balance").json()["balance"] == "10.00"
    assert client.post(f"/api/v1/sms/activations/{activation['id']}/cancel").status_code == 409
    assert AuditEvent.objects.filter(action="sms.cancel", target=activation["id"]).exists()


@pytest.mark.django_db
def test_balance_runs_out(client, sandbox):
    sandbox(balance="1.00", price="0.60")
    get_number(client)
    response = client.post("/api/v1/sms/activations", {"service": "vk"}, format="json")
    assert response.status_code == 429


@pytest.mark.django_db
def test_sandbox_is_deterministic_for_a_seed(sandbox):
    sandbox(code_delay="0", seed=1234)

    def run():
        cache.clear()
        out = []
        for _ in range(3):
            activation = sms_number_get(service="telegram", country="ru")
            sms_poll(activation_id=activation.pk)
            activation.refresh_from_db()
            out.append((activation.phone, activation.code))
        return out

    first = run()
    assert first == run()
    assert len({code for _, code in first}) == 3
    sandbox(seed=99)
    assert run() != first


@pytest.mark.django_db
def test_expired_activation_fails(client, sandbox):
    sandbox(code_delay="100")
    activation = get_number(client)
    SmsActivation.objects.filter(pk=activation["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    body = client.get(f"/api/v1/sms/activations/{activation['id']}/code?timeout_seconds=5").json()
    assert body["success"] is False and "expired" in body["error"]


@pytest.mark.django_db(transaction=True)
def test_embedded_mode_waits_by_polling_the_database(sandbox):
    sandbox(code_delay="0.3")
    activation = sms_number_get(service="vk")
    timer = threading.Timer(0.6, closing(lambda: sms_poll(activation_id=activation.pk)))
    timer.start()
    with override_settings(REDIS_URL=""):
        answer = sms_code_wait(activation_id=activation.pk, timeout_seconds=5)
    timer.join()
    assert answer["success"] is True and answer["code"]


@pytest.mark.django_db
def test_sweep_job_recovers_a_lost_poll_chain(sandbox):
    from accounts.tasks import sms_expire_task
    from core.models import JobRun

    sandbox(code_delay="0")
    activation = sms_number_get(service="max")  # no worker: its poll task never runs
    SmsActivation.objects.filter(pk=activation.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )
    sms_expire_task()
    activation.refresh_from_db()
    assert activation.status == SmsStatus.CODE_RECEIVED and activation.code
    assert JobRun.objects.get(name="accounts.sms_expire").result == {"polled": 1, "settled": 1}


@pytest.mark.django_db
def test_validation_and_not_found(client):
    bad = client.post("/api/v1/sms/activations", {"service": "icq"}, format="json")
    assert bad.status_code == 422
    unknown = client.post(
        "/api/v1/sms/activations", {"service": "vk", "country": "zz"}, format="json"
    )
    assert unknown.status_code == 422
    missing = "00000000-0000-0000-0000-000000000000"
    assert (
        client.get(f"/api/v1/sms/activations/{missing}/code?timeout_seconds=0").status_code == 404
    )
    assert client.get("/api/v1/sms/activations/x/code").status_code == 404
    assert Decimal(client.get("/api/v1/sms/balance").json()["balance"]) == Decimal("100.00")


@pytest.mark.django_db(transaction=True)
def test_code_waits_beyond_the_process_cap_are_429(auth_client, operator_user, sandbox):
    """A GetCode wait holds a web thread: past LONG_REQUESTS_PER_PROCESS waits at once the next
    one is refused with 429 and Retry-After instead of taking the last threads."""
    sandbox(code_delay="100")
    client = auth_client(operator_user)
    activation = get_number(client)
    url = f"/api/v1/sms/activations/{activation['id']}/code"
    waiting = auth_client(operator_user)
    answers = []
    with override_settings(LONG_REQUESTS_PER_PROCESS=1):
        thread = threading.Thread(
            target=closing(lambda: answers.append(waiting.get(url + "?timeout_seconds=3")))
        )
        thread.start()
        time.sleep(1)
        refused = client.get(url + "?timeout_seconds=1")
        thread.join()
        after = client.get(url + "?timeout_seconds=0")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "SMS code waits" in refused.json()["detail"]
    assert answers[0].status_code == 200 and answers[0].json()["error"] == "timeout: no code yet"
    assert after.status_code == 200
