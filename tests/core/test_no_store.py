"""`Cache-Control: no-store` on every answer that may carry a secret, a credential or a token
(hole 8 of issue 11): one rule (core.middleware.NoStoreMiddleware), checked over every route
and method of the OpenAPI schema, plus the bare login route and signed-in pages."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from proxyshop.models import Order
from tests.factories import UserFactory
from tests.proxyshop.factories import ProductFactory

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_every_schema_route_answers_no_store(admin_user, make_token):
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    client = Client()
    raw = make_token(admin_user)
    missing = []
    for path, operations in schema["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        for method in operations:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            if concrete.endswith("/events") or concrete.endswith("/code"):
                continue  # long-lived answers (SSE, long poll); same middleware
            for token in (raw, None):  # the answer and the refusal alike
                headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
                response = client.generic(
                    method.upper(), concrete, "{}", content_type="application/json", **headers
                )
                if not no_store(response):
                    missing.append((method, concrete, response.status_code))
    assert len(schema["paths"]) > 60
    assert not missing, missing


def test_token_answers_and_secret_reads_are_no_store(user, admin_user, make_token, auth_client):
    login = Client().post(
        "/users/login",
        json.dumps({"username": user.username, "password": "correct-horse-battery"}),
        content_type="application/json",
    )
    assert login.status_code == 200 and login.json()["token"]
    assert login["Cache-Control"] == "no-store"
    created = Client().post(
        "/api/v1/token/create",
        {"grant_type": "password", "username": user.username, "password": "correct-horse-battery"},
    )
    assert created.status_code == 200 and no_store(created)
    admin = auth_client(admin_user)
    admin.post("/api/v1/secrets/create", {"path": "a/b", "value": "v"}, format="json")
    read = admin.get("/api/v1/secrets/a/b")
    assert read.json()["value"] == "v" and read["Cache-Control"] == "no-store"


def test_signed_in_pages_are_no_store_and_static_is_not(client):
    buyer = UserFactory()
    order = Order.objects.create(
        order_id="ORD-PAGE",
        user=buyer,
        product=ProductFactory(),
        proxy_id=1,
        credentials_id=1,
        credentials={"ip": "192.0.2.1", "port": 1080, "login": "l", "password": "p4ss"},
        price="2.00",
    )
    client.force_login(buyer)
    page = client.get(f"/shop/orders/{order.order_id}/")
    assert page.status_code == 200 and no_store(page)
    assert no_store(client.get("/admin/"))
    anonymous = Client().get("/")
    assert not no_store(anonymous)
