"""Proxies for accounts: adding to the pool, allocation, release, rotation.

Race-freedom of allocation: the account row is locked first (one allocation per account at a
time), then candidate proxies are locked one at a time with `FOR UPDATE SKIP LOCKED`; the
number of accounts bound to a locked proxy is counted by a fresh statement *after* the lock is
held. Every binding to a proxy is made under that proxy's lock, so the count cannot be stale
and no proxy ever carries more than `accounts.max_accounts_per_proxy` accounts. A proxy held by
a concurrent allocation is skipped instead of waited for; when nothing is left, the caller gets
ResourceExhausted ("no free proxy", HTTP 429).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.audit import audit_record
from core.errors import (
    AlreadyExists,
    DomainError,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
)
from core.ints import is_int_text
from core.models import AuditEvent
from core.networks import is_host
from core.registry import setting_get

from ..models import Account, AccountStatus, Proxy

NO_FREE_PROXY = "no free proxy"


def _actor_kwargs(actor: Any) -> dict[str, Any]:
    if isinstance(actor, str):
        return {"accessor": actor}
    return {"actor": actor}


def live_proxies() -> QuerySet[Proxy]:
    """Proxies that may be handed out: not dead, not disabled, not expired."""
    now = timezone.now()
    return (
        Proxy.objects.filter(is_disabled=False)
        .exclude(health=Proxy.Health.DEAD)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    )


def proxy_create(
    *,
    host: str,
    port: int,
    protocol: str = Proxy.Protocol.SOCKS5,
    username: str = "",
    password: str = "",
    country: str = "",
    provider: str = "",
    expires_at: datetime | None = None,
    source: str = Proxy.Source.MANUAL,
    source_ref: str = "",
    actor: Any = None,
) -> Proxy:
    """Add one proxy to the pool. Raises InvalidArgument or Conflict (same host/port/user)."""
    host = (host or "").strip()
    if not host or any(c.isspace() for c in host):
        raise InvalidArgument("A host is required.", field="host")
    if not is_host(host):
        raise InvalidArgument(
            "The host must be an IP address or a DNS name (letters, digits, hyphens, dots).",
            field="host",
        )
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidArgument("The port must be between 1 and 65535.", field="port")
    if protocol not in Proxy.Protocol.values:
        raise InvalidArgument(
            f"Unknown protocol {protocol!r}; expected one of {', '.join(Proxy.Protocol.values)}.",
            field="protocol",
        )
    try:
        with transaction.atomic():
            proxy = Proxy.objects.create(
                host=host,
                port=port,
                protocol=protocol,
                username=username or "",
                password=password or None,
                country=(country or "").upper()[:2],
                provider=provider or "",
                expires_at=expires_at,
                source=source,
                source_ref=source_ref,
            )
            audit_record(
                action="proxy.create",
                target_type="proxy",
                target=str(proxy.pk),
                data={"endpoint": f"{host}:{port}", "source": source, "ref": source_ref},
                **_actor_kwargs(actor),
            )
    except IntegrityError:
        raise AlreadyExists(
            f"The proxy {host}:{port} ({username or 'no user'}) is already in the pool."
        )
    return proxy


def parse_proxy_line(line: str) -> dict[str, Any]:
    """`host:port` or `host:port:user:pass` (the password may contain ':'). Raises ValueError."""
    parts = line.strip().split(":")
    if len(parts) < 2 or not parts[0]:
        raise ValueError("expected host:port or host:port:user:pass")
    host, port_text = parts[0], parts[1]
    if not is_int_text(port_text):
        raise ValueError(f"port {port_text!r} is not a number")
    username = parts[2] if len(parts) > 2 else ""
    password = ":".join(parts[3:]) if len(parts) > 3 else ""
    if len(parts) == 3:
        raise ValueError("a user needs a password: host:port:user:pass")
    return {"host": host, "port": int(port_text), "username": username, "password": password}


def proxies_import_lines(
    *,
    lines: list[str],
    protocol: str = Proxy.Protocol.SOCKS5,
    country: str = "",
    provider: str = "",
    expires_at: datetime | None = None,
    actor: Any = None,
) -> dict[str, Any]:
    """Add every good line; report the others. Returns {"created": [Proxy], "errors": [...]}."""
    created, errors = [], []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            fields = parse_proxy_line(line)
            created.append(
                proxy_create(
                    **fields,
                    protocol=protocol,
                    country=country,
                    provider=provider,
                    expires_at=expires_at,
                    source=Proxy.Source.IMPORT,
                    actor=actor,
                )
            )
        except ValueError as exc:
            errors.append({"line": index + 1, "error": str(exc)})
        except DomainError as exc:
            errors.append({"line": index + 1, "error": exc.message})
    return {"created": created, "errors": errors}


def _bound_count(proxy_id: int) -> int:
    return Account.objects.filter(proxy_id=proxy_id).count()


def _lock_account(account_id: int) -> Account:
    account = Account.objects.select_for_update(of=("self",)).filter(pk=account_id).first()
    if account is None:
        raise NotFound("Account not found.")
    return account


def _pick_and_bind(
    *,
    account: Account,
    preferred_country: str,
    preferred_provider: str,
    exclude_ids: set[int],
) -> Proxy | None:
    """Lock a free live proxy (preferred ones first) and bind the account; None if none."""
    limit = setting_get("accounts.max_accounts_per_proxy")
    bound = Subquery(
        Account.objects.filter(proxy_id=OuterRef("pk"))
        .order_by()
        .values("proxy_id")
        .annotate(n=Count("id"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    preference: Combinable = Value(0, output_field=IntegerField())
    if preferred_country:
        preference = preference + Case(
            When(country__iexact=preferred_country, then=Value(2)),
            default=Value(0),
            output_field=IntegerField(),
        )
    if preferred_provider:
        preference = preference + Case(
            When(provider__iexact=preferred_provider, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    candidates = (
        live_proxies()
        .alias(bound=Coalesce(bound, 0), pref=preference)
        .filter(bound__lt=limit)
        .order_by("-pref", "bound", "last_latency_ms", "id")
    )
    tried = set(exclude_ids)
    while True:
        proxy = (
            candidates.exclude(pk__in=tried)
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if proxy is None:
            return None
        # Counted after the lock is held: the pre-filter above may have read an older snapshot.
        if _bound_count(proxy.pk) < limit:
            account.proxy = proxy
            account.proxy_assigned_at = timezone.now()
            account.save(update_fields=["proxy", "proxy_assigned_at", "updated_at"])
            return proxy
        tried.add(proxy.pk)


def proxy_allocate(
    *,
    account_id: int,
    platform: str = "",
    preferred_country: str = "",
    preferred_provider: str = "",
    actor: Any = None,
) -> Proxy:
    """The account's proxy: its current one if still live, else a free live proxy.

    Raises NotFound (account), InvalidArgument (platform does not match, account deleted) and
    ResourceExhausted("no free proxy") when every live proxy already carries the maximum.
    """
    try:
        return _allocate(
            account_id=account_id,
            platform=platform,
            preferred_country=preferred_country,
            preferred_provider=preferred_provider,
            actor=actor,
        )
    except ResourceExhausted:
        audit_record(
            action="proxy.allocate",
            target_type="account",
            target=str(account_id),
            outcome=AuditEvent.Outcome.DENIED,
            data={"refused": NO_FREE_PROXY},
            **_actor_kwargs(actor),
        )
        raise


@transaction.atomic
def _allocate(
    *,
    account_id: int,
    platform: str,
    preferred_country: str,
    preferred_provider: str,
    actor: Any,
) -> Proxy:
    account = _lock_account(account_id)
    if platform and platform != account.platform:
        raise InvalidArgument(
            f"The account is on {account.platform}, not {platform}.", field="platform"
        )
    if account.status == AccountStatus.DELETED:
        raise InvalidArgument("A deleted account gets no proxy.", field="account_id")
    previous = account.proxy
    if previous is not None and previous.is_live:
        return previous
    proxy = _pick_and_bind(
        account=account,
        preferred_country=preferred_country,
        preferred_provider=preferred_provider,
        exclude_ids=set(),
    )
    if proxy is None:
        raise ResourceExhausted(NO_FREE_PROXY)
    audit_record(
        action="proxy.allocate",
        target_type="account",
        target=str(account.pk),
        data={"proxy_id": proxy.pk, "replaced_dead_proxy_id": getattr(previous, "pk", None)},
        **_actor_kwargs(actor),
    )
    return proxy


@transaction.atomic
def proxy_release(*, account_id: int, actor: Any = None) -> int | None:
    """Unbind the account's proxy; returns the released proxy id (None if it had none)."""
    account = _lock_account(account_id)
    proxy_id = account.proxy_id
    if proxy_id is None:
        return None
    account.proxy = None
    account.proxy_assigned_at = None
    account.save(update_fields=["proxy", "proxy_assigned_at", "updated_at"])
    audit_record(
        action="proxy.release",
        target_type="account",
        target=str(account.pk),
        data={"proxy_id": proxy_id},
        **_actor_kwargs(actor),
    )
    return proxy_id


