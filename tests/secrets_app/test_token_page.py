"""The "API tokens" page: create (TTL, uses, IP binding, policies within one's own), see the raw
token once, list without tokens, revoke one's own."""

import re

import pytest

from secrets_app.models import Token
from secrets_app.services.tokens import hash_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/secrets/tokens/"


def raw_token_in(html: str) -> str | None:
    match = re.search(r'id="raw-token" readonly value="([^"]+)"', html)
    return match.group(1) if match else None


def test_page_needs_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/auth/login/")


def test_create_token_shows_it_once_and_it_works(client, user):
    client.force_login(user)
    response = client.post(
        PAGE,
        {
            "display_name": "deploy",
            "ttl": "2h",
            "num_uses": "5",
            "bound_cidrs": "127.0.0.1, 10.0.0.0/8",
            "policies": ["default"],
        },
    )
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )
    html = response.content.decode()
    raw = raw_token_in(html)
    assert raw and raw.startswith("pvt.")
    token = Token.objects.get(token_hash=hash_token(raw))
    assert token.user == user and token.display_name == "deploy"
    assert token.policies == ["default"] and token.num_uses == 5
    assert token.bound_cidrs == ["127.0.0.1/32", "10.0.0.0/8"]
    assert 7100 < (token.expires_at - token.created_at).total_seconds() <= 7200
    # the token authenticates the API
    api = client.get("/api/v1/token/lookup-self", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.status_code == 200 and api.json()["accessor"] == token.accessor
    # listed afterwards by accessor, uses left and policies, never the token itself
    listing = client.get(PAGE).content.decode()
    assert token.accessor in listing and raw not in listing
    assert "/ 5" in listing and "deploy" in listing


def test_policies_limited_to_the_users_own(client, user):
    client.force_login(user)
    page = client.get(PAGE).content.decode()
    assert 'value="default"' in page and 'value="root"' not in page
    response = client.post(PAGE, {"policies": ["root"]})
    assert response.status_code == 422
    assert raw_token_in(response.content.decode()) is None
    assert not Token.objects.filter(user=user).exists()


def test_admin_may_grant_root(client, admin_user):
    client.force_login(admin_user)
    response = client.post(PAGE, {"policies": ["root"]})
    raw = raw_token_in(response.content.decode())
    assert Token.objects.get(token_hash=hash_token(raw)).policies == ["root"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("ttl", "forever"),
        ("ttl", "999999999"),
        ("bound_cidrs", "not-an-ip"),
        ("num_uses", "-1"),
    ],
)
def test_invalid_input_is_shown_not_crashed(client, user, field, value):
    client.force_login(user)
    response = client.post(PAGE, {field: value})
    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()
    assert not Token.objects.filter(user=user).exists()


def test_ip_bound_token_refused_elsewhere(client, user):
    client.force_login(user)
    raw = raw_token_in(client.post(PAGE, {"bound_cidrs": "192.0.2.0/24"}).content.decode())
    refused = client.get("/api/v1/token/lookup-self", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert refused.status_code == 401


def test_revoke_own_token(client, user):
    client.force_login(user)
    raw = raw_token_in(client.post(PAGE, {"display_name": "x"}).content.decode())
    token = Token.objects.get(token_hash=hash_token(raw))
    assert (
        client.get("/api/v1/token/lookup-self", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code
        == 200
    )
    response = client.post(f"{PAGE}{token.accessor}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert (
        client.get("/api/v1/token/lookup-self", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code
        == 401
    )
    assert f"Token {token.accessor} revoked." in client.get(PAGE).content.decode()  # message
    assert token.accessor not in client.get(PAGE).content.decode()  # gone from the list


def test_cannot_revoke_someone_elses_token(client, user, make_token):
    other = UserFactory(role="user")
    make_token(other)
    token = Token.objects.get(user=other)
    client.force_login(user)
    assert client.post(f"{PAGE}{token.accessor}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert token.accessor not in client.get(PAGE).content.decode()


def test_revoke_needs_post(client, user, make_token):
    make_token(user)
    token = Token.objects.get(user=user)
    client.force_login(user)
    assert client.get(f"{PAGE}{token.accessor}/revoke/").status_code == 405
