"""Throughput of a trivial endpoint with and without token authentication, same server.

Serves the app with gunicorn (2 workers x 4 threads) on PostgreSQL + Redis, sends the same load
to /api/v1/sys/ping with and without `Authorization: Bearer`, and prints both rates, their
ratio, and the database queries one authenticated request costs once the token is cached.

    .venv/bin/python bench/token_auth.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import Gunicorn, load, setup_env  # noqa: E402


def main() -> None:
    env = setup_env("bench_tokens", 13)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from secrets_app.models import User
    from secrets_app.services.tokens import token_issue

    user = User.objects.create_user(username="bench", password="x" * 16)
    raw = token_issue(user=user, ttl=3600).access_token
    headers = {"Authorization": f"Bearer {raw}"}

    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_HOST="127.0.0.1")
    client.get("/api/v1/sys/ping")  # caches the token state
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/sys/ping").json()
    assert body["authenticated"], body

    server = Gunicorn(env)
    try:
        url = server.url + "/api/v1/sys/ping"
        load(url, requests=400)  # warm up both workers
        load(url, headers=headers, requests=400)
        anon = load(url, requests=4000)
        authed = load(url, headers=headers, requests=4000)
    finally:
        server.stop()
    print(
        f"unauthenticated: {anon['rps']:.0f} req/s (p50 {anon['p50_ms']:.1f} ms, "
        f"p99 {anon['p99_ms']:.1f} ms, errors {anon['errors']})"
    )
    print(
        f"token auth:      {authed['rps']:.0f} req/s (p50 {authed['p50_ms']:.1f} ms, "
        f"p99 {authed['p99_ms']:.1f} ms, errors {authed['errors']})"
    )
    print(f"ratio authenticated/unauthenticated: {authed['rps'] / anon['rps']:.2f}")
    print(f"database queries per authenticated request (token cached): {len(queries)}")


if __name__ == "__main__":
    main()
