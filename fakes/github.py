"""A fake GitHub (Enterprise) speaking the real OAuth web flow, for tests and `make run`.

    GET  /login/oauth/authorize?client_id&redirect_uri&scope&state[&code_challenge…]
         -> 302 redirect_uri?code=…&state=…   (the "signed-in" GitHub user approves at once)
    POST /login/oauth/access_token  client_id, client_secret, code, redirect_uri[, code_verifier]
         -> {"access_token", "token_type": "bearer", "scope"} (JSON when Accept asks for it,
            form-encoded otherwise, as GitHub does); a bad code -> 200 {"error":
            "bad_verification_code", …} exactly like GitHub
    GET  /api/v3/user          Authorization: token|Bearer … -> the user; 401 Bad credentials
    GET  /api/v3/user/emails   -> [{"email", "primary", "verified", "visibility"}]

Which GitHub user approves is `FakeGitHub.signed_in` (tests switch it); the OAuth app is
`client_id` / `client_secret`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from .http import FakeHTTPServer, FakeRequest, FakeResponse

DEMO_CLIENT_ID = "demo-client-id"
DEMO_CLIENT_SECRET = "demo-client-secret"
DOCS = "https://docs.github.com/rest"


@dataclass
class GitHubUser:
    id: int
    login: str
    name: str
    email: str | None
    emails: list[dict] = field(default_factory=list)

    def profile(self, base_url: str) -> dict:
        return {
            "login": self.login,
            "id": self.id,
            "node_id": base64.b64encode(f"04:User{self.id}".encode()).decode(),
            "avatar_url": f"{base_url}/avatars/u/{self.id}",
            "html_url": f"{base_url}/{self.login}",
            "type": "User",
            "site_admin": False,
            "name": self.name,
            "company": None,
            "email": self.email,
        }


class FakeGitHub:
    def __init__(
        self,
        *,
        client_id: str = DEMO_CLIENT_ID,
        client_secret: str = DEMO_CLIENT_SECRET,
        port: int = 0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.users: dict[str, GitHubUser] = {}
        self.signed_in: str | None = None
        self._codes: dict[str, dict] = {}
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()
        self.server = FakeHTTPServer(port=port)
        self.server.route("GET", "/login/oauth/authorize", self.authorize)
        self.server.route("POST", "/login/oauth/access_token", self.access_token)
        self.server.route("GET", "/api/v3/user", self.user)
        self.server.route("GET", "/api/v3/user/emails", self.user_emails)

    @property
    def url(self) -> str:
        return self.server.url

    def add_user(
        self,
        login: str,
        *,
        id: int,
        name: str = "",
        email: str | None = None,
        verified: bool = True,
    ) -> GitHubUser:
        emails = (
            [{"email": email, "primary": True, "verified": verified, "visibility": "public"}]
            if email
            else []
        )
        user = GitHubUser(id=id, login=login, name=name or login, email=email, emails=emails)
        self.users[login] = user
        if self.signed_in is None:
            self.signed_in = login
        return user

    # --- the OAuth web flow -----------------------------------------------------------------

    def authorize(self, request: FakeRequest) -> FakeResponse:
        if request.arg("client_id") != self.client_id:
            return FakeResponse.text("<h1>404: unknown OAuth application</h1>", status=404)
        redirect_uri = request.arg("redirect_uri")
        if not redirect_uri or self.signed_in not in self.users:
            return FakeResponse.text("<h1>Sign in to GitHub</h1>", status=200)
        code = secrets.token_hex(10)
        with self._lock:
            self._codes[code] = {
                "login": self.signed_in,
                "redirect_uri": redirect_uri,
                "scope": request.arg("scope", ""),
                "challenge": request.arg("code_challenge"),
                "method": request.arg("code_challenge_method", "plain"),
            }
        params = {"code": code}
        state = request.arg("state")
        if state is not None:
            params["state"] = state
        parts = urlsplit(redirect_uri)
        query = "&".join(filter(None, [parts.query, urlencode(params)]))
        location = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        return FakeResponse(302, b"", {"Location": location})

    def access_token(self, request: FakeRequest) -> FakeResponse:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        form.update({k: v[0] for k, v in request.query.items() if k not in form})
        wants_json = "json" in request.headers.get("accept", "")
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return self._token_answer(
                wants_json,
                {
                    "error": "incorrect_client_credentials",
                    "error_description": "The client_id and/or client_secret passed are incorrect.",
                },
            )
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant["redirect_uri"] != form.get(
            "redirect_uri", grant["redirect_uri"]
        ):
            return self._token_answer(
                wants_json,
                {
                    "error": "bad_verification_code",
                    "error_description": "The code passed is incorrect or expired.",
                },
            )
        if grant["challenge"] and not _pkce_ok(grant, form.get("code_verifier", "")):
            return self._token_answer(
                wants_json,
                {
                    "error": "invalid_grant",
                    "error_description": "PKCE verification failed.",
                },
            )
        token = "gho_" + secrets.token_urlsafe(27)
        with self._lock:
            self._tokens[token] = grant["login"]
        return self._token_answer(
            wants_json, {"access_token": token, "token_type": "bearer", "scope": grant["scope"]}
        )

    @staticmethod
    def _token_answer(wants_json: bool, payload: dict) -> FakeResponse:
        if wants_json:
            return FakeResponse.json(payload)
        return FakeResponse.text(
            urlencode(payload), content_type="application/x-www-form-urlencoded; charset=utf-8"
        )

    def _user_of(self, request: FakeRequest) -> GitHubUser | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        login = self._tokens.get(value.strip())
        return self.users.get(login) if login else None

    def user(self, request: FakeRequest) -> FakeResponse:
        user = self._user_of(request)
        if user is None:
            return FakeResponse.json(
                {"message": "Bad credentials", "documentation_url": DOCS}, status=401
            )
        return FakeResponse.json(user.profile(self.url))

    def user_emails(self, request: FakeRequest) -> FakeResponse:
        user = self._user_of(request)
        if user is None:
            return FakeResponse.json(
                {"message": "Bad credentials", "documentation_url": DOCS}, status=401
            )
        return FakeResponse.json(user.emails)


def _pkce_ok(grant: dict, verifier: str) -> bool:
    if grant["method"] == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == grant["challenge"]
    return verifier == grant["challenge"]


def build_fake(port: int = 0) -> FakeGitHub:
    fake = FakeGitHub(port=port)
    fake.add_user("octocat", id=583231, name="The Octocat", email="octocat@example.com")
    return fake


def build_demo_server(port: int) -> FakeHTTPServer:
    """The demo GitHub on `port` (not started): approves every login as `octocat`."""
    return build_fake(port).server
