"""PostgreSQL restarted and stopped under gunicorn (the image's config, 2 processes x 4
threads, persistent connections) with a PostgreSQL cluster of the test's own: the first
request after a restart succeeds, an outage answers 503 with Retry-After in each route's shape
(Vault's `{"errors": [...]}` under /v1/), and no request fails once the database is back."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.processes import PostgresCluster, gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

VAULT_READ = "/v1/secret/data/app/db"
API_READ = "/api/v1/secrets/app/db"


@pytest.fixture
def cluster():
    cluster = PostgresCluster()
    cluster.start()
    yield cluster
    cluster.remove()


def test_database_outage_is_503_and_recovery_loses_no_request(
    tmp_path, cluster, admin_user, make_token
):
    token = make_token(admin_user)
    cluster.copy_database("platform")  # the users and tokens committed above
    env = {"DATABASE_URL": cluster.url("platform"), "DB_CONN_MAX_AGE": "60"}
    with gunicorn(tmp_path, workers=2, threads=4, env=env) as base:
        headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
        written = httpx.post(
            base + VAULT_READ, json={"data": {"password": "s3cret"}}, headers=headers
        )
        assert written.status_code == 200, written.text

        def read(i: int) -> httpx.Response:
            path = VAULT_READ if i % 2 else API_READ
            return httpx.get(base + path, headers=headers, timeout=30)

        with ThreadPoolExecutor(max_workers=8) as pool:
            # Every gunicorn thread holds a persistent connection...
            assert {r.status_code for r in pool.map(read, range(32))} == {200}
            # ...which a restart while the app is idle kills: the first requests still succeed.
            cluster.stop()
            cluster.start()
            after_restart = [r.status_code for r in pool.map(read, range(32))]
        assert after_restart == [200] * 32, after_restart

        # Now an outage under requests.
        results: list[tuple[float, str, httpx.Response]] = []
        stop = threading.Event()

        def load(worker: int) -> None:
            i = worker
            while not stop.is_set():
                started = time.monotonic()
                path = VAULT_READ if i % 2 else API_READ
                results.append((started, path, read(i)))
                i += 1

        threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        cluster.stop()
        time.sleep(1.5)
        cluster.start()
        back = time.monotonic()
        time.sleep(2)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    # The 503s are not logged one by one as server errors (nor sent to Sentry as such).
    assert "Service Unavailable" not in (tmp_path / "gunicorn.log").read_text()
    statuses = [r.status_code for _, _, r in results]
    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    outage = [(path, r) for _, path, r in results if r.status_code == 503]
    assert {path for path, _ in outage} == {VAULT_READ, API_READ}, "both routes saw the outage"
    for path, response in outage:
        assert int(response.headers["Retry-After"]) > 0
        body = response.json()
        if path == VAULT_READ:
            assert body["errors"] and "detail" not in body, body
        else:
            assert "database" in body["detail"], body
    after = [r.status_code for started, _, r in results if started >= back]
    assert after and set(after) == {200}, after
    print(f"{len(results)} requests, {len(outage)} answered 503, {len(after)} after the restart")


def _cluster_pids(cluster: PostgresCluster) -> list[int]:
    import subprocess

    main = int((cluster.data / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(
        ["pgrep", "-P", str(main)], capture_output=True, text=True, check=False
    ).stdout.split()
    return [main, *map(int, children)]


def test_health_answers_within_a_second_while_postgresql_is_frozen(
    tmp_path, cluster, admin_user, make_token
):
    """A frozen PostgreSQL (SIGSTOP: a paused VM, a stalled disk) accepts connections and never
    answers. The readiness probe hung on its SELECT 1 past 20 s (then took 10 s per probe):
    it must say "database" is down within about a second, every time, and recover."""
    import os
    import signal

    make_token(admin_user)
    cluster.copy_database("platform")
    env = {"DATABASE_URL": cluster.url("platform"), "DB_CONN_MAX_AGE": "60"}
    with gunicorn(tmp_path, workers=1, threads=4, env=env) as base:
        http = httpx.Client(base_url=base, timeout=15)
        assert http.get("/api/v1/health").status_code == 200  # its connection is open
        pids = _cluster_pids(cluster)
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            for _ in range(3):
                started = time.monotonic()
                health = http.get("/api/v1/health")
                took = time.monotonic() - started
                assert health.status_code == 503 and "database" in health.json()["down"]
                assert took < 2.5, took
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        started = time.monotonic()
        while http.get("/api/v1/health").status_code != 200:
            assert time.monotonic() - started < 15, "no recovery"
            time.sleep(0.2)


def _sql(cluster: PostgresCluster, statement: str) -> None:
    import psycopg

    with psycopg.connect(cluster.url("platform"), autocommit=True) as conn:
        conn.execute(statement)


def test_a_read_only_postgresql_is_an_outage_for_writes(tmp_path, cluster, admin_user, make_token):
    """PostgreSQL that only reads (a standby after a failover, default_transaction_read_only)
    answered every write with a 500 while readiness said SERVING: writes are 503 with
    Retry-After in the route's shape, what needs no write goes on, readiness names the
    database, and all recovers when it takes writes again."""
    token = make_token(admin_user)
    cluster.copy_database("platform")
    env = {"DATABASE_URL": cluster.url("platform"), "DB_CONN_MAX_AGE": "60"}
    with gunicorn(tmp_path, workers=1, threads=4, env=env) as base:
        http = httpx.Client(base_url=base, timeout=15, headers={"X-Vault-Token": token})
        assert http.post(VAULT_READ, json={"data": {"v": "1"}}).status_code == 200
        _sql(cluster, "ALTER SYSTEM SET default_transaction_read_only = on")
        _sql(cluster, "SELECT pg_reload_conf()")
        time.sleep(0.5)
        try:
            written = http.post(VAULT_READ, json={"data": {"v": "2"}})
            assert written.status_code == 503, written.text
            assert written.json()["errors"] and int(written.headers["Retry-After"]) > 0
            # a secret read is audited, a write too: 503 as well, never served unaudited
            assert http.get(VAULT_READ).status_code == 503
            assert http.get("/api/v1/sys/ping").status_code == 200  # needs no write
            health = http.get("/api/v1/health")
            assert health.status_code == 503 and "database" in health.json()["down"]
            assert "read-only" in health.json()["checks"]["database"]["detail"]
        finally:
            _writable(cluster)
        time.sleep(0.5)
        assert http.get("/api/v1/health").status_code == 200
        assert http.post(VAULT_READ, json={"data": {"v": "3"}}).status_code == 200


def _writable(cluster: PostgresCluster) -> None:
    """Take writes again (ALTER SYSTEM itself cannot run in a read-only transaction)."""
    import psycopg

    with psycopg.connect(cluster.url("platform"), autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = off")
        conn.execute("ALTER SYSTEM RESET default_transaction_read_only")
        conn.execute("SELECT pg_reload_conf()")
