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
