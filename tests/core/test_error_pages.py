"""Error answers: the site's styled pages for people, JSON on API paths."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory

from core.api.views import bad_request, error, not_found, permission_denied

pytestmark = pytest.mark.django_db


def test_a_customer_on_the_fleet_page_gets_the_styled_403(client, user):
    client.force_login(user)
    page = client.get("/fleet/")
    body = page.content.decode()
    assert page.status_code == 403
    assert "<h1>Access denied</h1>" in body and 'href="/shop/">Proxy shop</a>' in body
    assert user.username in body  # the layout's header knows who is logged in


def test_unknown_pages_get_the_styled_404_and_api_paths_json(client):
    page = client.get("/nothing/here/")
    assert page.status_code == 404 and "<h1>Page not found</h1>" in page.content.decode()
    api = client.get("/api/v1/nothing/here")
    assert api.status_code == 404 and api.json() == {"detail": "Not found."}


def test_the_500_page_needs_no_request_context_and_api_paths_get_json():
    page = error(RequestFactory().get("/shop/"))
    body = page.content.decode()
    assert page.status_code == 500 and "Something went wrong on our side" in body
    assert 'href="/shop/">Proxy shop</a>' in body
    api = error(RequestFactory().get("/api/v1/secrets"))
    assert api.status_code == 500 and api["Content-Type"] == "application/json"


def test_403_and_400_on_api_paths_are_json():
    request = RequestFactory().get("/get-bg-tasks")
    denied = permission_denied(request, PermissionDenied())
    assert denied.status_code == 403 and denied["Content-Type"] == "application/json"
    assert bad_request(request).status_code == 400
    assert not_found(request)["Content-Type"] == "application/json"


def test_a_refused_form_gets_the_styled_csrf_page():
    browser = Client(enforce_csrf_checks=True)
    page = browser.post("/secrets/share/", {"token": "x"})
    body = page.content.decode()
    assert page.status_code == 403 and "This form could not be accepted" in body
    assert 'href="/shop/">Proxy shop</a>' in body


def test_the_contracts_docs_path_leads_to_the_offline_docs(client):
    docs = client.get("/docs")
    assert docs.status_code == 302 and docs["Location"] == "/api/docs/"
    assert client.get("/redoc")["Location"] == "/api/redoc/"
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert not re.search(r"<(?:script|link)\b[^>]*(?:src|href)=[\"'](?:https?:)?//", page)
