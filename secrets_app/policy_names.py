"""Which policy names a user, a parent token or an API client may grant.

`root` grants everything; `operator` (built in, held by operators and admins) grants the
operators' admin powers (`core.authority`). The secrets store (policies over secret paths and
`sys/` admin paths) builds on the names: policies attached to a user or to the user's role
(secrets_app.models.Policy, and the built-in `operator`) are added here, cached in Redis per
user and invalidated by the policy generation (services/policies.py).
"""

from __future__ import annotations

from typing import Any

ROOT = "root"
DEFAULT = "default"
OPERATOR = "operator"
BUILTIN = (ROOT, OPERATOR)


def user_policy_names(user: Any) -> set[str]:
    names = {DEFAULT}
    if getattr(user, "role", None) == "admin":
        names.add(ROOT)
    names.update(_extra_user_policies(user))
    return names


def _extra_user_policies(user: Any) -> set[str]:
    """Policies attached to the user and the user's role (filled in by the secrets store)."""
    if user is None or getattr(user, "pk", None) is None:
        return set()
    from secrets_app.services.policies import attached_policy_names

    return attached_policy_names(user_id=user.pk, role=getattr(user, "role", "") or "")


def policies_grantable_by(*, user: Any, parent: Any = None, client: Any = None) -> set[str]:
    if parent is not None:
        allowed = set(parent.policies)
        if ROOT in allowed:
            allowed = user_policy_names(user) | allowed
    else:
        allowed = user_policy_names(user)
    if client is not None and client.allowed_policies:
        allowed &= set(client.allowed_policies)  # a client's limit binds admins too
    return allowed
