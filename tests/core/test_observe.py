"""Logs are JSON lines with request ids (carried into Celery tasks), one access line per request
without tokens; /metrics shows request, task and periodic-job metrics behind an allow-list or a
token (issue 16, item 8)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from celery import shared_task
from django.utils import timezone

from core.context import acting
from core.logs import formatter
from core.models import JobRun
from core.tasks import HEADER

pytestmark = pytest.mark.django_db


@shared_task(name="tests.observe.say")
def say(text: str) -> str:
    logging.getLogger("tests.observe").warning("task says %s", text)
    return text


@shared_task(name="tests.observe.fail")
def fail() -> None:
    raise RuntimeError("boom")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger's JSON handler, as configured in settings, writing into a buffer."""
    spec = formatter("json")
    factory = spec.pop("()")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(factory(**spec))
    root = logging.getLogger()
    access = logging.getLogger("platform.access")
    old_level = access.level
    root.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        access.setLevel(old_level)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_access_line_is_json_with_request_id_route_status_user_and_no_token(
    json_log, user, make_token, api_client
):
    token = make_token(user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = api_client.get("/api/v1/token/lookup-self", HTTP_X_REQUEST_ID="req-observe-0001")
    assert answer.status_code == 200
    api_client.credentials()
    api_client.get("/api/v1/secrets/does/not/exist", HTTP_X_REQUEST_ID="req-observe-0002")
    lines = _lines(json_log)
    access = [line for line in lines if line["logger"] == "platform.access"]
    assert len(access) == 2
    first, second = access
    assert first["request_id"] == "req-observe-0001"
    assert (first["method"], first["route"], first["status"]) == (
        "GET",
        "/api/v1/token/lookup-self",
        200,
    )
    assert first["user_id"] == user.pk and first["level"] == "info"
    assert isinstance(first["duration_ms"], float) and "timestamp" in first
    # an unauthenticated call: no user, the route pattern (not the path)
    assert second["request_id"] == "req-observe-0002" and second["user_id"] is None
    assert second["status"] == 401 and "<path:secret_id>" in second["route"]
    assert token not in json_log.getvalue()


def test_task_logs_carry_the_request_id_of_the_request_that_queued_them(json_log):
    with acting(request_id="req-from-http-0003"):
        logging.getLogger("tests.observe").warning("in the request")
    say.apply(args=["hello"], headers={HEADER: {"request_id": "req-from-http-0003"}})
    lines = [line for line in _lines(json_log) if line["logger"] == "tests.observe"]
    assert [line["event"] for line in lines] == ["in the request", "task says hello"]
    assert {line["request_id"] for line in lines} == {"req-from-http-0003"}
    assert lines[1]["channel"] == "task"


def _sample(text: str, name: str, **labels) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_show_requests_tasks_and_last_job_runs(api_client):
    for _ in range(3):
        assert api_client.get("/api/v1/sys/ping").status_code == 200
    say.apply(args=["x"])
    say.apply(args=["y"])
    fail.apply()
    JobRun.objects.create(
        name="warming.tick",
        status=JobRun.Status.SUCCESS,
        finished_at=timezone.now(),
        result={"actions_done": 4, "note": "text is skipped"},
    )
    answer = api_client.get("/metrics")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    text = answer.content.decode()
    pings = _sample(
        text,
        "platform_http_request_duration_seconds_count",
        method="GET",
        route="/api/v1/sys/ping",
        status="200",
    )
    assert pings is not None and pings >= 3
    name = "tests.observe.say"
    assert _sample(text, "platform_celery_tasks_total", task=name, outcome="success") == 2
    assert (
        _sample(text, "platform_celery_tasks_total", task="tests.observe.fail", outcome="failure")
        == 1
    )
    assert _sample(text, "platform_celery_task_duration_seconds_count", task=name) == 2
    assert _sample(text, "platform_celery_task_duration_seconds_bucket", task=name, le="+Inf") == 2
    assert _sample(text, "platform_job_last_success", job="warming.tick") == 1
    assert _sample(text, "platform_job_last_result", job="warming.tick", field="actions_done") == 4
    assert _sample(text, "platform_job_last_run_timestamp_seconds", job="warming.tick") > 0


def test_metrics_need_an_allowed_address_or_the_token(api_client, settings):
    outside = {"REMOTE_ADDR": "203.0.113.7"}
    assert api_client.get("/metrics", **outside).status_code == 403
    settings.METRICS_TOKEN = "scrape-secret-0123456789"
    assert api_client.get("/metrics", **outside).status_code == 403
    wrong = api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope", **outside)
    assert wrong.status_code == 403
    right = api_client.get(
        "/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789", **outside
    )
    assert right.status_code == 200
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.METRICS_TOKEN = ""
    assert api_client.get("/metrics").status_code == 403  # even loopback when none is allowed


SENTRY_SCRIPT = """
import logging, django, sentry_sdk
django.setup()
logging.getLogger("platform.test").error("sentry-bound failure %s", 42)
sentry_sdk.flush(10)
print("flushed", sentry_sdk.get_client().is_active())
"""


def test_sentry_reports_errors_when_a_dsn_is_set(tmp_path, fake_server):
    """With SENTRY_DSN an error reaches the DSN's server: a fake one on 127.0.0.1 here (the
    test settings force the DSN off, so the suite itself never sends anything)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings

    from fakes.http import FakeResponse

    assert settings.SENTRY_DSN == ""
    sentry = fake_server()
    sentry.route("POST", "/api/1/*", lambda request: FakeResponse.json({}))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "RUN_DIR": str(tmp_path),
            "SENTRY_DSN": f"http://publickey@127.0.0.1:{sentry.port}/1",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", SENTRY_SCRIPT],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "flushed True" in result.stdout
    import gzip

    bodies = b"".join(
        gzip.decompress(r.body) if r.headers.get("content-encoding") == "gzip" else r.body
        for r in sentry.requests
        if r.path.startswith("/api/1/")
    )
    assert b"sentry-bound failure 42" in bodies
