"""The API path list is named once and agrees everywhere it is used."""

from __future__ import annotations

import re

import pytest

from core.paths import SECURE_REDIRECT_EXEMPT, is_api_path

API = [
    "/api/v1/health",
    "/v1/secret/data/x",
    "/users",
    "/users/login",
    "/get-views/vk",
    "/get-bg-tasks",
    "/telegram/webhook",
]
PAGES = [
    "/shop/",
    "/shop/telegram/",
    "/admin/",
    "/stats/",
    "/usersettings",
    "/get-viewsx",
    "/secrets/tokens/",
]


@pytest.mark.parametrize("path", API)
def test_api_paths_are_api_everywhere(path):
    assert is_api_path(path)
    assert any(re.search(pattern, path.lstrip("/")) for pattern in SECURE_REDIRECT_EXEMPT)


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_not(path):
    assert not is_api_path(path)
    assert not any(re.search(pattern, path.lstrip("/")) for pattern in SECURE_REDIRECT_EXEMPT)


@pytest.mark.django_db
def test_unknown_api_paths_answer_json_and_pages_html(client):
    assert client.get("/api/v1/nope").json() == {"detail": "Not found."}
    assert client.get("/users/nope/x").json() == {"detail": "Not found."}
    assert "json" not in client.get("/shop-nope/")["Content-Type"]