def proxy_rotate(*, account_id: int, actor: Any = None) -> Proxy:
    """Give the account a different live proxy and release the old one.

    The old binding stays if no other proxy is free (ResourceExhausted, nothing changes).
    """
    try:
        return _rotate(account_id=account_id, actor=actor)
    except ResourceExhausted:
        audit_record(
            action="proxy.rotate",
            target_type="account",
            target=str(account_id),
            outcome=AuditEvent.Outcome.DENIED,
            data={"refused": NO_FREE_PROXY},
            **_actor_kwargs(actor),
        )
        raise


@transaction.atomic
def _rotate(*, account_id: int, actor: Any) -> Proxy:
    account = _lock_account(account_id)
    if account.status == AccountStatus.DELETED:
        raise InvalidArgument("A deleted account gets no proxy.", field="account_id")
    old_id = account.proxy_id
    proxy = _pick_and_bind(
        account=account,
        preferred_country=account.proxy.country if account.proxy else "",
        preferred_provider=account.proxy.provider if account.proxy else "",
        exclude_ids={old_id} if old_id else set(),
    )
    if proxy is None:
        raise ResourceExhausted(NO_FREE_PROXY)
    audit_record(
        action="proxy.rotate",
        target_type="account",
        target=str(account.pk),
        data={"old_proxy_id": old_id, "proxy_id": proxy.pk},
        **_actor_kwargs(actor),
    )
    return proxy


