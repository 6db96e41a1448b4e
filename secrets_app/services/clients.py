"""API clients (client_id / client_secret) registered by admins."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from core.audit import audit_record
from core.errors import Unauthenticated

from ..models import ApiClient


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def client_register(
    *, name: str, allowed_policies: list[str] | None = None, actor: Any = None
) -> tuple[ApiClient, str]:
    """Register a client; the secret is returned once and stored only as a hash."""
    raw = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name,
        client_id="cl_" + secrets.token_hex(10),
        secret_hash=_digest(raw),
        allowed_policies=allowed_policies or [],
    )
    audit_record(
        action="client.register",
        target_type="api_client",
        target=client.client_id,
        actor=actor,
        data={"name": name},
    )
    return client, raw


def client_authenticate(*, client_id: str, client_secret: str) -> ApiClient:
    client = ApiClient.objects.filter(client_id=client_id, is_active=True).first()
    expected = client.secret_hash if client else _digest("no-such-client")
    if not hmac.compare_digest(expected, _digest(client_secret or "")) or client is None:
        raise Unauthenticated("Invalid client credentials.")
    return client
