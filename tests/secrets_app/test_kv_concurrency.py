"""50 concurrent check-and-set writers on one path, over real HTTP on the live server: each
version number is won by exactly one writer; no version lost or duplicated."""

import random
import re
import threading
import time

import httpx
import pytest

from core.models import AuditEvent
from secrets_app.models import Secret, SecretVersion
from secrets_app.services import kv
from secrets_app.services.tokens import token_issue

WRITERS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_cas_writers_each_win_one_version(live_server, admin_user):
    kv.secret_metadata_update(
        path="race/counter", max_versions=WRITERS + 5, user=admin_user, context=None
    )
    kv.secret_write(path="race/counter", value="start", user=admin_user, context=None)
    raw = token_issue(user=admin_user).access_token
    url = f"{live_server.url}/api/v1/secrets/race/counter"
    won: dict[int, int] = {}
    conflicts = []
    lock = threading.Lock()
    barrier = threading.Barrier(WRITERS)

    def writer(n: int) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {raw}"}, timeout=30) as client:
            barrier.wait()
            current = client.get(url).json()["version"]
            for _attempt in range(400):
                response = client.put(url, json={"value": f"writer-{n}", "cas": current})
                if response.status_code == 200:
                    with lock:
                        assert response.json()["version"] not in won
                        won[response.json()["version"]] = n
                    return
                assert response.status_code == 409, response.text
                # the refusal names the current version: retry against it
                current = int(re.search(r"current version \((\d+)\)", response.text).group(1))
                with lock:
                    conflicts.append(n)
                # exponential backoff with jitter: losers spread out instead of retrying together
                time.sleep(random.uniform(0, min(1.0, 0.01 * 2**_attempt)))
            raise AssertionError(f"writer {n} never won")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(won) == list(range(2, WRITERS + 2))
    assert sorted(won.values()) == list(range(WRITERS))
    secret = Secret.objects.get(path="race/counter")
    assert secret.current_version == WRITERS + 1
    stored = dict(SecretVersion.objects.filter(secret=secret).values_list("version", "value"))
    assert sorted(stored) == list(range(1, WRITERS + 2))
    assert all(stored[v] == f"writer-{n}" for v, n in won.items())
    assert conflicts, "the writers should have raced"
    refused = AuditEvent.objects.filter(action="secret.write", outcome="error").count()
    assert refused == len(conflicts)
