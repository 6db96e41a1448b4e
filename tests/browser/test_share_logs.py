"""The share flow served by gunicorn, as in production, with its access log on: the wrap token
never reaches a logged request line, with or without JavaScript; an old-form link (token in the
path, hence in the log) reveals nothing and erases its secret."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from django.db import connection
from playwright.sync_api import expect

from secrets_app.services.tokens import token_issue
from tests.factories import UserFactory

from .conftest import new_context

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def wait_until(predicate, timeout: float = 90.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout} s")


class Gunicorn:
    def __init__(self, url: str, access_log: Path) -> None:
        self.url = url
        self.access_log = access_log

    def log_text(self) -> str:
        return self.access_log.read_text() if self.access_log.exists() else ""


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Gunicorn]:
    """gunicorn serving the test database, on a socket this fixture bound (no port race)."""
    with django_db_blocker.unblock():
        test_db = connection.settings_dict["NAME"]
    database_url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{test_db}").geturl()
    logs = tmp_path_factory.mktemp("gunicorn")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
    }
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "config.wsgi:application",
            "--bind",
            f"fd://{listener.fileno()}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--access-logfile",
            str(logs / "access.log"),
            "--error-logfile",
            str(logs / "error.log"),
        ],
        cwd=ROOT,
        env=env,
        pass_fds=(listener.fileno(),),
    )
    server = Gunicorn(f"http://127.0.0.1:{port}", logs / "access.log")

    def answers() -> bool:
        assert process.poll() is None, (logs / "error.log").read_text()
        try:
            return httpx.get(f"{server.url}/secrets/share/", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(answers, what="gunicorn answering")
        yield server
    finally:
        process.terminate()
        process.wait(timeout=60)
        listener.close()


def share(server: Gunicorn, value: str) -> dict:
    raw = token_issue(user=UserFactory(role="admin")).access_token
    answer = httpx.post(
        f"{server.url}/api/v1/secrets/wrap",
        json={"value": value, "ttl": "10m"},
        headers={"Authorization": f"Bearer {raw}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def assert_logged_without(server: Gunicorn, token: str, *request_lines: str) -> None:
    for line in request_lines:
        wait_until(lambda line=line: line in server.log_text(), what=f"log line {line!r}")
    secret_part = token.split(".", 1)[1]
    assert secret_part not in server.log_text()


@pytest.mark.django_db(transaction=True)
def test_reveal_in_a_browser_keeps_the_token_out_of_the_access_log(browser, gunicorn):
    link = share(gunicorn, "logged-nowhere-1")
    # the link the API hands out carries the token after '#' only
    parts = urlsplit(link["url"])
    assert link["url"] == f"{gunicorn.url}/secrets/share/#{link['token']}"
    assert link["token"] not in parts.path + parts.query and parts.fragment == link["token"]
    context = new_context(browser, gunicorn.url)
    try:
        page = context.new_page()
        page.goto(link["url"])
        expect(page.get_by_text("It expires at")).to_be_visible()
        page.get_by_role("button", name="Reveal the secret").click()
        expect(page.locator("#secret-value")).to_have_text("logged-nowhere-1")
    finally:
        context.close()
    assert context.outside_requests == []
    assert_logged_without(
        gunicorn,
        link["token"],
        '"GET /secrets/share/ HTTP/1.1" 200',
        '"POST /secrets/share/check HTTP/1.1" 200',
        '"POST /secrets/share/ HTTP/1.1" 200',
    )


@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_pasted_link_reveals_it(browser, gunicorn):
    link = share(gunicorn, "pasted-by-hand-2")
    context = new_context(browser, gunicorn.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(link["url"])
        page.get_by_label("Paste the link you received").fill(link["url"])
        page.get_by_role("button", name="Reveal the secret").click()
        expect(page.locator("#secret-value")).to_have_text("pasted-by-hand-2")
    finally:
        context.close()
    assert_logged_without(gunicorn, link["token"], '"POST /secrets/share/ HTTP/1.1" 200')


@pytest.mark.django_db(transaction=True)
def test_an_old_form_link_reveals_nothing_and_erases_the_secret(browser, gunicorn):
    link = share(gunicorn, "old-form-3")
    old = f"{gunicorn.url}/secrets/share/{link['token']}"
    context = new_context(browser, gunicorn.url)
    try:
        page = context.new_page()
        response = page.goto(old)
        assert response.status == 404
        expect(page.get_by_text("Ask the sender for a new link")).to_be_visible()
        expect(page.get_by_text("old-form-3")).to_have_count(0)
    finally:
        context.close()
    # the token now sits in the access log, and is worth nothing there
    assert link["token"] in gunicorn.log_text()
    unwrap = httpx.post(
        f"{gunicorn.url}/api/v1/secrets/unwrap", json={"token": link["token"]}, timeout=30
    )
    assert unwrap.status_code == 404
