"""50 parallel allocations for 50 accounts over 20 single-use proxies, on a real server."""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest

from accounts.models import Account
from tests.accounts.factories import AccountFactory, ProxyFactory


@pytest.mark.django_db(transaction=True)
def test_parallel_allocations_never_share_a_proxy(live_server, make_token, operator_user, parallel):
    proxies = ProxyFactory.create_batch(20)
    accounts = AccountFactory.create_batch(50)
    token = make_token(operator_user)
    headers = {"Authorization": f"Bearer {token}"}

    def allocate(i: int):
        # The test server's listen backlog is small: a connection it resets never reached the
        # app, and a repeated allocation for the same account is idempotent anyway.
        for attempt in range(10):
            try:
                response = httpx.post(
                    f"{live_server.url}/api/v1/proxies/allocate",
                    json={"account_id": accounts[i].pk, "platform": "vk"},
                    headers=headers,
                    timeout=60,
                )
                return response.status_code, response.json()
            except httpx.TransportError:
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("the live server kept refusing connections")

    results = parallel(50, allocate)
    codes = Counter(code for code, _ in results)
    assert codes == {200: 20, 429: 30}, results
    given = [body["id"] for code, body in results if code == 200]
    assert len(set(given)) == 20 and set(given) == {p.pk for p in proxies}
    assert all(body == {"detail": "no free proxy"} for code, body in results if code == 429)
    bound = Counter(Account.objects.exclude(proxy=None).values_list("proxy_id", flat=True))
    assert len(bound) == 20 and max(bound.values()) == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_status_changes_serialize(live_server, make_token, operator_user, parallel):
    from accounts.models import AccountStatusChange

    account = AccountFactory(status="active")
    headers = {"Authorization": f"Bearer {make_token(operator_user)}"}

    def change(i: int):
        for attempt in range(10):
            try:
                response = httpx.post(
                    f"{live_server.url}/api/v1/accounts/{account.pk}/status",
                    json={"status": "warming", "reason": f"r{i}"},
                    headers=headers,
                    timeout=60,
                )
                return response.json()["previous_status"]
            except httpx.TransportError:
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("the live server kept refusing connections")

    previous = Counter(parallel(10, change))
    # the row lock makes exactly one request see "active"; the others see the change it made
    assert previous == {"active": 1, "warming": 9}
    assert AccountStatusChange.objects.filter(account=account).count() == 1
