"""The API docs work offline: Swagger UI and ReDoc from drf-spectacular-sidecar's static files,
no request leaving this machine (the context fixture fails the test on any)."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_swagger_ui_renders_the_operations_offline(page, context):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs/")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 50
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/sys/ping")).to_have_count(1)
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in requested)
    assert context.outside_requests == []


def test_redoc_renders_offline(page, context):
    answer = page.goto("/api/redoc/")
    # ReDoc lays out the whole schema before it shows anything: minutes on a loaded machine
    heading = page.get_by_role("heading", name=re.compile("^Platform API"))
    expect(heading).to_be_visible(timeout=240_000)
    expect(page.get_by_text("/api/v1/sys/ping").first).to_be_attached()
    # its bundle's vendor logo is refused by the page's policy before any request is made
    assert "img-src 'self' data:" in answer.headers["content-security-policy"]
    assert context.outside_requests == []
    expect(page.get_by_text("/api/v1/sys/ping").first).to_be_attached()
    assert context.outside_requests == []
