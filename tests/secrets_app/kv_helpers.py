"""Helpers shared by the secrets-store tests."""

from __future__ import annotations

from secrets_app.services.policies import policy_save
from secrets_app.services.tokens import token_authenticate, token_issue


def token_context(user, **kwargs):
    """(raw token, TokenContext) for `user`, as a request authenticated with it would see."""
    raw = token_issue(user=user, **kwargs).access_token
    _, context = token_authenticate(raw, ip="127.0.0.1", audit=False)
    return raw, context


def make_policy(name: str, *rules: tuple[str, list[str]], roles=(), users=()):
    policy = policy_save(
        name=name, rules=[{"path": p, "capabilities": caps} for p, caps in rules], roles=list(roles)
    )
    if users:
        policy.users.add(*users)
    return policy
