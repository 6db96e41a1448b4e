"""Permission before input, on every API route of the URL conf (hole 5 of issue 11).

Walks every API route and method as an anonymous caller and as a plain user (a `user` with a
full token, no policies beyond `default`) and checks that
- an anonymous caller is refused (401, Vault's 403 under /v1/) whatever the body says, on every
  route that is not public;
- a route guarded by an admin power (core.authority) refuses a plain user with 403 before any
  input is read: a body that would be invalid gets the same 403 as a plausible one;
- what a plain user gets never depends on whether the object named in the path exists
  (someone else's object and a missing one answer alike);
- nothing answers 500.
"""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from core.paths import is_api_path
from proxyshop.models import Order
from secrets_app.models import Policy
from secrets_app.services.tokens import token_issue
from tests.accounts.factories import AccountFactory, ProxyFactory
from tests.factories import UserFactory
from tests.proxyshop.factories import ProductFactory
from tests.viewstats.factories import ViewTaskFactory

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
# Routes anyone may call: logins, sign-up, token exchange and revocation, health, the schema,
# Vault's unauthenticated sys routes, unwrapping (the wrap token is the credential).
PUBLIC = {
    "/api/schema/",
    "/api/docs/",
    "/api/redoc/",
    "/api/v1/health",
    "/api/v1/health/live",
    "/api/v1/sys/ping",
    "/api/v1/token/create",
    "/api/v1/token/renew",
    "/api/v1/token/revoke",
    "/api/v1/secrets/unwrap",
    "/api/viewstats/users",
    "/api/viewstats/users/login",
    "/users",
    "/users/login",
    "/v1/sys/health",
    "/v1/sys/seal-status",
    "/v1/sys/wrapping/unwrap",
}
GARBAGE = {"x": "y" * 10, "key": "no-such-setting", "username": "", "amount": "-1"}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _concrete(route: str, values: dict[str, str]) -> str:
    """A path for `route` with its parameters filled from `values` (by name, then by type)."""
    if route.startswith("v1/^"):  # the Vault API's catch-all regexes
        tail = {"secret/metadata/?$": "secret/metadata/", "secret/.*$": "secret/nope"}
        return "/v1/" + tail.get(route.removeprefix("v1/^"), "nope/here")

    def fill(match: re.Match) -> str:
        kind, name = match.group(1) or "str", match.group(2)
        if name in values:
            return values[name]
        return {"int": "987654", "uuid": str(uuid.UUID(int=7)), "path": "nope/x"}.get(kind, "nope")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def api_routes() -> list[tuple[str, type, list[str]]]:
    out = []
    for route, callback in _walk(get_resolver().url_patterns):
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        path = "/" + route
        if view is None or not is_api_path(path.split("<")[0]):
            continue
        methods = [m for m in METHODS if hasattr(view, m)]
        out.append((route, view, methods))
    return out


ROUTES = api_routes()


def _echoless(content: bytes, values: dict[str, str]) -> bytes:
    """The answer without the caller's own words echoed back (a refusal may name the path)."""
    for value in sorted(values.values(), key=len, reverse=True):
        content = content.replace(value.encode(), b"<param>")
    return content


def call(client: Client, method: str, path: str, body: dict | None, token: str = ""):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if method == "get":
        return client.get(path, **headers)
    return client.generic(
        method.upper(), path, json.dumps(body or {}), content_type="application/json", **headers
    )


def test_the_walk_covers_the_api():
    routes = {route for route, _, _ in ROUTES}
    assert len(ROUTES) > 80
    for expected in ("api/v1/sys/setting", "api/external-proxy/refund", "users", "v1/^.*$"):
        assert expected in routes


def test_anonymous_callers_are_refused_before_any_input():
    client = Client()
    wrong = []
    for route, _, methods in ROUTES:
        path = _concrete(route, {})
        if path in PUBLIC or route == "api/v1/secrets/unwrap":
            continue
        for method in methods:
            response = call(client, method, path, GARBAGE)
            expected = 403 if path.startswith("/v1/") else 401
            if response.status_code != expected:
                wrong.append((method, path, response.status_code))
    assert not wrong, wrong


@pytest.fixture
def others_objects(db, admin_user) -> dict[str, str]:
    """Objects of other people (or of the fleet) the plain user must learn nothing about."""
    from secrets_app.services.kv import secret_write

    stranger = UserFactory()
    order = Order.objects.create(
        order_id="ORD-SOMEONEELSE",
        user=stranger,
        product=ProductFactory(),
        proxy_id=1,
        credentials_id=1,
        price=Decimal("2.00"),
    )
    Policy.objects.create(name="team", rules=[{"path": "team/*", "capabilities": ["read"]}])
    secret_write(path="team/db", value="s3cret", user=admin_user, context=None)
    return {
        "account_id": str(AccountFactory().pk),
        "proxy_id": str(ProxyFactory().pk),
        "task_id": str(ViewTaskFactory(user=stranger).pk),
        "order_id": order.order_id,
        "secret_id": "team/db",
        "path": "team/db",
        "username": stranger.username,
        "setting_key": "secrets.default_max_versions",
        "name": "team",
    }


def test_a_plain_user_learns_nothing_and_meets_the_power_before_the_input(others_objects):
    user = UserFactory(role="user")
    token = token_issue(user=user, ttl=3600).access_token
    client = Client()
    wrong = []
    for route, view, methods in ROUTES:
        existing = _concrete(route, others_objects)
        missing = _concrete(route, {})
        # Guarded by an admin power (core.api.permissions.Requires, or a role class before).
        powered = any(
            getattr(p, "read_power", "") or p.__name__.endswith("Role")
            for p in view.permission_classes
        )
        for method in methods:
            if (method, missing) == ("post", "/api/v1/token/create"):
                continue  # creates a child token of the caller's: its own test file
            theirs = call(client, method, existing, GARBAGE, token)
            absent = call(client, method, missing, GARBAGE, token)
            if theirs.status_code >= 500 or absent.status_code >= 500:
                wrong.append(("5xx", method, existing, theirs.status_code, absent.status_code))
            if existing != missing and (
                theirs.status_code != absent.status_code
                or _echoless(theirs.content, others_objects)
                != _echoless(absent.content, {"path": "nope/x", "id": "987654", "s": "nope"})
            ):
                wrong.append(("oracle", method, existing, theirs.status_code, absent.status_code))
            if powered:
                plausible = call(client, method, missing, {}, token)
                if {theirs.status_code, absent.status_code, plausible.status_code} != {403}:
                    wrong.append(("power", method, existing, theirs.status_code))
    assert not wrong, wrong
