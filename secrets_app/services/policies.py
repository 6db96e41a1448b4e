"""Path-glob policies over secret paths and admin powers: evaluation, caching, `authorize`.

Rules: `*` matches any characters (slashes included), `+` exactly one path segment. The
capabilities of every matching rule of every effective policy are united; `deny` anywhere
wins; nothing matching means no access (default deny). `root` allows everything.

Two namespaces share the rules: a rule whose path starts with `sys/` is an **admin rule** and
only ever judges admin powers (`core.authority`: `sys/users`, `sys/tokens`, ...); every other
rule judges secret paths only. So a broad secret rule such as `*` never carries an admin power,
and an admin rule never opens a secret. The built-in `operator` policy (held by the operator
and admin roles) grants the operators' powers; `root` (admins) grants every path of both.

Effective policies of a request: for a token, the token's policy names limited to the API
client's allowed policies (when it came through a client) and to what its user may hold now
(a token never gets more than its creator, even after the user lost a policy or a role); for a
session, the user's own names.

Compiled policies are kept per process and reloaded when the Redis generation key changes, so
a request costs one Redis round trip and no database query, and a policy edit applies at once
in every process.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, TypedDict

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from core.audit import audit_record
from core.authority import policy_evaluator_register
from core.errors import InvalidArgument, PermissionDenied
from core.models import AuditEvent
from core.redis import OUTAGE_ERRORS, redis_fallback
from secrets_app.policy_names import BUILTIN, DEFAULT, OPERATOR, ROOT

from ..models import Policy
from ..models.policies import CAPABILITIES

_GEN_KEY = "kvpolicy:gen"
_USER_KEY = "kvpolicy:user:"
_local: dict[str, Any] = {"gen": None, "policies": {}}


SECRET, SYS = "secret", "sys"
SYS_PREFIX = "sys/"


@dataclass(frozen=True)
class Rule:
    glob: str
    pattern: re.Pattern[str]
    capabilities: frozenset[str]

    @property
    def namespace(self) -> str:
        return SYS if self.glob.startswith(SYS_PREFIX) else SECRET


# The operators' powers (core.authority.POWERS); the role ceiling keeps the admin-only ones
# (credentials, unban) from operators without the explicit permission.
_OPERATOR_RULES = [
    {"path": "sys/fleet", "capabilities": ["read", "update"]},
    {"path": "sys/fleet/*", "capabilities": ["read", "update"]},
    {"path": "sys/settings", "capabilities": ["read"]},
    {"path": "sys/shop/refunds", "capabilities": ["update"]},
]
BUILTIN_POLICIES: dict[str, dict[str, Any]] = {
    OPERATOR: {"rules": _OPERATOR_RULES, "roles": ["operator", "admin"]}
}


def compile_glob(glob: str) -> re.Pattern[str]:
    out = []
    for char in glob:
        if char == "*":
            out.append(".*")
        elif char == "+":
            out.append("[^/]+")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out) + r"\Z")


def validate_rules(rules: Any) -> list[dict[str, Any]]:
    """Normalise a rules list; raises InvalidArgument naming the bad entry."""
    if not isinstance(rules, list):
        raise InvalidArgument("rules must be a list of {path, capabilities}.", field="rules")
    out = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or not isinstance(rule.get("path"), str):
            raise InvalidArgument("each rule needs a string path.", field=["rules", str(index)])
        caps = rule.get("capabilities")
        if not isinstance(caps, list) or not all(c in CAPABILITIES for c in caps):
            raise InvalidArgument(
                f"capabilities must be a list of {', '.join(CAPABILITIES)}.",
                field=["rules", str(index), "capabilities"],
            )
        out.append({"path": rule["path"].strip().lstrip("/"), "capabilities": sorted(set(caps))})
    return out


def _outage_generation(exc: BaseException) -> str:
    """Redis down: a generation never seen before, so the rules are read from the database."""
    redis_fallback("policies", exc)
    return "outage:" + uuid.uuid4().hex


def _cached_many(keys: list[str]) -> dict[str, Any]:
    try:
        return cache.get_many(keys)
    except OUTAGE_ERRORS as exc:
        return {_GEN_KEY: _outage_generation(exc)}


def _generation() -> str:
    try:
        return _shared_generation()
    except OUTAGE_ERRORS as exc:
        return _outage_generation(exc)


def _shared_generation() -> str:
    gen: str | None = cache.get(_GEN_KEY)
    if gen is None:
        gen = uuid.uuid4().hex
        if not cache.add(_GEN_KEY, gen, timeout=None):
            gen = cache.get(_GEN_KEY) or gen
    return gen


def policies_changed() -> None:
    """A policy or an attachment changed: every process reloads on its next check."""
    cache.set(_GEN_KEY, uuid.uuid4().hex, timeout=None)


def _on_change(*args: Any, **kwargs: Any) -> None:
    policies_changed()
    transaction.on_commit(policies_changed)


post_save.connect(_on_change, sender=Policy, dispatch_uid="kv_policy_saved")
post_delete.connect(_on_change, sender=Policy, dispatch_uid="kv_policy_deleted")
m2m_changed.connect(_on_change, sender=Policy.users.through, dispatch_uid="kv_policy_users")


def _rules(raw: Any) -> dict[str, list[Rule]]:
    """Compiled rules by namespace."""
    out: dict[str, list[Rule]] = {SECRET: [], SYS: []}
    for r in raw or []:
        if isinstance(r, dict) and "path" in r:
            rule = Rule(r["path"], compile_glob(r["path"]), frozenset(r["capabilities"]))
            out[rule.namespace].append(rule)
    return out


class CompiledPolicy(TypedDict):
    rules: dict[str, list[Rule]]  # by namespace
    roles: set[str]


def _compiled(gen: str) -> dict[str, CompiledPolicy]:
    if _local["gen"] != gen:
        loaded: dict[str, CompiledPolicy] = {
            name: {"rules": _rules(p["rules"]), "roles": set(p["roles"])}
            for name, p in BUILTIN_POLICIES.items()
        }
        for policy in Policy.objects.exclude(name__in=BUILTIN):
            loaded[policy.name] = {"rules": _rules(policy.rules), "roles": set(policy.roles or [])}
        _local["policies"] = loaded
        _local["gen"] = gen
    policies: dict[str, CompiledPolicy] = _local["policies"]
    return policies


def attached_policy_names(
    *, user_id: int, role: str, gen: str | None = None, hit: Any = None
) -> set[str]:
    """Policy names attached to the user directly or through the role (cached per generation).
    `gen` and `hit` let a caller that already fetched them from the cache skip the round trip."""
    if gen is None:
        got = _cached_many([_GEN_KEY, _USER_KEY + str(user_id)])
        gen, hit = got.get(_GEN_KEY) or _generation(), got.get(_USER_KEY + str(user_id))
    if hit and hit[0] == gen and hit[1] == role:
        return set(hit[2])
    names = {name for name, p in _compiled(gen).items() if role and role in p["roles"]}
    names.update(Policy.objects.filter(users__id=user_id).values_list("name", flat=True))
    if not gen.startswith("outage:"):
        try:
            cache.set(_USER_KEY + str(user_id), (gen, role, sorted(names)), timeout=3600)
        except OUTAGE_ERRORS as exc:
            redis_fallback("policies", exc)
    return names


def _effective(*, user: Any, context: Any) -> tuple[set[str], str | None, set[str]]:
    """(effective names, policy generation or None when not fetched, the user's own names).
    One cache round trip for a non-admin, none for an admin (whose `root` makes the token's
    names final)."""
    role = getattr(user, "role", "") or ""
    token_names = None if context is None else set(getattr(context, "policies", None) or [])
    client_limit = getattr(context, "client_policies", None)
    if token_names is not None and client_limit is not None:
        token_names &= set(client_limit)  # the client's limit binds admins too
    if role == "admin" and getattr(user, "is_active", True):
        held = {DEFAULT, ROOT, OPERATOR}
        return (token_names if token_names is not None else held), None, held
    user_id = getattr(user, "pk", None)
    if user_id is None:
        return set(), None, set()
    got = _cached_many([_GEN_KEY, _USER_KEY + str(user_id)])
    gen = got.get(_GEN_KEY) or _generation()
    held = {DEFAULT} | attached_policy_names(
        user_id=user_id, role=role, gen=gen, hit=got.get(_USER_KEY + str(user_id))
    )
    return (held if token_names is None else token_names & held), gen, held


def effective_policies(*, user: Any, context: Any) -> set[str]:
    return _effective(user=user, context=context)[0]


def capabilities(
    *, names: set[str], path: str, gen: str | None = None, namespace: str = SECRET
) -> set[str]:
    """The capabilities `names` give on `path` of `namespace` (secret paths, or `sys` for admin
    powers), deny already applied (empty set)."""
    if ROOT in names:
        return set(CAPABILITIES) - {"deny"}
    policies = _compiled(gen or _generation())
    found: set[str] = set()
    for name in names:
        policy = policies.get(name)
        if policy is None:
            continue
        for rule in policy["rules"][namespace]:
            if rule.pattern.match(path):
                found |= rule.capabilities
    if "deny" in found:
        return set()
    return found


def allowed(
    *, user: Any, context: Any, path: str, capability: str, namespace: str = SECRET
) -> bool:
    """True when the caller holds `capability` on `path`. A token never gets more than its
    user: besides the token's own policies, the user's policies must allow it too, so a deny
    the user holds applies to every token of theirs, whatever policies the token carries."""
    names, gen, held = _effective(user=user, context=context)
    if capability not in capabilities(names=names, path=path, gen=gen, namespace=namespace):
        return False
    if names == held or ROOT in held:
        return True
    return capability in capabilities(names=held, path=path, gen=gen, namespace=namespace)


def sys_allowed(*, user: Any, token: Any, path: str, capability: str) -> bool:
    """The policy half of an admin power (core.authority): do the caller's effective policies
    grant `capability` on the admin path `path`?"""
    return allowed(user=user, context=token, path=path, capability=capability, namespace=SYS)


policy_evaluator_register(sys_allowed)


def authorize(*, user: Any, context: Any, path: str, capability: str) -> None:
    """Raise PermissionDenied (and audit the refusal) unless the caller holds `capability` on
    `path`. Call it outside any transaction that a refusal rolls back."""
    if allowed(user=user, context=context, path=path, capability=capability):
        return
    audit_refusal(user=user, context=context, path=path, capability=capability)
    raise PermissionDenied(f"Permission denied: {capability} on {path!r}.")


def authorize_write(*, user: Any, context: Any, path: str, exists: bool) -> None:
    """`authorize` for a write: `update` on an existing secret, `create` on a new one. The
    refusal does not say which was missing (the audit record does), so a caller holding
    neither learns nothing about whether the path exists."""
    capability = "update" if exists else "create"
    if allowed(user=user, context=context, path=path, capability=capability):
        return
    audit_refusal(user=user, context=context, path=path, capability=capability)
    raise PermissionDenied(write_refused_message(path))


def write_refused_message(path: str) -> str:
    return f"Permission denied: write on {path!r}."


def audit_refusal(*, user: Any, context: Any, path: str, capability: str) -> None:
    audit_record(
        action=f"secret.{capability}",
        target_type="secret",
        target=path,
        outcome=AuditEvent.Outcome.DENIED,
        actor=user,
        accessor=getattr(context, "accessor", "") or "",
        data={"capability": capability, "reason": "policy"},
    )


def policy_test(
    *, path: str, capability: str, user: Any = None, token: Any = None
) -> dict[str, Any]:
    """The admin's path tester: may this user or this token (a Token row) do it?"""
    if token is not None:
        from .tokens import TokenContext

        user = token.user
        context = TokenContext(
            token_id=str(token.pk),
            accessor=token.accessor,
            policies=list(token.policies),
            expires_at=None,
            client_policies=(list(token.client.allowed_policies or []) or None)
            if token.client_id
            else None,
        )
        if not token.is_live:
            return {"allowed": False, "names": [], "capabilities": [], "reason": "token not live"}
    else:
        context = None
    names = effective_policies(user=user, context=context)
    caps = capabilities(names=names, path=path)
    return {
        "allowed": capability in caps,
        "names": sorted(names),
        "capabilities": sorted(caps),
        "reason": "",
    }


@transaction.atomic
def policy_name_check(name: Any) -> None:
    """InvalidArgument unless `name` may name a stored policy (not a built-in one)."""
    if (
        not isinstance(name, str)
        or name in BUILTIN
        or not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", name)
    ):
        raise InvalidArgument("invalid policy name.", field="name")


def policy_save(
    *,
    name: str,
    rules: Any,
    description: str = "",
    roles: list[str] | None = None,
    actor: Any = None,
) -> Policy:
    """Create or replace a policy (audited). `root` and `operator` are built in and cannot be
    defined."""
    policy_name_check(name)
    clean = validate_rules(rules)
    policy, created = Policy.objects.update_or_create(
        name=name,
        defaults={
            "rules": clean,
            "description": description,
            "roles": list(roles or []),
            "updated_at": timezone.now(),
        },
    )
    audit_record(
        action="policy.create" if created else "policy.update",
        target_type="policy",
        target=name,
        actor=actor,
        data={"rules": clean, "roles": roles or []},
    )
    return policy


__all__ = [
    "DEFAULT",
    "ROOT",
    "allowed",
    "authorize",
    "capabilities",
    "effective_policies",
    "policies_changed",
    "policy_save",
    "policy_test",
]


@transaction.atomic
def policy_delete(*, name: str, actor: Any = None) -> None:
    """Delete a policy (audited). Tokens naming it simply lose what it gave."""
    deleted, _ = Policy.objects.filter(name=name).delete()
    if not deleted:
        from core.errors import NotFound

        raise NotFound("No such policy.")
    audit_record(action="policy.delete", target_type="policy", target=name, actor=actor)
