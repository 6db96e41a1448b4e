"""Operations on the accounts' platforms through the driver interface (`accounts.drivers`):
register a new account, execute one action as an account, ask the platform about an account.

The gRPC VKService and the REST routes under /api/v1/vk/ call these; the project ships sandbox
drivers only, so nothing here reaches a real social network.
"""

from __future__ import annotations

import uuid
from typing import Any

from core.audit import audit_record
from core.errors import AlreadyExists, Conflict, InvalidArgument
from core.models import AuditEvent

from ..drivers import ActionRequest, ActionResult, ProxyRef, RegisterRequest, driver_for
from ..models import Account, AccountStatus, Platform
from ..selectors import account_get
from .accounts import TRANSITIONS, account_create, account_status_change

S = AccountStatus
# Accounts that may act on their platform.
ACTING = frozenset({S.ACTIVE, S.WARMING})
# What the platform may report, and the fleet status it leads to.
PLATFORM_STATUSES = frozenset({"active", "banned", "suspended"})


def _user(actor: Any) -> Any:
    return actor if actor is not None and not isinstance(actor, str) else None


def _platform_account(*, account_id: int, platform: str | None) -> Account:
    account = account_get(account_id=account_id)
    if platform and account.platform != platform:
        raise InvalidArgument(
            f"Account {account_id} is a {account.platform} account, not {platform}.",
            field="account_id",
        )
    return account


def _proxy_ref(account: Account) -> ProxyRef | None:
    proxy = account.proxy
    if proxy is None:
        return None
    return ProxyRef(id=proxy.pk, protocol=proxy.protocol, host=proxy.host, port=proxy.port)


def account_register(
    *,
    platform: str,
    login: str,
    password: str,
    phone: str = "",
    params: dict[str, str] | None = None,
    actor: Any = None,
) -> dict[str, Any]:
    """Register a new account on `platform` through its driver; on success the fleet gets it
    as an active account (credentials encrypted, the platform's id in its additional data).

    Returns {"success", "account_id", "external_id", "error"}: a refusal by the platform is a
    result, not an error. Raises InvalidArgument (platform, login, password) and AlreadyExists
    (the fleet has this login on this platform already: nothing is sent to the platform).
    """
    if platform not in Platform.values:
        raise InvalidArgument(f"Unknown platform {platform!r}.", field="platform", code="enum")
    login = (login or "").strip()
    if not login:
        raise InvalidArgument("A login is required.", field="login", code="missing")
    if not password:
        raise InvalidArgument("A password is required.", field="password", code="missing")
    if Account.objects.filter(platform=platform, login=login).exists():
        raise AlreadyExists(f"A {platform} account with login {login!r} already exists.")
    result = driver_for(platform).register(
        request=RegisterRequest(
            platform=platform, login=login, phone=phone, params=dict(params or {})
        )
    )
    if not result.success:
        audit_record(
            action="account.register",
            target_type="account",
            target=f"{platform}:{login}",
            outcome=AuditEvent.Outcome.ERROR,
            actor=_user(actor),
            data={"platform": platform, "error": result.error},
        )
        return {"success": False, "account_id": None, "external_id": "", "error": result.error}
    account = account_create(
        platform=platform,
        login=login,
        password=password,
        phone=phone,
        additional_data={"external_id": result.external_id, **result.data},
        status=S.ACTIVE,
        actor=actor,
    )
    return {
        "success": True,
        "account_id": account.pk,
        "external_id": result.external_id,
        "error": "",
    }


def account_action_execute(
    *,
    account_id: int,
    action_type: str,
    params: dict[str, str] | None = None,
    platform: str | None = None,
    actor: Any = None,
) -> ActionResult:
    """Execute one action as the account, through its proxy, and audit it. A refusal by the
    platform is a result with success False. Raises NotFound, InvalidArgument (unknown action
    type, wrong platform) and Conflict (the account may not act now, or has no proxy)."""
    from accounts.warming.models import ActionType

    if action_type not in ActionType.values:
        raise InvalidArgument(
            f"Unknown action type {action_type!r}.", field="action_type", code="enum"
        )
    account = _platform_account(account_id=account_id, platform=platform)
    if account.status not in ACTING:
        raise Conflict(f"The account is {account.status}; only active accounts act.")
    proxy = _proxy_ref(account)
    if proxy is None:
        raise Conflict("The account has no proxy; allocate one before acting.")
    request = ActionRequest(
        platform=account.platform,
        account_id=account.pk,
        login=account.login,
        action_type=action_type,
        params=dict(params or {}),
        proxy=proxy,
        # outside a warming task: each call is its own draw of the sandbox
        action_index=uuid.uuid4().int % 2**31,
    )
    result = driver_for(account.platform).execute_action(request=request)
    audit_record(
        action="account.action",
        target_type="account",
        target=str(account.pk),
        outcome=AuditEvent.Outcome.SUCCESS if result.success else AuditEvent.Outcome.ERROR,
        actor=_user(actor),
        data={"action_type": action_type, "error": result.error},
    )
    return result


def account_platform_check(
    *, account_id: int, platform: str | None = None, actor: Any = None
) -> dict[str, Any]:
    """Ask the platform whether the account is usable. A ban or suspension it reports moves
    the fleet's status there (with the history row and audit of a status change) when the
    state machine allows it. Returns {"account_id", "platform_status", "detail", "status",
    "previous_status"}. Raises NotFound and InvalidArgument (wrong platform)."""
    account = _platform_account(account_id=account_id, platform=platform)
    answer = driver_for(account.platform).check_account_status(
        platform=account.platform,
        account_id=account.pk,
        login=account.login,
        proxy=_proxy_ref(account),
    )
    previous = account.status
    status = previous
    reported = answer.status if answer.status in PLATFORM_STATUSES else ""
    if reported in (S.BANNED, S.SUSPENDED) and reported in TRANSITIONS[previous]:
        account_status_change(
            account_id=account.pk,
            new_status=reported,
            reason=f"platform check: {answer.detail or reported}"[:500],
            actor=actor,
        )
        status = reported
    return {
        "account_id": account.pk,
        "platform_status": answer.status,
        "detail": answer.detail,
        "status": status,
        "previous_status": previous,
    }