def proxy_for_account(*, account_id: int) -> Proxy:
    """The account's bound proxy; NotFound when the account has none."""
    account = Account.objects.select_related("proxy").filter(pk=account_id).first()
    if account is None:
        raise NotFound("Account not found.")
    if account.proxy is None:
        raise NotFound("The account has no proxy.")
    return account.proxy


def proxy_update(*, proxy: Proxy, changed: list[str], actor: Any = None) -> Proxy:
    """Save an edited proxy (admin form); audited with the names of the changed fields only."""
    with transaction.atomic():
        proxy.save()
        audit_record(
            action="proxy.update",
            target_type="proxy",
            target=str(proxy.pk),
            data={"changed": sorted(changed)},
            **_actor_kwargs(actor),
        )
    return proxy


def proxies_set_disabled(*, proxy_ids: list[int], disabled: bool, actor: Any = None) -> int:
    """Disable (no new allocations; bound accounts keep their proxy) or enable proxies."""
    with transaction.atomic():
        count = Proxy.objects.filter(pk__in=proxy_ids).update(is_disabled=disabled)
        audit_record(
            action="proxy.disable" if disabled else "proxy.enable",
            target_type="proxy",
            target=",".join(map(str, proxy_ids))[:500],
            data={"count": count},
            **_actor_kwargs(actor),
        )
    return count
