"""Event streams never starve the web tier: under gunicorn (2 processes x 4 threads, as
docker-compose runs it) more streams than threads are opened and /api/v1/sys/ping still
answers at once; what is over a cap (per user, per process) is refused with 429 and
Retry-After, and a closed stream gives its place back at its next heartbeat."""

from __future__ import annotations

import time
from contextlib import ExitStack

import httpx
import pytest

from core.registry import setting_set
from tests.factories import UserFactory
from tests.processes import gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


def _open(stack: ExitStack, base: str, token: str) -> httpx.Response:
    client = stack.enter_context(httpx.Client(timeout=10))
    response = stack.enter_context(
        client.stream(
            "GET",
            base + "/api/v1/warming/events?timeout=60",
            headers={"Authorization": f"Bearer {token}"},
        )
    )
    if response.status_code == 200:
        assert next(response.iter_text()).startswith("retry:")  # the stream is open
    else:
        response.read()
    return response


def _pings_answer(base: str, count: int = 6) -> float:
    slowest = 0.0
    for _ in range(count):
        started = time.monotonic()
        answer = httpx.get(base + "/api/v1/sys/ping", headers={"Connection": "close"}, timeout=5)
        assert answer.status_code == 200
        slowest = max(slowest, time.monotonic() - started)
    return slowest


def test_streams_beyond_the_caps_are_429_and_ping_still_answers(tmp_path, make_token):
    # A server learns that a client left when it next writes: the heartbeat.
    setting_set(key="warming.sse_heartbeat_seconds", value=1)
    operators = [UserFactory(role="operator") for _ in range(4)]
    tokens = [make_token(user) for user in operators]
    # The image's default: half of each process's threads (config/settings/base.py).
    env = {"LONG_REQUESTS_PER_PROCESS": "2"}
    with gunicorn(tmp_path, workers=2, threads=4, env=env) as base:
        # One user: two streams (warming.sse_max_per_user), the others refused.
        with ExitStack() as stack:
            answers = [_open(stack, base, tokens[0]) for _ in range(8)]
            codes = sorted(r.status_code for r in answers)
            assert codes == [200, 200] + [429] * 6, codes
            refused = next(r for r in answers if r.status_code == 429)
            assert int(refused.headers["Retry-After"]) > 0
            assert "streams" in refused.json()["detail"]
            assert _pings_answer(base) < 1.0
        # Many users, more streams than the 8 threads: each process serves at most
        # LONG_REQUESTS_PER_PROCESS (half its threads), so ping is never queued behind them.
        with ExitStack() as stack:
            answers = [_open(stack, base, token) for token in tokens for _ in range(3)]
            served = sum(r.status_code == 200 for r in answers)
            assert {r.status_code for r in answers} == {200, 429}
            # (The first user's closed streams may hold their places until their heartbeat.)
            assert 1 <= served <= 4, served
            slowest = _pings_answer(base, 10)
            assert slowest < 1.0, slowest
        # Closed streams give their places back (within a heartbeat).
        deadline = time.monotonic() + 10
        while True:
            with ExitStack() as stack:
                if _open(stack, base, tokens[0]).status_code == 200:
                    break
            assert time.monotonic() < deadline, "closed streams kept their places"
            time.sleep(0.5)


def test_an_idle_stream_keeps_its_place_when_heartbeats_are_further_apart_than_the_lease(
    monkeypatch,
):
    """A stream renews its lease when it writes (events, heartbeats). With heartbeats further
    apart than the lease (the registry allows up to 60 s), an idle stream's lease lapsed between
    two heartbeats, the next admission swept it away and let one more stream in, and the
    renewal could not bring it back: the stream ran uncounted, past the per-user cap."""
    from accounts.warming import streams
    from accounts.warming.events import event_stream

    monkeypatch.setattr(streams, "LEASE_SECONDS", 1)  # the floor, shortened for the test
    setting_set(key="warming.sse_heartbeat_seconds", value=3)
    setting_set(key="warming.sse_max_per_user", value=1)
    user = UserFactory(role="operator")
    first = streams.AdmittedStream(
        streams.StreamSlot(user.pk).acquire(), event_stream(max_seconds=10)
    )
    try:
        assert next(first).startswith("retry:")  # open, idle until its heartbeat at 3 s
        time.sleep(1.6)
        with pytest.raises(streams.StreamRefused):
            streams.StreamSlot(user.pk).acquire().release()
        assert next(first) == ": heartbeat\n\n"  # still the same stream, renewed
        with pytest.raises(streams.StreamRefused):
            streams.StreamSlot(user.pk).acquire().release()
    finally:
        first.close()
    streams.StreamSlot(user.pk).acquire().release()  # its place is free once it is closed
