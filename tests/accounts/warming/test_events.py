"""StreamEvents as Server-Sent Events over a real HTTP server (live_server + httpx): events
made by the engine in another thread and by a real Celery worker reach the stream through
Redis; task and type filters; Last-Event-ID resumption; heartbeats and the time limit; the
database fallback when there is no Redis."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.test import override_settings

from accounts.warming.engine import warming_tick
from accounts.warming.models import ActionStatus, WarmingAction, WarmingEvent
from accounts.warming.services import warming_action_run, warming_pause, warming_start
from config.celery import app as celery_app
from core.registry import setting_set

from .factories import AccountFactory
from .helpers import fast_scenario, make_due

pytestmark = pytest.mark.django_db(transaction=True)


def start_task():
    fast_scenario()
    return warming_start(account_id=AccountFactory().pk, scenario_id="fast", actor="test")


def read_events(response, *, until, limit_seconds=20):
    """Parse SSE from an httpx streaming response until `until(events)` or the stream ends."""
    events, comments, current = [], [], {}
    deadline = time.monotonic() + limit_seconds
    for line in _lines(response):
        if line.startswith(":"):
            comments.append(line)
        elif line == "":
            if "data" in current:
                events.append(
                    {
                        **json.loads(current["data"]),
                        "id": current.get("id"),
                        "event": current.get("event"),
                    }
                )
                if until(events):
                    break
            current = {}
        else:
            key, _, value = line.partition(": ")
            current[key] = value
        assert time.monotonic() < deadline
    return events, comments


def open_stream(live_server, token, query, **headers):
    return httpx.stream(
        "GET",
        f"{live_server.url}/api/v1/warming/events?{query}",
        headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream", **headers},
        timeout=httpx.Timeout(30, read=30),
    )


def _lines(response):
    """One line iterator per response (httpx streams a body only once)."""
    if not hasattr(response, "_sse_lines"):
        response._sse_lines = response.iter_lines()
    return response._sse_lines


def wait_open(response):
    for line in _lines(response):
        if line == ": stream open":
            return


def in_thread(fn):
    def run():
        try:
            fn()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def run_all_due(task_id):
    """The engine in another thread: tick, then run what it queued, until nothing is due."""
    make_due(task_id)
    for _ in range(3):
        ids = []
        warming_tick(dispatch=lambda actions, settle, batch: ids.extend(actions))
        for action_id in ids:
            warming_action_run(action_id=action_id)


def test_engine_events_reach_the_stream_filtered_by_task(live_server, operator_user, make_token):
    token = make_token(operator_user)
    task, other = start_task(), start_task()
    with open_stream(live_server, token, f"task_id={task.pk}&timeout=20") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        wait_open(response)
        worker = in_thread(lambda: (run_all_due(other.pk), run_all_due(task.pk)))
        events, _ = read_events(
            response, until=lambda ev: sum(e["event_type"] == "action_completed" for e in ev) == 3
        )
        worker.join()
    assert {e["task_id"] for e in events} == {str(task.pk)}
    kinds = [e["event_type"] for e in events]
    assert kinds == ["action_started", "action_completed"] * 3
    assert all(e["id"] and e["event"] == e["event_type"] and e["timestamp"] for e in events)
    assert events[1]["data"]["action_type"] in {"view_profile", "like_post"}
    assert events[1]["data"]["status"] == "succeeded"


def test_type_filter_and_resumption_with_last_event_id(live_server, operator_user, make_token):
    token = make_token(operator_user)
    task = start_task()
    run_all_due(task.pk)  # six action events already in the stream's history
    warming_pause(task_id=task.pk, actor="test")
    with open_stream(
        live_server, token, "event_types=action_completed&timeout=3", **{"Last-Event-ID": "0-0"}
    ) as response:
        events, _ = read_events(response, until=lambda ev: len(ev) == 3)
    assert [e["event_type"] for e in events] == ["action_completed"] * 3
    # Resume after the first completion: only what came later, in order, nothing twice.
    with open_stream(
        live_server, token, f"task_id={task.pk}&timeout=3", **{"Last-Event-ID": events[0]["id"]}
    ) as response:
        later, _ = read_events(
            response,
            until=lambda ev: (
                ev[-1]["event_type"] == "status_changed" and ev[-1]["data"]["status"] == "paused"
            ),
        )
    assert [e["event_type"] for e in later] == ["action_started", "action_completed"] * 2 + [
        "status_changed"
    ]
    assert [e["id"] for e in later] == sorted(e["id"] for e in later)
    assert events[0]["id"] not in {e["id"] for e in later}
    bad = httpx.get(
        f"{live_server.url}/api/v1/warming/events?event_types=nope",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert bad.status_code == 422
    bad_id = httpx.get(
        f"{live_server.url}/api/v1/warming/events",
        headers={"Authorization": f"Bearer {token}", "Last-Event-ID": "x; DROP"},
    )
    assert bad_id.status_code == 422


def test_heartbeat_on_idle_and_the_stream_ends_at_its_timeout(
    live_server, operator_user, make_token
):
    setting_set(key="warming.sse_heartbeat_seconds", value=1)
    token = make_token(operator_user)
    started = time.monotonic()
    with open_stream(live_server, token, "timeout=3") as response:
        events, comments = read_events(response, until=lambda ev: False)
    assert events == [] and comments.count(": heartbeat") >= 2
    assert 2.5 < time.monotonic() - started < 10


def test_events_made_by_a_real_worker_reach_the_stream(live_server, operator_user, make_token):
    """Beat tick -> broker -> a real Celery worker (fan-out, then the action batch) -> the
    sandbox driver -> results in the database and events on the stream."""
    setting_set(key="warming.fan_out_above", value=1)  # exercise the fan-out path too
    token = make_token(operator_user)
    task, other = start_task(), start_task()
    worker = start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING")
    with worker, open_stream(live_server, token, "event_types=action_completed&timeout=20") as r:
        wait_open(r)
        make_due(task.pk, 1)
        make_due(other.pk, 1)
        result = warming_tick()  # Celery dispatch: the worker runs both actions
        assert result.queued == 2
        events, _ = read_events(r, until=lambda ev: len(ev) == 2)
    assert {e["task_id"] for e in events} == {str(task.pk), str(other.pk)}
    for action_id in result.action_ids:
        action = WarmingAction.objects.get(pk=action_id)
        assert action.status == ActionStatus.SUCCEEDED and action.claim_token is not None
    task.refresh_from_db()
    assert task.actions_completed == 1


def test_without_redis_events_go_through_the_database(live_server, operator_user, make_token):
    token = make_token(operator_user)
    with override_settings(REDIS_URL=""):
        task = start_task()
        assert WarmingEvent.objects.filter(task_id=task.pk, event_type="status_changed").exists()
        # A short timeout: the server's polling generator ends (and frees its database
        # connection) on its own.
        with open_stream(live_server, token, f"task_id={task.pk}&timeout=4") as response:
            wait_open(response)
            worker = in_thread(lambda: run_all_due(task.pk))
            events, _ = read_events(response, until=lambda ev: False)
            worker.join()
    assert [e["event_type"] for e in events] == ["action_started", "action_completed"] * 3
    assert [int(e["id"]) for e in events] == sorted(int(e["id"]) for e in events)
