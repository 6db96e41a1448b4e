"""Benchmark: 1,000 updates from 200 chats through the shop bot's webhook, in one run.

Each of 200 linked customers (balance $10) goes through one session of 5 updates: a filtered
/catalog (country and type), the next page (▶), a proxy on it (the purchase prompt),
"✅ Confirm purchase" (a purchase at the fake provider), /balance. The fake Bot API (its own
process) delivers the updates to the app's webhook as Telegram does, over BENCH_CONNECTIONS
connections (8, gunicorn's 2 workers x 4 threads), one update per chat at a time (a person waits
for the answer), and records when each update went out and when the bot's first answer to it
came back. The fake provider runs in its
own process too. Prints updates/s (first delivery to last update handled), latency from the
update's delivery to the bot's first answer (p50, p99, max), database queries per update
(counted in the app, bench/_botapp.py) and how the purchases ended.

Standalone: its own PostgreSQL database `bench_telegram_bot` (re-created) and Redis db 13
(flushed; BENCH_REDIS_DB), so it never touches the demo's or the tests' data.

    .venv/bin/python bench/telegram_bot.py
    (BENCH_CHATS=200 BENCH_STEPS=5 BENCH_CONNECTIONS=8 by default)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._server import Gunicorn, free_port, setup_env  # noqa: E402

CHATS = int(os.environ.get("BENCH_CHATS", "200"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "13"))
TOKEN = "424242:bench-bot-token-abcdefghijklmnop"
SECRET = "bench-webhook-secret"
PROVIDER_TOKEN = "bench-provider-token"
COUNTRIES = ("US", "DE", "GB", "FR", "NL")  # the fake provider's
TYPES = ("residential", "mobile", "hosting")


def session(n: int) -> list:
    """Chat n's 5 updates: a filtered catalogue, its next page, one proxy there, confirm,
    balance. Chats spread over 15 filters x 8 positions, so most buy a proxy of their own
    and some find theirs sold."""
    combo, position = n % 15, (n // 15) % 8
    return [
        f"/catalog {COUNTRIES[combo % 5]} {TYPES[combo // 5]}",
        {"press": "▶"},
        {"press": "$2.00", "nth": position},
        {"press": "✅ Confirm purchase"},
        "/balance",
    ]


FIRST_CHAT = 10_000_001


def start(module: str, port: int, *args: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{module} did not start")


def seed(provider_url: str) -> None:
    """Customers with balances, linked to their Telegram ids; the catalogue synced."""
    import django

    django.setup()
    from proxyshop.services import proxies_sync, wallet_topup
    from secrets_app.models import User
    from shopbot.services import link_code_issue, telegram_link

    admin = User.objects.create_user(username="bench-admin", password="x" * 16, role="admin")
    for n in range(CHATS):
        user = User.objects.create_user(username=f"tg-bench-{n}")  # no password: no hashing
        wallet_topup(actor=admin, username=user.username, amount="10.00")
        telegram_link(code=link_code_issue(user=user)[0], telegram_id=FIRST_CHAT + n)
    run = proxies_sync(trigger="bench")
    print(f"seeded {CHATS} linked customers, {run.added} proxies in the catalogue", flush=True)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (independent of how busy the machine
    is, unlike the wall-clock figures)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in found.split()]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)]


def main() -> None:
    bot_port, provider_port = free_port(), free_port()
    env = setup_env("bench_telegram_bot", REDIS_DB)
    env.update(
        {
            "TELEGRAM_BOT_API_URL": f"http://127.0.0.1:{bot_port}",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_BOT_MODE": "webhook",
            "EXTERNAL_SOCKS_API_URL": f"http://127.0.0.1:{provider_port}/api/v1/authorized",
            "EXTERNAL_SOCKS_API_TOKEN": PROVIDER_TOKEN,
            "CACHE_KEY_PREFIX": "benchbot",
        }
    )
    os.environ.update(env)
    fakes = [
        start("fakes.botapi", bot_port, "--token", TOKEN, "--connections", str(CONNECTIONS)),
        start("fakes.provider", provider_port, "--token", PROVIDER_TOKEN, "--proxies",
              str(CHATS * 8)),
    ]  # fmt: skip
    try:
        seed(f"http://127.0.0.1:{provider_port}")
        with Gunicorn(env, workers=2, threads=4, app="bench._botapp:application") as server:
            bot = f"http://127.0.0.1:{bot_port}"
            httpx.post(
                f"{bot}/bot{TOKEN}/setWebhook",
                json={"url": f"{server.url}/telegram/webhook", "secret_token": SECRET},
            ).raise_for_status()
            app_pids = [server.proc.pid, *children(server.proc.pid)]
            app_cpu, fake_cpu = cpu_seconds(app_pids), cpu_seconds([fakes[0].pid])
            script = {str(FIRST_CHAT + n): session(n) for n in range(CHATS)}
            ids = httpx.post(f"{bot}/_fake/script", json={"chats": script}, timeout=60).json()
            total = len(ids["update_ids"])
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                rows = httpx.get(f"{bot}/_fake/stats", timeout=60).json()["updates"]
                if sum(1 for r in rows if r["handled"]) == total:
                    break
                time.sleep(1)
            else:
                raise SystemExit("not every update was handled in 15 minutes")
            cpu = (cpu_seconds(app_pids) - app_cpu, cpu_seconds([fakes[0].pid]) - fake_cpu)
            report(rows, total, cpu)
    finally:
        for process in fakes:
            process.terminate()
            process.wait(timeout=10)


def report(rows: list[dict], total: int, cpu: tuple[float, float]) -> None:
    import redis
    from django.db.models import Count

    from proxyshop.models import Order
    from shopbot.models import BotError, ProcessedUpdate

    started = min(r["released"] for r in rows)
    finished = max(r["handled"] for r in rows)
    latencies = [(r["reply"] - r["released"]) * 1000 for r in rows if r["reply"]]
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    queries = int(client.get("benchbot:queries") or 0)
    requests = int(client.get("benchbot:requests") or 0)
    outcomes = dict(
        ProcessedUpdate.objects.values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    print(f"updates: {total} from {CHATS} chats over {CONNECTIONS} webhook connections")
    print(f"handled: {outcomes}; failed deliveries: {sum(r['failed'] for r in rows)}; "
          f"redeliveries: {sum(r['deliveries'] for r in rows) - total}")  # fmt: skip
    print(f"throughput: {total / (finished - started):.1f} updates/s "
          f"({finished - started:.1f} s)")  # fmt: skip
    print(
        f"update delivered -> first answer sent: p50 {statistics.median(latencies):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms "
        f"({len(latencies)} answered)"
    )
    print(f"CPU per update: app (gunicorn) {cpu[0] / total * 1000:.1f} ms, fake Bot API "
          f"{cpu[1] / total * 1000:.1f} ms; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"database queries per update: {queries / max(requests, 1):.2f} "
          f"({queries} in {requests} webhook requests)")  # fmt: skip
    print(f"orders: {Order.objects.count()} bought by {CHATS} customers (the others found "
          f"their proxy sold); bot errors: {BotError.objects.count()}")  # fmt: skip


if __name__ == "__main__":
    main()
