"""Redis stopped, then frozen, under gunicorn (the image's config, 2 processes x 4 threads)
with a Redis of the test's own: what does not need Redis keeps working from the database,
what does answers 503 with Retry-After in its route's shape, health says "redis" within a
second, and everything recovers without a restart (docs/decisions.md, "Redis outages")."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.processes import RedisProcess, gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _wait_serving(http: httpx.Client, seconds: float = 10) -> float:
    started = time.monotonic()
    while http.get("/api/v1/health").status_code != 200:
        assert time.monotonic() - started < seconds, "no recovery without a restart"
        time.sleep(0.2)
    return time.monotonic() - started


def _signed_in_cookie(user) -> dict:
    """A session as a password sign-in leaves it (stored in the database)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "secrets_app.backends.LockoutModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"sessionid": session.session_key}


def test_redis_stopped_and_frozen_under_gunicorn(tmp_path, user, admin_user, make_token):
    redis = RedisProcess(tmp_path).start()
    cookies = _signed_in_cookie(admin_user)
    token = make_token(user)
    admin = make_token(admin_user)
    limited = make_token(user, num_uses=3)
    victim = make_token(user)
    # The production timeout (the test settings' default is longer for the loaded suite).
    env = {"REDIS_URL": redis.url, "REDIS_RETRY_SECONDS": "1", "REDIS_SOCKET_TIMEOUT": "0.5"}
    try:
        with gunicorn(tmp_path, workers=2, threads=4, env=env) as base:
            http = httpx.Client(base_url=base, timeout=30)
            assert http.get("/api/v1/health").status_code == 200
            # Token state cached in Redis before the outage.
            assert http.get("/api/v1/token/lookup-self", headers=_bearer(token)).status_code == 200
            assert http.get("/api/v1/sys/ping", headers=_bearer(limited)).status_code == 200

            redis.stop()

            # Routes that do not need Redis keep working: settings and token state come
            # from the database.
            for _ in range(6):
                ping, seconds = _timed(lambda: http.get("/api/v1/sys/ping"))
                assert ping.status_code == 200 and seconds < 1.5
            lookup = http.get("/api/v1/token/lookup-self", headers=_bearer(token))
            assert lookup.status_code == 200, lookup.text
            # A signed-in page: the session is read from its row.
            page = httpx.get(base + "/admin/", cookies=cookies, timeout=30)
            assert page.status_code == 200 and "Operators" in page.text, page.status_code
            # num_uses is counted in the database: two uses left, then refused.
            for _ in range(2):
                used = http.get("/api/v1/sys/ping", headers=_bearer(limited))
                assert used.json() == {"ok": True, "authenticated": True}
            assert http.get("/api/v1/sys/ping", headers=_bearer(limited)).status_code == 401

            # Health names what is down, within a second.
            health, seconds = _timed(lambda: http.get("/api/v1/health"))
            assert health.status_code == 503 and seconds < 1.0, seconds
            assert "redis" in health.json()["down"]

            # What needs Redis answers 503 with Retry-After, in the route's shape, and
            # changes nothing: a revocation Redis cannot record is refused, not half-done.
            refused = http.post("/api/v1/token/revoke", json={"revoke_token": victim})
            assert refused.status_code == 503, refused.text
            assert int(refused.headers["Retry-After"]) > 0
            assert "unavailable" in refused.json()["detail"]
            vault = http.post("/v1/auth/token/revoke-self", headers={"X-Vault-Token": victim})
            assert vault.status_code == 503 and "Retry-After" in vault.headers
            assert vault.json()["errors"] and "detail" not in vault.json()
            # Login needs the lockout counters: refused (closed), never checked without them.
            login = http.post("/users/login", json={"username": user.username, "password": "x"})
            assert login.status_code == 503 and "Retry-After" in login.headers
            # A settings change Redis cannot share is refused and rolled back (other processes
            # would keep the old value from Redis once it is back).
            change = {"key": "warming.sse_max_streams", "value": 50}
            refused = http.post("/api/v1/sys/setting", json=change, headers=_bearer(admin))
            assert refused.status_code == 503 and "Retry-After" in refused.headers, refused.text
            # Event streams live in Redis.
            stream = http.get("/api/v1/warming/events?timeout=5", headers=_bearer(admin))
            assert stream.status_code == 503 and "Retry-After" in stream.headers, stream.text
            assert http.get("/api/v1/token/lookup-self", headers=_bearer(victim)).status_code == 200
            submitted, seconds = _timed(
                lambda: http.post(
                    "/get-views/vk", json={"links": ["vk.com/wall-1_1"]}, headers=_bearer(token)
                )
            )
            # Work stored in the database is accepted even if the broker cannot take it now:
            # the stale-task sweep queues it again (a 503 would invite a duplicate retry).
            assert submitted.status_code == 202 and seconds < 5, (submitted.text, seconds)

            # Redis back on the same port: recovery without a restart.
            redis.start()
            recovered = _wait_serving(http)
            setting = http.get(
                "/api/v1/sys/setting/warming.sse_max_streams", headers=_bearer(admin)
            )
            assert setting.json()["value"] == 100  # the refused change left nothing behind
            changed = http.post("/api/v1/sys/setting", json=change, headers=_bearer(admin))
            assert changed.status_code == 200, changed.text
            revoked = http.post("/api/v1/token/revoke", json={"revoke_token": victim})
            assert revoked.status_code == 200, revoked.text
            assert http.get("/api/v1/token/lookup-self", headers=_bearer(victim)).status_code == 401

            # Frozen (SIGSTOP): the same, and nothing waits more than a socket timeout.
            redis.freeze()
            slowest = 0.0
            for _ in range(8):
                ping, seconds = _timed(lambda: http.get("/api/v1/sys/ping"))
                assert ping.status_code == 200
                lookup, more = _timed(
                    lambda: http.get("/api/v1/token/lookup-self", headers=_bearer(token))
                )
                assert lookup.status_code == 200
                slowest = max(slowest, seconds, more)
            assert slowest < 1.5, slowest
            submitted, seconds = _timed(
                lambda: http.post(
                    "/get-views/vk", json={"links": ["vk.com/wall-1_2"]}, headers=_bearer(token)
                )
            )
            # Queuing to a frozen broker gives up after its socket timeout, never hangs.
            assert submitted.status_code == 202 and seconds < 5, (submitted.text, seconds)
            health, seconds = _timed(lambda: http.get("/api/v1/health"))
            assert health.status_code == 503 and seconds < 1.0, seconds
            assert "redis" in health.json()["down"]
            redis.thaw()
            recovered = max(recovered, _wait_serving(http))
            assert http.get("/api/v1/token/lookup-self", headers=_bearer(victim)).status_code == 401
            # Prometheus still scrapes while Redis is down (the shared task counters left out).
            redis.stop()
            assert http.get("/metrics").status_code == 200
            print(f"slowest request while frozen {slowest:.2f}s; recovery {recovered:.1f}s")
    finally:
        redis.kill()
    # Said once per process and outage (two outages, two processes), not once per request.
    log = (tmp_path / "gunicorn.log").read_text()
    assert 1 <= log.count("token state served from the database") <= 4, log[-2000:]
    assert 1 <= log.count(f"Redis 127.0.0.1:{redis.port} unavailable (") <= 6
    assert "Service Unavailable" not in log  # the 503s are not logged as server errors


