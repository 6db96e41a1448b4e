"""A/B of the secret write figure between checkouts, in one run on one machine.

Each variant is a git ref (extracted with `git archive` into a temporary directory) or
`WORKTREE` (this checkout), served the same way as `bench/secrets_read.py` serves the app
(gunicorn with config/gunicorn.py, 2 workers x 4 threads, PostgreSQL + Redis, 8 keep-alive
clients) with its own database. Rounds interleave the variants (one server up at a time, the
Redis database emptied before each start), so that a passing disturbance of the shared machine
hits them alike; per load the median round is printed, with every round's figure in order.
Loads: the platform write of `bench/secrets_read.py` (PUT /api/v1/secrets/<path>, a new version
of one of 400 live secrets), the Vault API write (POST /v1/secret/data/<path>) and a read by path.

    .venv/bin/python bench/_ab_writes.py --variant old=<ref> --variant new=WORKTREE \
        [--rounds 3] [--requests 4000] [--redis-db 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import free_port  # noqa: E402
from bench.secrets_read import CONCURRENCY, fmt, run_load  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "config" / "gunicorn.py"  # the same serving settings for every variant

_SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from secrets_app.models import User
from secrets_app.services.tokens import token_issue
admin = User.objects.create_user(username="bench", password="x" * 16, role="admin")
print(token_issue(user=admin, ttl=7200).access_token)
"""


def checkout(ref: str, into: Path) -> Path:
    if ref == "WORKTREE":
        return ROOT
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def variant_env(name: str, redis_db: int) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/bench_ab_{name}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "CACHE_KEY_PREFIX": f"ab{name}",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": "",
    }


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)


def flush_redis(redis_db: int) -> None:
    subprocess.run(["redis-cli", "-n", str(redis_db), "flushdb"], check=True, capture_output=True)


def setup(name: str, path: Path, env: dict) -> str:
    psql(f"DROP DATABASE IF EXISTS bench_ab_{name}")
    psql(f"CREATE DATABASE bench_ab_{name}")
    done = subprocess.run([sys.executable, "-c", _SETUP], cwd=path, env=env, capture_output=True)
    if done.returncode:
        sys.exit(f"setting up {name} failed:\n{done.stderr.decode()[-3000:]}")
    return done.stdout.decode().strip().splitlines()[-1]


class Server:
    def __init__(self, path: Path, env: dict) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="bench-metrics-")}
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.proc = subprocess.Popen(
            [gunicorn, "config.wsgi:application", "-c", str(GUNICORN_CONF)]
            + ["-b", f"127.0.0.1:{self.port}", "-w", "2", "--threads", "4"]
            + ["--log-level", "warning"],
            cwd=path,
            env=env,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                httpx.get(self.url + "/api/v1/sys/ping", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def loads(url: str, headers: dict, requests: int, first: bool) -> dict:
    api = url + "/api/v1/secrets/"

    def write(client, index, n):
        return client.put(
            api + f"bench/w{index}-{n % 50}", json={"value": {"password": f"new-{index}-{n}"}}
        )

    def vault_write(client, index, n):
        return client.post(
            url + f"/v1/secret/data/bench/w{index}-{n % 50}",
            json={"data": {"password": f"new-{index}-{n}"}},
        )

    def read(client, index, n):
        return client.get(api + f"bench/w{index}-{n % 50}")

    def create(client, index, n):
        return client.post(
            api + "create", json={"path": f"bench/w{index}-{n % 50}", "value": "seed"}
        )

    if first:
        run_load(create, headers=headers, requests=CONCURRENCY * 50)
    run_load(read, headers=headers, requests=400)  # warm both workers
    return {
        "writes": run_load(write, headers=headers, requests=requests),
        "vault_writes": run_load(vault_write, headers=headers, requests=requests),
        "reads": run_load(read, headers=headers, requests=requests),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", action="append", required=True, help="name=ref|WORKTREE")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--redis-db", type=int, default=9)
    args = parser.parse_args()
    variants = [v.split("=", 1) for v in args.variant]
    tmp = Path(tempfile.mkdtemp(prefix="bench-ab-"))
    prepared = {}
    for name, ref in variants:
        path = checkout(ref, tmp / name)
        env = variant_env(name, args.redis_db)
        flush_redis(args.redis_db)
        prepared[name] = (path, env, {"Authorization": f"Bearer {setup(name, path, env)}"})
        print(f"{name}: {ref} in {path}", flush=True)
    results: dict[str, list[dict]] = {name: [] for name, _ in variants}
    for round_no in range(args.rounds):
        order = variants if round_no % 2 == 0 else variants[::-1]
        for name, _ in order:
            path, env, headers = prepared[name]
            flush_redis(args.redis_db)
            server = Server(path, env)
            try:
                got = loads(server.url, headers, args.requests, first=round_no == 0)
            finally:
                server.stop()
            results[name].append(got)
            print(
                f"round {round_no + 1} {name:<8} writes {got['writes']['rps']:6.0f}  "
                f"vault {got['vault_writes']['rps']:6.0f}  reads {got['reads']['rps']:6.0f}  "
                f"errors {sum(r['errors'] for r in got.values())}",
                flush=True,
            )
    try:
        load1 = os.getloadavg()
        print(f"load average at the end: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    except OSError:
        pass
    failed = sum(r[load]["errors"] for rs in results.values() for r in rs for load in r)
    if failed:
        print(f"WARNING: {failed} requests failed; the figures below do not measure the writes")
    base = variants[0][0]
    for load in ("writes", "vault_writes", "reads"):
        medians = {}
        for name, _ in variants:
            rounds = results[name]
            median = sorted((r[load] for r in rounds), key=lambda x: x["rps"])[len(rounds) // 2]
            medians[name] = median["rps"]
            in_order = ", ".join(f"{r[load]['rps']:.0f}" for r in rounds)
            print(fmt(f"{load} {name}", median) + f"  (rounds: {in_order})")
        for name, _ in variants[1:]:
            ratio = medians[name] / medians[base]
            print(f"  {load}: {name}/{base} = {ratio:.3f}")
    per_round = {
        name: [statistics.mean(r[load]["rps"] for load in ("writes",)) for r in results[name]]
        for name, _ in variants
    }
    print("write rps per round:", per_round)


if __name__ == "__main__":
    main()
