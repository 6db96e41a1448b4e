"""A child token is bounded by its parent in everything (holes 2, 3 and 4 of issue 11): expiry
and maximum, renewability, networks, uses; the parent's end is the family's end. Both the
platform API (/api/v1/token/create) and the Vault API (/v1/auth/token/create, renew-self)."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from secrets_app.models import Token
from secrets_app.services.tokens import hash_token

pytestmark = pytest.mark.django_db


def vault(method: str, path: str, token: str, body: dict | None = None, **extra):
    return Client().generic(
        method,
        path,
        json.dumps(body or {}),
        content_type="application/json",
        HTTP_X_VAULT_TOKEN=token,
        **extra,
    )


def platform_child(parent_raw: str, body: dict, **extra):
    client = APIClient()
    return client.post(
        "/api/v1/token/create",
        body,
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {parent_raw}",
        **extra,
    )


def row(raw: str) -> Token:
    return Token.objects.get(token_hash=hash_token(raw))


def lookup_status(raw: str, **extra) -> int:
    return vault("GET", "/v1/auth/token/lookup-self", raw, **extra).status_code


def wait_until_refused(raw: str, deadline_s: float = 30) -> None:
    deadline = time.monotonic() + deadline_s
    while lookup_status(raw) == 200:
        assert time.monotonic() < deadline, "the token never expired"
        time.sleep(0.1)


# --- expiry ------------------------------------------------------------------------------


def test_a_child_renewal_never_passes_the_parents_expiry(user, make_token):
    parent = make_token(user, ttl="5s")
    child = vault("POST", "/v1/auth/token/create", parent, {"ttl": "5s"}).json()["auth"]
    renewed = vault("POST", "/v1/auth/token/renew-self", child["client_token"], {"increment": "1h"})
    assert renewed.status_code == 200, renewed.content
    assert renewed.json()["auth"]["lease_duration"] <= 5
    assert "capped" in renewed.json()["warnings"][0]
    assert row(child["client_token"]).expires_at <= row(parent).expires_at
    far = vault("POST", "/v1/auth/token/renew-self", child["client_token"], {"increment": "240h"})
    assert far.json()["auth"]["lease_duration"] <= 5


def test_the_parents_expiry_ends_the_family(user, make_token):
    parent = make_token(user, ttl="2s")
    child = platform_child(parent, {"ttl": 3600}).json()["access_token"]
    vault("POST", "/v1/auth/token/renew-self", child, {"increment": "1h"})
    assert lookup_status(child) == 200  # its state is now cached
    wait_until_refused(parent)
    assert lookup_status(child) == 403
    grandchild = vault("POST", "/v1/auth/token/create", child, {"ttl": "2h"})
    assert grandchild.status_code == 403


def test_a_parent_that_shortens_its_life_shortens_its_children_cached_or_not(user, make_token):
    parent = make_token(user, ttl="1h")
    child = platform_child(parent, {"ttl": 3600}).json()["access_token"]
    assert lookup_status(child) == 200  # cached for TOKEN_CACHE_SECONDS
    shortened = vault("POST", "/v1/auth/token/renew-self", parent, {"increment": "2s"})
    assert shortened.json()["auth"]["lease_duration"] <= 2
    assert row(child).expires_at <= row(parent).expires_at
    wait_until_refused(parent)
    assert lookup_status(child) == 403


def test_a_childs_maximum_never_passes_the_parents(user, make_token):
    parent = make_token(user, ttl="1h", explicit_max_ttl="2h", renewable=False)
    body = vault(
        "POST", "/v1/auth/token/create", parent, {"ttl": "1h", "explicit_max_ttl": "720h"}
    ).json()
    child = row(body["auth"]["client_token"])
    # A parent that cannot renew ends at its expiry: so does the child, at the latest.
    assert child.max_expires_at <= row(parent).expires_at


# --- renewability --------------------------------------------------------------------------


def test_a_child_of_a_non_renewable_parent_is_not_renewable(user, make_token):
    parent = make_token(user, ttl="1h", renewable=False)
    auth = vault("POST", "/v1/auth/token/create", parent, {"renewable": True}).json()["auth"]
    assert auth["renewable"] is False
    refused = vault("POST", "/v1/auth/token/renew-self", auth["client_token"], {"increment": "1h"})
    assert refused.status_code == 400
    created = platform_child(parent, {"renewable": True}).json()
    assert row(created["access_token"]).renewable is False


# --- networks ------------------------------------------------------------------------------


def test_a_cidr_bound_token_cannot_mint_an_unbound_child(user, make_token):
    parent = make_token(user, bound_cidrs=["127.0.0.1/32"])
    wide = platform_child(parent, {"bound_cidrs": ["0.0.0.0/0"]})
    assert wide.status_code == 403, wide.content
    assert "bound_cidrs" in wide.json()["detail"]
    vault_wide = vault("POST", "/v1/auth/token/create", parent, {"bound_cidrs": ["0.0.0.0/0"]})
    assert vault_wide.status_code == 400
    assert not Token.objects.filter(parent=row(parent)).exists()
    # Within the parent's networks is fine; nothing named inherits the parent's.
    same = platform_child(parent, {"bound_cidrs": ["127.0.0.1"]}).json()["access_token"]
    inherited = platform_child(parent, {}).json()["access_token"]
    for raw in (same, inherited):
        assert row(raw).bound_cidrs == ["127.0.0.1/32"]
        assert lookup_status(raw, REMOTE_ADDR="127.0.0.2") == 403


def test_a_child_network_must_be_a_subnet_of_a_parent_network(user, make_token):
    parent = make_token(user, bound_cidrs=["10.0.0.0/8", "192.0.2.0/24"])
    kwargs = {"REMOTE_ADDR": "10.1.2.3"}
    assert platform_child(parent, {"bound_cidrs": ["10.1.0.0/16"]}, **kwargs).status_code == 200
    assert platform_child(parent, {"bound_cidrs": ["192.0.2.7"]}, **kwargs).status_code == 200
    assert platform_child(parent, {"bound_cidrs": ["11.0.0.0/8"]}, **kwargs).status_code == 403
    assert platform_child(parent, {"bound_cidrs": ["0.0.0.0/0"]}, **kwargs).status_code == 403
    assert platform_child(parent, {"bound_cidrs": ["::/0"]}, **kwargs).status_code == 403


# --- uses ----------------------------------------------------------------------------------


def test_a_use_limited_token_cannot_create_children(user, make_token):
    """Vault's rule: children of a use-limited token would multiply its uses."""
    parent = make_token(user, num_uses=3)
    refused = platform_child(parent, {"num_uses": 2})
    assert refused.status_code == 403
    assert "limited number of uses" in refused.json()["detail"]
    vault_refused = vault("POST", "/v1/auth/token/create", parent, {"num_uses": 1})
    assert vault_refused.json() == {"errors": ["restricted use token cannot generate child tokens"]}
    assert not Token.objects.filter(parent=row(parent)).exists()
    # Each attempt spent one of the parent's uses; one is left, then none.
    assert row(parent).uses_remaining == 1


def test_an_unlimited_parent_may_create_a_use_limited_child(user, make_token):
    parent = make_token(user)
    child = vault("POST", "/v1/auth/token/create", parent, {"num_uses": 2}).json()["auth"]
    assert child["num_uses"] == 2