def _redis_command(port: int, *args: str) -> bytes:
    import socket

    payload = f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(payload.encode())
        return sock.recv(200)


def test_redis_refusing_writes_is_an_outage_not_a_500(tmp_path, user, admin_user, make_token):
    """Redis that answers but refuses writes (maxmemory reached under noeviction; likewise a
    failed snapshot with stop-writes-on-bgsave-error, or a replica after a failover) made every
    authenticated route a 500 while health said SERVING. Now: reads fall back as in an outage,
    what needs a write is 503 with Retry-After, health names "redis", and all recovers."""
    redis = RedisProcess(tmp_path).start()
    token = make_token(user)
    admin = make_token(admin_user)
    env = {"REDIS_URL": redis.url, "REDIS_RETRY_SECONDS": "1", "REDIS_SOCKET_TIMEOUT": "0.5"}
    try:
        with gunicorn(tmp_path, workers=1, threads=4, env=env) as base:
            http = httpx.Client(base_url=base, timeout=30)
            assert http.get("/api/v1/health").status_code == 200
            assert _redis_command(redis.port, "CONFIG", "SET", "maxmemory-policy", "noeviction")
            assert _redis_command(redis.port, "CONFIG", "SET", "maxmemory", "1") == b"+OK\r\n"

            health = http.get("/api/v1/health")
            assert health.status_code == 503 and "redis" in health.json()["down"], health.text
            assert "refuses writes" in health.json()["checks"]["redis"]["detail"]
            # token state is not cached: read from its row, as while Redis is down
            ping = http.get("/api/v1/sys/ping", headers=_bearer(token))
            assert ping.status_code == 200, ping.text
            listed = http.get("/api/v1/secrets", headers=_bearer(admin))
            assert listed.status_code == 200, listed.text
            vault = http.get("/v1/secret/data/app/x", headers={"X-Vault-Token": admin})
            assert vault.status_code == 404, vault.text
            written = http.post(
                "/v1/secret/data/app/x", json={"data": {"a": "b"}}, headers={"X-Vault-Token": admin}
            )
            assert written.status_code == 200, written.text
            # what needs a write in Redis is an outage: a revocation (its tombstone) is 503 with
            # Retry-After and changes nothing, not a 500
            refused = http.post(
                "/api/v1/token/revoke", json={"revoke_token": token}, headers=_bearer(admin)
            )
            assert refused.status_code == 503 and refused.headers.get("Retry-After"), refused.text
            assert http.get("/api/v1/sys/ping", headers=_bearer(token)).status_code == 200
            # queuing to the broker (the same Redis) is refused as in an outage: the submission
            # is stored and answered 202, its task re-queued by the sweep
            submitted, seconds = _timed(
                lambda: http.post(
                    "/get-views/vk", json={"links": ["vk.com/wall-1_2"]}, headers=_bearer(token)
                )
            )
            assert submitted.status_code == 202 and seconds < 2, (submitted.text, seconds)

            assert _redis_command(redis.port, "CONFIG", "SET", "maxmemory", "0") == b"+OK\r\n"
            assert _wait_serving(http) < 10
            assert http.get("/api/v1/sys/ping", headers=_bearer(token)).status_code == 200
    finally:
        redis.kill()
