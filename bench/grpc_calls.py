"""The fleet over gRPC against the same operations over REST, and StreamEvents fan-out.

Serves the app twice on one PostgreSQL + Redis database, as docker compose does: gunicorn
with config/gunicorn.py (GUNICORN_WORKERS x GUNICORN_THREADS, default 4 x 4) and
`manage.py grpcserve --processes 2`. The same number of client threads (CONCURRENCY, 8), each
with its own keep-alive connection (httpx client / gRPC channel), then run
- GetAccount (`GET /api/v1/accounts/{id}` vs `conveer.AccountService/GetAccount`),
- AllocateProxy + ReleaseProxy, one pair per operation (`POST /api/v1/proxies/allocate` and
  `…/release` vs `conveer.ProxyService/AllocateProxy` and `ReleaseProxy`),
and print calls/s, p50, p99 and the gRPC/REST ratio. Then it opens 200 StreamEvents streams
(grpc.aio, one event loop), publishes events one at a time through the warming event stream
and prints the time from publication until each stream has the event (p50, p99 over all
deliveries) and until all 200 have it. The client runs on the same machine; the load average
is printed before and after.

    .venv/bin/python bench/grpc_calls.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import ROOT, Gunicorn, free_port, load, setup_env  # noqa: E402

CONCURRENCY = int(os.environ.get("CONCURRENCY", "8"))
CALLS = int(os.environ.get("CALLS", "4000"))
STREAMS = int(os.environ.get("STREAMS", "200"))
EVENTS = int(os.environ.get("EVENTS", "100"))
GRPC_PROCESSES = int(os.environ.get("GRPC_PROCESSES", "2"))


def summary(latencies: list[float], elapsed: float, errors: int) -> dict:
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        "errors": errors,
    }


def grpc_load(target: str, call_factory, *, calls: int, concurrency: int) -> dict:
    """`call_factory(channel, worker)` returns a function doing one operation."""
    import grpc

    per_worker = calls // concurrency
    latencies: list[float] = []
    errors = 0

    def worker(index: int) -> None:
        nonlocal errors
        with grpc.insecure_channel(target) as channel:
            op = call_factory(channel, index)
            for n in range(per_worker):
                started = time.perf_counter()
                try:
                    op(n)
                except grpc.RpcError:
                    errors += 1
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    return summary(latencies, time.perf_counter() - started, errors)


def rest_pairs(url: str, headers: dict, accounts: list[int], *, calls: int, concurrency: int):
    import httpx

    per_worker = calls // concurrency
    latencies: list[float] = []
    errors = 0

    def worker(index: int) -> None:
        nonlocal errors
        with httpx.Client(headers=headers, timeout=30) as client:
            for n in range(per_worker):
                account = accounts[(index * per_worker + n) % len(accounts)]
                started = time.perf_counter()
                a = client.post(url + "/api/v1/proxies/allocate", json={"account_id": account})
                r = client.post(url + "/api/v1/proxies/release", json={"account_id": account})
                latencies.append(time.perf_counter() - started)
                errors += a.status_code >= 400 or r.status_code >= 400

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    return summary(latencies, time.perf_counter() - started, errors)


def line(name: str, r: dict) -> str:
    return (
        f"{name:<28} {r['rps']:7.0f} calls/s  p50 {r['p50_ms']:6.1f} ms  "
        f"p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}"
    )


class GrpcServer:
    def __init__(self, env: dict, processes: int) -> None:
        self.port = free_port()
        self.target = f"127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "grpcserve",
                "--addr",
                self.target,
                "--processes",
                str(processes),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        output = self.proc.stdout
        assert output is not None  # stdout=PIPE
        ready = 0
        deadline = time.time() + 90
        while ready < processes:
            text = output.readline()
            if "gRPC serving" in text:
                ready += 1
            if not text and self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("grpcserve did not start")
        threading.Thread(target=output.read, daemon=True).start()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


async def fan_out(target: str, metadata: tuple, publish) -> dict:
    import grpc

    from grpcapi.gen.conveer import warming_pb2, warming_pb2_grpc

    # several connections, as many clients would have (each carries many streams)
    channels = [grpc.aio.insecure_channel(target) for _ in range(10)]
    arrivals: dict[str, list[float]] = {}
    opened = 0

    async def follow(i: int) -> None:
        nonlocal opened
        stub = warming_pb2_grpc.WarmingServiceStub(channels[i % len(channels)])
        call = stub.StreamEvents(warming_pb2.StreamEventsRequest(), metadata=metadata)
        opened += 1
        async for event in call:
            arrivals.setdefault(event.data["n"], []).append(time.time())

    tasks = [asyncio.create_task(follow(i)) for i in range(STREAMS)]
    # wait until every stream is subscribed: a warm-up event reaches all of them
    for attempt in range(100):
        key = f"warm{attempt}"
        await asyncio.to_thread(publish, key)
        await asyncio.sleep(0.3)
        if len(arrivals.get(key, [])) == STREAMS:
            break
    else:
        raise RuntimeError("not every stream received the warm-up event")
    sent: dict[str, float] = {}
    for n in range(EVENTS):
        key = str(n)
        sent[key] = await asyncio.to_thread(publish, key)
        await asyncio.sleep(0.2)
    await asyncio.sleep(1)
    for task in tasks:
        task.cancel()
    for channel in channels:
        await channel.close()
    deliveries = sorted(t - sent[k] for k in sent for t in arrivals.get(k, []))
    everyone = sorted(max(arrivals[k]) - sent[k] for k in sent if len(arrivals[k]) == STREAMS)
    return {
        "deliveries": len(deliveries),
        "expected": EVENTS * STREAMS,
        "p50_ms": statistics.median(deliveries) * 1000,
        "p99_ms": deliveries[max(0, int(len(deliveries) * 0.99) - 1)] * 1000,
        "all_p50_ms": statistics.median(everyone) * 1000,
        "all_p99_ms": everyone[max(0, int(len(everyone) * 0.99) - 1)] * 1000,
        "all_max_ms": everyone[-1] * 1000,
    }


def main() -> None:
    env = setup_env("bench_grpc", int(os.environ.get("BENCH_REDIS_DB", "12")))
    import django

    django.setup()
    from accounts.models import Account, Proxy
    from accounts.warming.events import events_publish_many
    from grpcapi.gen.conveer import accounts_pb2, accounts_pb2_grpc, proxies_pb2, proxies_pb2_grpc
    from secrets_app.models import User
    from secrets_app.services.tokens import token_issue

    operator = User.objects.create_user(username="bench-op", password="x" * 16, role="operator")
    token = token_issue(user=operator, ttl=7200).access_token
    accounts = [
        Account.objects.create(platform="vk", login=f"bench{i}", password="pw", status="active")
        for i in range(200)
    ]
    for i in range(200):
        Proxy.objects.create(host="10.9.0.1", port=20000 + i, username=f"u{i}", password="p")
    ids = [a.pk for a in accounts]
    headers = {"Authorization": f"Bearer {token}"}
    metadata = (("authorization", f"Bearer {token}"),)
    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"({os.cpu_count()} CPUs)"
    )

    def get_account_grpc(channel, index):
        stub = accounts_pb2_grpc.AccountServiceStub(channel)

        def op(n):
            request = accounts_pb2.GetAccountRequest(account_id=str(ids[(index + n) % len(ids)]))
            stub.GetAccount(request, metadata=metadata)

        return op

    per_worker = CALLS // CONCURRENCY

    def pair_grpc(channel, index):
        stub = proxies_pb2_grpc.ProxyServiceStub(channel)

        def op(n):
            account = str(ids[(index * per_worker + n) % len(ids)])
            stub.AllocateProxy(
                proxies_pb2.AllocateProxyRequest(account_id=account), metadata=metadata
            )
            stub.ReleaseProxy(
                proxies_pb2.ReleaseProxyRequest(account_id=account), metadata=metadata
            )

        return op

    rest = Gunicorn(
        env,
        workers=int(os.environ.get("GUNICORN_WORKERS", "4")),
        threads=int(os.environ.get("GUNICORN_THREADS", "4")),
    )
    try:
        load(f"{rest.url}/api/v1/accounts/{ids[0]}", headers=headers, requests=400)  # warm up
        rest_get = load(
            f"{rest.url}/api/v1/accounts/{ids[0]}",
            headers=headers,
            requests=CALLS,
            concurrency=CONCURRENCY,
        )
        rest_pair = rest_pairs(rest.url, headers, ids, calls=CALLS // 2, concurrency=CONCURRENCY)
    finally:
        rest.stop()

    server = GrpcServer(env, GRPC_PROCESSES)
    try:
        grpc_load(server.target, get_account_grpc, calls=400, concurrency=CONCURRENCY)  # warm up
        grpc_get = grpc_load(server.target, get_account_grpc, calls=CALLS, concurrency=CONCURRENCY)
        grpc_pair = grpc_load(server.target, pair_grpc, calls=CALLS // 2, concurrency=CONCURRENCY)

        def publish(key: str) -> float:
            now = time.time()
            events_publish_many([(1, "status_changed", {"n": key})])
            return now

        fan = asyncio.run(fan_out(server.target, metadata, publish))
    finally:
        server.stop()

    print(
        f"client concurrency {CONCURRENCY}; REST: gunicorn config/gunicorn.py "
        f"{os.environ.get('GUNICORN_WORKERS', '4')}x{os.environ.get('GUNICORN_THREADS', '4')}; "
        f"gRPC: grpcserve --processes {GRPC_PROCESSES}"
    )
    print(line("GetAccount REST", rest_get))
    print(line("GetAccount gRPC", grpc_get))
    print(f"  ratio gRPC/REST calls/s: {grpc_get['rps'] / rest_get['rps']:.2f}")
    print(line("Allocate+Release REST", rest_pair))
    print(line("Allocate+Release gRPC", grpc_pair))
    print(f"  ratio gRPC/REST calls/s: {grpc_pair['rps'] / rest_pair['rps']:.2f}")
    print(
        f"StreamEvents fan-out, {STREAMS} streams, {EVENTS} events: deliveries "
        f"{fan['deliveries']}/{fan['expected']}, per stream p50 {fan['p50_ms']:.1f} ms, "
        f"p99 {fan['p99_ms']:.1f} ms; until all {STREAMS} have it: p50 {fan['all_p50_ms']:.1f} ms, "
        f"p99 {fan['all_p99_ms']:.1f} ms, max {fan['all_max_ms']:.1f} ms"
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
