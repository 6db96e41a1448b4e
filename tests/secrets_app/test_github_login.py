"""Log in with GitHub, end to end against a fake GitHub Enterprise on 127.0.0.1."""

import copy
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from allauth.socialaccount.models import SocialAccount

import secrets_app.allauth_adapter  # noqa: F401  (re-points allauth when the setting changes)
from fakes.github import FakeGitHub
from secrets_app.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def github(settings):
    app = settings.SOCIALACCOUNT_PROVIDERS["github"]["APPS"][0]
    fake = FakeGitHub(client_id=app["client_id"], client_secret=app["secret"])
    fake.add_user("octocat", id=583231, name="The Octocat", email="octocat@example.com")
    fake.server.start()
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["github"]["GITHUB_URL"] = fake.url
    settings.SOCIALACCOUNT_PROVIDERS = providers
    yield fake
    fake.server.stop()


def github_login(client, fake: FakeGitHub, next_url: str | None = None):
    """Click "Log in with GitHub", let (fake) GitHub approve, come back to the callback."""
    form = {"process": "login", **({"next": next_url} if next_url else {})}
    start = client.post("/auth/github/login/", form)
    assert start.status_code == 302
    location = start["Location"]
    assert location.startswith(f"{fake.url}/login/oauth/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == [fake.client_id]
    assert query["redirect_uri"] == ["http://testserver/auth/github/login/callback/"]
    approved = httpx.get(location, follow_redirects=False)
    assert approved.status_code == 302
    back = urlsplit(approved.headers["location"])
    assert back.path == "/auth/github/login/callback/"
    return client.get(f"{back.path}?{back.query}")


def test_login_page_offers_github(client):
    response = client.get("/auth/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Log in with GitHub" in html
    assert 'action="/auth/github/login/?process=login"' in html
    assert 'name="login"' in html and 'name="password"' in html


def test_github_confirmation_page_on_get(client):
    response = client.get("/auth/github/login/?process=login")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Log in with GitHub" in html and "Continue" in html


def test_demo_fake_approves_as_octocat():
    from fakes.github import build_demo_server

    server = build_demo_server(0).start()
    try:
        approved = httpx.get(
            f"{server.url}/login/oauth/authorize",
            params={"client_id": "demo-client-id", "redirect_uri": "http://x/cb", "state": "s"},
            follow_redirects=False,
        )
        assert approved.status_code == 302
        assert parse_qs(urlsplit(approved.headers["location"]).query)["state"] == ["s"]
    finally:
        server.stop()


def test_first_github_login_creates_user_with_default_role(client, github):
    response = github_login(client, github)
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="octocat")
    assert user.role == "user" and not user.is_staff and not user.is_superuser
    assert user.email == "octocat@example.com"
    account = SocialAccount.objects.get(user=user)
    assert account.provider == "github" and account.uid == "583231"
    # the session is logged in as that user
    page = client.get("/secrets/tokens/")
    assert page.status_code == 200 and "octocat" in page.content.decode()
    # the fake saw the real flow, including the code exchange with the app's secret
    exchange = [r for r in github.server.requests if r.path == "/login/oauth/access_token"]
    assert len(exchange) == 1
    assert parse_qs(exchange[0].body.decode())["client_secret"] == [github.client_secret]
    profile = [r for r in github.server.requests if r.path == "/api/v3/user"]
    assert profile[0].headers["authorization"].startswith("token gho_")


def test_second_github_login_reuses_the_user(client, github):
    github_login(client, github)
    client.post("/auth/logout/")
    assert client.get("/secrets/tokens/").status_code == 302  # logged out
    response = github_login(client, github, next_url="/secrets/tokens/")
    assert response.status_code == 302 and response["Location"] == "/secrets/tokens/"
    assert User.objects.filter(username="octocat").count() == 1
    assert SocialAccount.objects.count() == 1
    assert client.get("/secrets/tokens/").status_code == 200


def test_github_login_never_takes_over_a_local_user(client, github, user):
    """A local account with the same username stays separate (no silent account merge)."""
    user.username = "octocat"
    user.save()
    github_login(client, github)
    account = SocialAccount.objects.get(provider="github")
    assert account.user_id != user.pk
    assert account.user.role == "user"


def test_replayed_callback_is_refused(client, github):
    start = client.post("/auth/github/login/", {"process": "login"})
    approved = httpx.get(start["Location"], follow_redirects=False)
    back = urlsplit(approved.headers["location"])
    client.get(f"{back.path}?{back.query}")
    client.post("/auth/logout/")
    replay = client.get(f"{back.path}?{back.query}")
    assert replay.status_code == 401
    assert "Login with GitHub failed" in replay.content.decode()
    assert not replay.wsgi_request.user.is_authenticated


def test_fake_github_refuses_a_code_twice_and_bad_secrets(github):
    approved = httpx.get(
        f"{github.url}/login/oauth/authorize",
        params={"client_id": github.client_id, "redirect_uri": "http://x/cb", "state": "s"},
        follow_redirects=False,
    )
    code = parse_qs(urlsplit(approved.headers["location"]).query)["code"][0]
    form = {
        "client_id": github.client_id,
        "client_secret": "wrong",
        "code": code,
        "redirect_uri": "http://x/cb",
    }
    headers = {"Accept": "application/json"}
    url = f"{github.url}/login/oauth/access_token"
    bad = httpx.post(url, data=form, headers=headers).json()
    assert bad["error"] == "incorrect_client_credentials"
    form["client_secret"] = github.client_secret
    first = httpx.post(url, data=form, headers=headers).json()
    assert first["token_type"] == "bearer" and first["access_token"].startswith("gho_")
    assert httpx.post(url, data=form, headers=headers).json()["error"] == "bad_verification_code"
    user = httpx.get(
        f"{github.url}/api/v3/user", headers={"Authorization": f"token {first['access_token']}"}
    )
    assert user.json()["login"] == "octocat"
    assert httpx.get(f"{github.url}/api/v3/user").status_code == 401
