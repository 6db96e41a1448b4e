"""Use counting under real concurrency: the app behind a threaded WSGI server."""

from __future__ import annotations

import httpx
import pytest

from secrets_app.models import Token
from secrets_app.services.tokens import hash_token, token_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_concurrent_requests_on_ten_uses_give_exactly_ten(live_server, parallel):
    user = UserFactory()
    raw = token_issue(user=user, num_uses=10).access_token
    url = f"{live_server.url}/api/v1/sys/ping"

    def call(_):
        with httpx.Client(timeout=30) as client:
            response = client.get(url, headers={"Authorization": f"Bearer {raw}"})
            return 200 if response.status_code == 200 and response.json()["authenticated"] else 401

    codes = parallel(50, call)
    assert codes.count(200) == 10
    assert codes.count(401) == 40
    assert Token.objects.get(token_hash=hash_token(raw)).uses_remaining == 0


def test_one_time_token_under_concurrency(live_server, parallel):
    user = UserFactory()
    raw = token_issue(user=user, num_uses=1).access_token
    url = f"{live_server.url}/api/v1/sys/ping"

    def call(_):
        with httpx.Client(timeout=30) as client:
            response = client.get(url, headers={"Authorization": f"Bearer {raw}"})
            return 200 if response.status_code == 200 and response.json()["authenticated"] else 401

    codes = parallel(50, call)
    assert codes.count(200) == 1
    assert codes.count(401) == 49


def test_thirty_parallel_uses_across_parent_and_children_never_pass_the_parents_count(
    live_server, parallel
):
    """Children of a use-limited token would multiply its uses; none can be made, so the whole
    family never does more than the parent's count, however the calls interleave."""
    user = UserFactory()
    raw = token_issue(user=user, num_uses=10).access_token
    base = live_server.url

    def family_uses(i: int) -> int:
        done = 0
        with httpx.Client(timeout=30) as client:
            if i % 2:
                ping = client.get(f"{base}/api/v1/sys/ping", headers={"X-Vault-Token": raw})
                return int(ping.status_code == 200 and ping.json()["authenticated"])
            created = client.post(
                f"{base}/api/v1/token/create",
                json={"num_uses": 5},
                headers={"Authorization": f"Bearer {raw}"},
            )
            if created.status_code != 200:
                return 0
            done += 1
            child = created.json()["access_token"]
            for _ in range(5):
                ping = client.get(
                    f"{base}/api/v1/sys/ping", headers={"Authorization": f"Bearer {child}"}
                )
                done += int(ping.status_code == 200 and ping.json()["authenticated"])
        return done

    uses = parallel(30, family_uses)
    assert sum(uses) <= 10, uses
    assert Token.objects.filter(parent__token_hash=hash_token(raw)).count() == 0
    assert Token.objects.get(token_hash=hash_token(raw)).uses_remaining == 0
