"""WSGI callables served by bench/secrets_write_ceiling.py. Measurement devices, not servers
to deploy: `bare_write` handles only the happy path of a Vault KV write and skips every check
the real HTTP layer makes (HTTPS policy, allowed networks, error shapes, body validation)."""

from __future__ import annotations

import json

_django_app = None


def hello(environ, start_response):
    """The least a WSGI application can do: what gunicorn and the client cost by themselves."""
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


def bare_write(environ, start_response):
    """`POST /v1/secret/data/<path>` through the same services as the real route (token check,
    policy, one-statement write with its audit event, Vault envelope), without Django's request
    handler, middleware, URL resolver and DRF; anything else goes to the real application."""
    global _django_app
    if _django_app is None:
        from config.wsgi import application

        _django_app = application
    if environ["REQUEST_METHOD"] != "POST" or not environ["PATH_INFO"].startswith(
        "/v1/secret/data/"
    ):
        return _django_app(environ, start_response)

    from core.context import acting, new_request_id
    from secrets_app.api.vault import envelope
    from secrets_app.api.vault_kv import version_metadata
    from secrets_app.services.kv import secret_write
    from secrets_app.services.tokens import token_authenticate

    ip = environ["REMOTE_ADDR"]
    user, context = token_authenticate(environ["HTTP_X_VAULT_TOKEN"], ip=ip)
    body = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
    with acting(
        user=user, token=context, accessor=context.accessor, ip=ip, request_id=new_request_id()
    ):
        version = secret_write(
            path=environ["PATH_INFO"][len("/v1/secret/data/") :],
            value=body["data"],
            user=user,
            context=context,
        )
    out = json.dumps(envelope(data=version_metadata(version.secret, version))).encode()
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("Cache-Control", "no-store"),
            ("Content-Length", str(len(out))),
        ],
    )
    return [out]
