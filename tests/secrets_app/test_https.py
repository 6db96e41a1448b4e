"""HTTPS enforcement and the API network allow-list (security configuration)."""

import pytest

from core.registry import setting_set

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/token/lookup-self"


@pytest.fixture
def require_https():
    setting_set(key="security.require_https", value=True)


def test_plain_http_api_call_refused_with_explanation(client, require_https, user, make_token):
    raw = make_token(user)
    response = client.get(LOOKUP, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403
    assert "HTTPS is required" in response.json()["detail"]


def test_vault_api_refusal_uses_vault_error_shape(client, require_https):
    response = client.get("/v1/auth/token/lookup-self")
    assert response.status_code == 403
    assert "HTTPS is required" in response.json()["errors"][0]


def test_bare_viewstats_paths_count_as_api(client, require_https):
    for path in ("/users", "/users/login", "/get-views/1", "/get-bg-tasks"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "HTTPS" in response.json()["detail"]


def test_https_api_call_passes(client, require_https, user, make_token):
    raw = make_token(user)
    response = client.get(LOOKUP, HTTP_AUTHORIZATION=f"Bearer {raw}", secure=True)
    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_page_redirects_to_https(client, require_https):
    response = client.get("/auth/login/?next=/secrets/tokens/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/auth/login/?next=/secrets/tokens/"
    post = client.post("/auth/login/", {"login": "x", "password": "y"})
    assert post.status_code == 308  # keeps the method


def test_nothing_enforced_when_not_required(client, user, make_token):
    raw = make_token(user)
    assert client.get(LOOKUP, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert client.get("/auth/login/").status_code == 200


def test_forwarded_proto_believed_from_trusted_proxy(client, require_https, user, make_token):
    setting_set(key="security.trusted_proxies", value=["10.0.0.0/8"])
    raw = make_token(user)
    response = client.get(
        LOOKUP,
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        HTTP_X_FORWARDED_PROTO="https",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 200
    page = client.get("/auth/login/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.1.2.3")
    assert page.status_code == 200
    # the proxy reporting plain http is believed too
    plain = client.get(LOOKUP, HTTP_X_FORWARDED_PROTO="http", REMOTE_ADDR="10.1.2.3")
    assert plain.status_code == 403


def test_forwarded_proto_ignored_from_untrusted_peer(client, require_https, user, make_token):
    setting_set(key="security.trusted_proxies", value=["10.0.0.0/8"])
    raw = make_token(user)
    response = client.get(
        LOOKUP,
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        HTTP_X_FORWARDED_PROTO="https",
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 403
    page = client.get("/auth/login/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="192.0.2.7")
    assert page.status_code == 301
    assert page["Location"].startswith("https://")


def test_forwarded_proto_ignored_without_any_trusted_proxy(client, require_https):
    response = client.get(LOOKUP, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 403


def test_allowed_cidrs_limit_api_not_pages(client, user, make_token):
    setting_set(key="security.allowed_cidrs", value=["192.0.2.0/24"])
    raw = make_token(user)
    outside = client.get(LOOKUP, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="198.51.100.1")
    assert outside.status_code == 403
    assert "not allowed" in outside.json()["detail"]
    vault = client.get("/v1/auth/token/lookup-self", REMOTE_ADDR="198.51.100.1")
    assert vault.status_code == 403 and vault.json()["errors"]
    inside = client.get(LOOKUP, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="192.0.2.10")
    assert inside.status_code == 200
    assert client.get("/auth/login/", REMOTE_ADDR="198.51.100.1").status_code == 200


def test_allowed_cidrs_use_forwarded_client_address_behind_trusted_proxy(client, user, make_token):
    setting_set(key="security.trusted_proxies", value=["10.0.0.1"])
    setting_set(key="security.allowed_cidrs", value=["192.0.2.0/24"])
    raw = make_token(user)
    ok = client.get(
        LOOKUP,
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.44",
    )
    assert ok.status_code == 200
    spoofed = client.get(
        LOOKUP,
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        REMOTE_ADDR="198.51.100.9",
        HTTP_X_FORWARDED_FOR="192.0.2.44",
    )
    assert spoofed.status_code == 403


def test_policy_read_costs_no_query_once_cached(client, require_https, django_assert_num_queries):
    client.get("/auth/login/")  # warms the settings cache
    with django_assert_num_queries(0):
        response = client.get("/auth/login/")
    assert response.status_code == 301
