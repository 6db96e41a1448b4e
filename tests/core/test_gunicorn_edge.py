"""The edge as a real server shows it (config/gunicorn.py), where the test client cannot:

- gunicorn itself believes no forwarded header, so `security.trusted_proxies` is the only
  authority on whether a plain connection was HTTPS at a proxy (gunicorn's own default trusts
  X-Forwarded-Proto / X-Forwarded-Ssl from 127.0.0.1 and rewrites the scheme before Django runs);
- gunicorn's request-line limit is above the app's, so an over-long URL is the app's JSON 414.
"""

from __future__ import annotations

import httpx
import pytest

from core.https import HTTPS_REQUIRED
from core.registry import setting_set
from tests.gunicorn_server import gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

SPOOFS = [
    {"X-Forwarded-Proto": "https"},
    {"X-Forwarded-Ssl": "on"},
    {"X-Forwarded-Protocol": "ssl"},
]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    # SETTINGS_LOCAL_TTL=0: the server reads each change of the registry at once.
    with gunicorn(tmp_path_factory.mktemp("gunicorn"), SETTINGS_LOCAL_TTL="0") as base:
        yield base


def test_forwarded_scheme_from_an_untrusted_peer_is_not_believed(server):
    setting_set(key="security.require_https", value=True)
    for trusted in ([], ["127.0.0.2/32"]):
        setting_set(key="security.trusted_proxies", value=trusted)
        for headers in SPOOFS:
            answer = httpx.get(server + "/api/v1/sys/ping", headers=headers, timeout=10)
            assert answer.status_code == 403, (trusted, headers, answer.text)
            assert answer.json() == {"detail": HTTPS_REQUIRED}
            vault = httpx.get(server + "/v1/auth/token/lookup-self", headers=headers, timeout=10)
            assert vault.status_code == 403
            assert vault.json() == {"errors": [HTTPS_REQUIRED]}
    # The platform's own setting is the authority: trusting this peer makes its header count.
    setting_set(key="security.trusted_proxies", value=["127.0.0.1/32"])
    answer = httpx.get(
        server + "/api/v1/sys/ping", headers={"X-Forwarded-Proto": "https"}, timeout=10
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("path", "shape"), [("/api/v1/accounts", "detail"), ("/v1/secret/data/a", "errors")]
)
def test_an_over_long_url_is_the_apps_414_in_the_routes_shape(server, path, shape):
    answer = httpx.get(server + path + "?q=" + "a" * 8100, timeout=10)
    assert answer.status_code == 414, answer.text[:200]
    assert shape in answer.json()


@pytest.mark.parametrize(("path", "shape"), [("/users", "detail"), ("/v1/secret/data/a", "errors")])
def test_a_body_over_the_limit_is_413_in_the_routes_shape(server, path, shape):
    # 3 MiB, over the 2 MiB default: refused by its Content-Length, in JSON, whatever the route.
    body = b'{"value": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    answer = httpx.post(
        server + path, content=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert answer.status_code == 413, answer.text[:200]
    assert shape in answer.json()
