"""Single-use sharing: a wrapped value is returned once; the page never consumes it on GET."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.models import AuditEvent
from secrets_app.models import WrappedSecret
from secrets_app.services import kv

pytestmark = pytest.mark.django_db


def test_wrap_ad_hoc_value_unwraps_once(user, auth_client, api_client):
    wrapped = auth_client(user).post(
        "/api/v1/secrets/wrap", {"value": {"pin": "4321-zz"}, "ttl": "10m"}, format="json"
    )
    assert wrapped.status_code == 201, wrapped.content
    token = wrapped.json()["token"]
    assert wrapped.json()["url"] == f"http://testserver/secrets/share/#{token}"
    first = api_client.post("/api/v1/secrets/unwrap", {"token": token}, format="json")
    assert first.status_code == 200 and first.json() == {"value": {"pin": "4321-zz"}}
    again = api_client.post("/api/v1/secrets/unwrap", {"token": token}, format="json")
    assert again.status_code == 404
    assert WrappedSecret.objects.get().value is None
    outcomes = list(
        AuditEvent.objects.filter(action="wrap.unwrap")
        .order_by("id")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["success", "denied"]


def test_wrap_a_secret_needs_read_and_expires(admin_user, user, auth_client, api_client):
    kv.secret_write(path="share/me", value="shared-value-1", user=admin_user, context=None)
    assert (
        auth_client(user).post("/api/v1/secrets/share/me/share", {}, format="json").status_code
        == 403
    )
    token = (
        auth_client(admin_user)
        .post("/api/v1/secrets/share/me/share", {"ttl": 60}, format="json")
        .json()["token"]
    )
    WrappedSecret.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert (
        api_client.post("/api/v1/secrets/unwrap", {"token": token}, format="json").status_code
        == 404
    )


def test_share_page_get_does_not_consume_post_reveals_once(admin_user, auth_client, client):
    kv.secret_write(path="share/page", value="page-secret-42", user=admin_user, context=None)
    token = (
        auth_client(admin_user)
        .post("/api/v1/secrets/share/page/share", {}, format="json")
        .json()["token"]
    )
    for _ in range(3):  # link previewers prefetch; the token is in the fragment, never sent
        page = client.get("/secrets/share/")
        assert page.status_code == 200 and b"page-secret-42" not in page.content
        assert b"Reveal" in page.content
    check = client.post("/secrets/share/check", {"token": token})
    assert check.status_code == 200 and check.json()["available"] is True
    revealed = client.post("/secrets/share/", {"token": token})
    assert revealed.status_code == 200 and b"page-secret-42" in revealed.content
    assert "no-store" in revealed["Cache-Control"]
    # with no-referrer, browsers send `Origin: null` on the form's POST and CSRF refuses it
    assert revealed["Referrer-Policy"] == "same-origin"
    again = client.post("/secrets/share/", {"token": token})
    assert again.status_code == 404 and b"page-secret-42" not in again.content
    assert client.post("/secrets/share/check", {"token": token}).json() == {"available": False}


def test_share_page_takes_a_pasted_link_or_token(admin_user, auth_client, client):
    wrap = auth_client(admin_user).post("/api/v1/secrets/wrap", {"value": "p1"}, format="json")
    assert client.post("/secrets/share/", {"token": f"  {wrap.json()['url']} "}).status_code == 200
    assert client.post("/secrets/share/", {"token": ""}).status_code == 422
    assert client.post("/secrets/share/", {"token": "x" * 100_000}).status_code == 404
    assert client.post("/secrets/share/check", {}).status_code == 404


def test_old_form_link_reveals_nothing_and_erases_the_wrap(admin_user, auth_client, client):
    token = (
        auth_client(admin_user)
        .post("/api/v1/secrets/wrap", {"value": "was-in-a-log"}, format="json")
        .json()["token"]
    )
    page = client.get(f"/secrets/share/{token}")
    assert page.status_code == 404 and b"was-in-a-log" not in page.content
    assert b"Ask the sender for a new link" in page.content
    assert client.post("/secrets/share/", {"token": token}).status_code == 404
    assert WrappedSecret.objects.get().value is None
    assert AuditEvent.objects.filter(action="wrap.discard").count() == 1


def test_concurrent_unwraps_give_one_value(user, parallel, transactional_db):
    from secrets_app.services.wrapping import wrap_create, wrap_unwrap

    raw, _ = wrap_create(value="race-value", ttl=60, user=user, context=None)

    def attempt(_):
        try:
            return wrap_unwrap(raw_token=raw)
        except Exception as exc:
            return type(exc).__name__
        finally:
            connection.close()

    results = parallel(8, attempt)
    assert results.count("race-value") == 1 and results.count("NotFound") == 7


def test_share_page_works_for_a_person_with_csrf_enforced(admin_user, auth_client):
    from django.test import Client

    token = (
        auth_client(admin_user)
        .post("/api/v1/secrets/wrap", {"value": "csrf-checked-v"}, format="json")
        .json()["token"]
    )
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/secrets/share/")
    csrf = browser.cookies["csrftoken"].value
    # no CSRF token: refused
    assert browser.post("/secrets/share/", {"token": token}).status_code == 403
    revealed = browser.post("/secrets/share/", {"token": token, "csrfmiddlewaretoken": csrf})
    assert page.status_code == 200 and b"csrf-checked-v" in revealed.content
