"""Authority: what a caller may do, decided in one place for every interface.

A request's authority is the intersection of
- the user's **role** (the ceiling: `Power.roles`, plus an explicit Django permission for the few
  powers that name one),
- the **token's policies** (a token carries admin powers only when one of its policies grants
  the power's `sys/...` path; `root` grants every path), themselves limited to what the user
  holds now, and
- the **API client's** allowed policies when the token was issued through a client.

Admin powers are thus capabilities a token must carry, as Vault's `sys/*` paths are: an admin's
token created with `policies: ["default"]` has no admin power at all. A caller without a token
(a Django session: the admin site, the pages) has the policies of the user, i.e. the role's.

The policy engine lives in the secrets store (`secrets_app.services.policies`), which registers
its evaluator here when the app is ready; until then (or if it never does) every power is
refused. REST views use the thin DRF permission classes of `core.api.permissions`; services,
the gRPC interface and commands call `authority_allows` / `authority_require` with the user and
the token context (`TokenContext` or None), or `actor_allows`, which takes both from the actor
context (`core.context`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.context import current_actor
from core.errors import PermissionDenied

ADMIN = frozenset({"admin"})
STAFF = frozenset({"admin", "operator"})


@dataclass(frozen=True)
class Power:
    """One admin power: the policy `path` and `capability` a token must carry, the `roles`
    whose users may hold it at all and, optionally, a Django `permission` that lets a user of
    another role hold it too (granted explicitly, directly or through a group)."""

    path: str
    capability: str
    roles: frozenset[str]
    permission: str = ""


POWERS: dict[str, Power] = {
    # identity and the platform
    "users.write": Power("sys/users", "update", ADMIN),
    "tokens.read": Power("sys/tokens", "read", ADMIN),
    "tokens.write": Power("sys/tokens", "update", ADMIN),
    "policies.read": Power("sys/policies", "read", ADMIN),
    "policies.write": Power("sys/policies", "update", ADMIN),
    "settings.read": Power("sys/settings", "read", STAFF),
    "settings.write": Power("sys/settings", "update", ADMIN),
    # proxy shop
    "shop.read": Power("sys/shop", "read", ADMIN),
    "shop.write": Power("sys/shop", "update", ADMIN),
    "wallets.write": Power("sys/shop/wallets", "update", ADMIN),
    "orders.any": Power("sys/shop/orders", "update", ADMIN),
    "refunds.resolve": Power("sys/shop/refunds", "update", STAFF),
    # account fleet
    "fleet.read": Power("sys/fleet", "read", STAFF),
    "fleet.write": Power("sys/fleet", "update", STAFF),
    "fleet.credentials": Power(
        "sys/fleet/credentials", "read", ADMIN, permission="accounts.view_credentials"
    ),
    "fleet.unban": Power("sys/fleet/unban", "update", ADMIN),
    # view statistics
    "views.any": Power("sys/views", "read", ADMIN),
}

# (user, token, path, capability) -> bool, registered by the policy engine.
PolicyEvaluator = Callable[..., bool]
_evaluator: dict[str, PolicyEvaluator] = {}


def policy_evaluator_register(evaluator: PolicyEvaluator) -> None:
    """The policy engine says how to judge `sys/...` paths for a user and a token context."""
    _evaluator["sys"] = evaluator


def _explicit_permission(user: Any, permission: str) -> bool:
    # Operators' blanket access to some apps (User.has_perm) does not count: the permission
    # must be granted to the user or one of their groups.
    from django.contrib.auth.backends import ModelBackend

    return permission in ModelBackend().get_all_permissions(user)


def role_allows(*, user: Any, power: str) -> bool:
    """The role ceiling alone (no token): may this user hold `power` at all?"""
    spec = POWERS[power]
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", False):
        return False
    if getattr(user, "role", "") in spec.roles:
        return True
    return bool(spec.permission) and _explicit_permission(user, spec.permission)


def authority_allows(*, user: Any, token: Any, power: str) -> bool:
    """True when `user`, calling with `token` (a token context, or None for a session), holds
    `power`: the role allows it and the token's policies (within the user's own and the API
    client's) grant its `sys/...` path."""
    if not role_allows(user=user, power=power):
        return False
    evaluator = _evaluator.get("sys")
    if evaluator is None:
        return False
    spec = POWERS[power]
    return evaluator(user=user, token=token, path=spec.path, capability=spec.capability)


def authority_require(
    *, user: Any, token: Any, power: str, message: str = "", audit: bool = True
) -> None:
    """Raise PermissionDenied (audited, the power named) unless `authority_allows`."""
    if authority_allows(user=user, token=token, power=power):
        return
    if audit:
        from core.audit import audit_record
        from core.models import AuditEvent

        spec = POWERS[power]
        audit_record(
            action="authority.denied",
            target_type="power",
            target=power,
            actor=user if getattr(user, "is_authenticated", False) else None,
            outcome=AuditEvent.Outcome.DENIED,
            data={"path": spec.path, "capability": spec.capability},
        )
    raise PermissionDenied(message or "You do not have permission to perform this action.")


def actor_token(user: Any) -> Any:
    """The token context the current entry point authenticated `user` with, if any."""
    actor = current_actor()
    if actor.token is None or user is None:
        return None
    if getattr(actor.authenticated_user, "pk", None) != getattr(user, "pk", None):
        return None
    return actor.token


def actor_allows(power: str, *, user: Any) -> bool:
    """`authority_allows` for `user` with the token of the current entry point (services that
    are given the acting user take the token from the actor context)."""
    return authority_allows(user=user, token=actor_token(user), power=power)


def actor_require(power: str, *, user: Any, message: str = "") -> None:
    authority_require(user=user, token=actor_token(user), power=power, message=message)


__all__ = [
    "POWERS",
    "Power",
    "actor_allows",
    "actor_require",
    "actor_token",
    "authority_allows",
    "authority_require",
    "policy_evaluator_register",
    "role_allows",
]
