"""Accounts: creation, the status state machine with its history, and the credentials reveal.

Status state machine (the contract's AccountStatus)::

    creating  → active, banned, deleted
    active    → warming, banned, suspended, deleted
    warming   → active, banned, suspended, deleted
    suspended → active, banned, deleted
    banned    → deleted, active (unban: admins only)
    deleted   → (terminal)

A "change" to the status the account already has is a no-op (nothing recorded). Every real
transition writes an AccountStatusChange row (previous status, reason, actor) and an audit
event in the same transaction; a refused transition is audited as denied and raises Conflict.
Moving to `deleted` releases the account's proxy.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from core.audit import audit_record
from core.authority import actor_allows
from core.errors import AlreadyExists, Conflict, InvalidArgument, NotFound, PermissionDenied
from core.models import AuditEvent

from ..models import Account, AccountStatus, AccountStatusChange, Platform

S = AccountStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.CREATING: frozenset({S.ACTIVE, S.BANNED, S.DELETED}),
    S.ACTIVE: frozenset({S.WARMING, S.BANNED, S.SUSPENDED, S.DELETED}),
    S.WARMING: frozenset({S.ACTIVE, S.BANNED, S.SUSPENDED, S.DELETED}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.BANNED, S.DELETED}),
    S.BANNED: frozenset({S.DELETED, S.ACTIVE}),
    S.DELETED: frozenset(),
}
# Transitions only an admin may make (lifting a ban is a human decision).
ADMIN_ONLY = frozenset({(S.BANNED, S.ACTIVE)})


def _actor_parts(actor: Any) -> tuple[Any, str]:
    """(user or None, display name) for a User, a component name (str) or None."""
    if actor is None:
        return None, ""
    if isinstance(actor, str):
        return None, actor[:150]
    return actor, getattr(actor, "username", "")[:150]


def _may_unban(actor: Any) -> bool:
    # A component name (str) or no actor holds no power.
    return not isinstance(actor, str) and actor_allows("fleet.unban", user=actor)


def _audit_refusal(*, account_id: int, new_status: str, why: str, actor: Any) -> None:
    # Outside the transaction that is rolled back, so the refusal stays on record.
    audit_record(
        action="account.status_change",
        target_type="account",
        target=str(account_id),
        outcome=AuditEvent.Outcome.DENIED,
        actor=actor if not isinstance(actor, str) else None,
        accessor=actor if isinstance(actor, str) else "",
        data={"new_status": new_status, "refused": why},
    )


def account_status_change(
    *,
    account_id: int,
    new_status: str,
    reason: str = "",
    actor: Any = None,
) -> str:
    """Move an account to `new_status`; returns the previous status.

    Locks the account row, so concurrent changes serialize and each sees the status the other
    left. Raises NotFound (no such account), InvalidArgument (unknown status), Conflict (the
    state machine forbids the transition) and PermissionDenied (an unban by a non-admin).
    `actor` is a User, a component name such as "warming", or None.
    """
    if new_status not in S.values:
        raise InvalidArgument(
            f"Unknown status {new_status!r}; expected one of {', '.join(S.values)}.",
            field="status",
            code="enum",
        )
    try:
        return _status_change(
            account_id=account_id,
            new_status=new_status,
            reason=reason,
            actor=actor,
        )
    except (Conflict, PermissionDenied) as exc:
        _audit_refusal(
            account_id=account_id,
            new_status=new_status,
            why=exc.message,
            actor=actor,
        )
        raise


@transaction.atomic
def _status_change(*, account_id: int, new_status: str, reason: str, actor: Any) -> str:
    account = Account.objects.select_for_update().filter(pk=account_id).first()
    if account is None:
        raise NotFound("Account not found.")
    previous = account.status
    if previous == new_status:
        return previous
    if new_status not in TRANSITIONS[previous]:
        raise Conflict(f"An account cannot go from {previous} to {new_status}.")
    if (previous, new_status) in ADMIN_ONLY and not _may_unban(actor):
        raise PermissionDenied(
            f"Only an admin may move an account from {previous} to {new_status}."
        )
    user, name = _actor_parts(actor)
    account.status = new_status
    account.save(update_fields=["status", "updated_at"])
    AccountStatusChange.objects.create(
        account=account,
        previous_status=previous,
        new_status=new_status,
        reason=reason[:500],
        actor=user,
        actor_name=name,
    )
    audit_record(
        action="account.status_change",
        target_type="account",
        target=str(account.pk),
        actor=user,
        accessor="" if user else name,
        data={"previous_status": previous, "new_status": new_status, "reason": reason[:500]},
    )
    if new_status == S.DELETED and account.proxy_id:
        from .proxies import proxy_release

        proxy_release(account_id=account.pk, actor=actor)
    return previous


def account_create(
    *,
    platform: str,
    login: str,
    password: str,
    phone: str = "",
    additional_data: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    status: str = S.CREATING,
    actor: Any = None,
) -> Account:
    """Create an account (credentials encrypted at rest by the model fields).

    Raises InvalidArgument for an unknown platform or initial status other than creating or
    active, Conflict when the platform already has an account with this login.
    """
    if platform not in Platform.values:
        raise InvalidArgument(
            f"Unknown platform {platform!r}; expected one of {', '.join(Platform.values)}.",
            field="platform",
            code="enum",
        )
    if status not in (S.CREATING, S.ACTIVE):
        raise InvalidArgument("A new account starts as creating or active.", field="status")
    if not login:
        raise InvalidArgument("A login is required.", field="login", code="missing")
    user, name = _actor_parts(actor)
    try:
        with transaction.atomic():
            account = Account.objects.create(
                platform=platform,
                login=login,
                password=password,
                phone=phone or None,
                additional_data={str(k): str(v) for k, v in (additional_data or {}).items()},
                tags=sorted({str(t) for t in (tags or [])}),
                status=status,
            )
            audit_record(
                action="account.create",
                target_type="account",
                target=str(account.pk),
                actor=user,
                accessor="" if user else name,
                data={"platform": platform, "login": login, "status": status},
            )
    except IntegrityError:
        raise AlreadyExists(f"A {platform} account with login {login!r} already exists.") from None
    return account


def can_view_credentials(user: Any) -> bool:
    """The `fleet.credentials` power (core.authority): admins, or users granted
    `accounts.view_credentials` explicitly (directly or by group), calling with a token that
    carries `sys/fleet/credentials` (or from a session).

    Operators' blanket access to the accounts app (User.has_perm) deliberately does not count:
    revealing passwords is a separate permission.
    """
    return actor_allows("fleet.credentials", user=user)


def account_credentials_reveal(*, account_id: int, actor: Any) -> dict[str, Any]:
    """The decrypted credentials of an account, for a caller allowed to see them.

    Every reveal (and every refused attempt) is audited; the audit row never holds the values.
    Raises PermissionDenied or NotFound.
    """
    if not can_view_credentials(actor):
        audit_record(
            action="account.credentials_reveal",
            target_type="account",
            target=str(account_id),
            outcome=AuditEvent.Outcome.DENIED,
            actor=actor,
        )
        raise PermissionDenied(
            "Revealing credentials needs the accounts.view_credentials permission."
        )
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise NotFound("Account not found.")
    audit_record(
        action="account.credentials_reveal",
        target_type="account",
        target=str(account.pk),
        actor=actor,
        data={"platform": account.platform, "login": account.login},
    )
    return {
        "login": account.login,
        "password": account.password or "",
        "phone": account.phone or "",
        "additional": {str(k): str(v) for k, v in (account.additional_data or {}).items()},
    }


def account_tags_set(*, account_id: int, tags: list[str], actor: Any = None) -> Account:
    """Replace an account's tags (sorted, unique); audited with the old and new tags."""
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            raise NotFound("Account not found.")
        old = list(account.tags or [])
        account.tags = sorted({str(t).strip() for t in tags if str(t).strip()})
        account.save(update_fields=["tags", "updated_at"])
        user, name = _actor_parts(actor)
        audit_record(
            action="account.tags_set",
            target_type="account",
            target=str(account.pk),
            actor=user,
            accessor="" if user else name,
            data={"old": old, "new": account.tags},
        )
    return account
