"""Proxy health: probe (outside any transaction), then record the result under the proxy lock.

`accounts.proxy_max_failures` consecutive failures mark the proxy dead and free its accounts
(they get a live proxy at their next allocation); one success makes it alive again.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import audit_record
from core.errors import NotFound
from core.registry import settings_get_many

from .. import proxycheck
from ..models import Account, Proxy, ProxyCheck


@dataclass
class HealthReport:
    proxy_id: int
    healthy: bool
    health: str
    latency_ms: int | None
    error: str
    consecutive_failures: int
    checked_at: datetime
    released_accounts: list[int] = field(default_factory=list)


def _probe(proxy: Proxy, timeout: float) -> proxycheck.ProbeResult:
    return proxycheck.probe(
        host=proxy.host,
        port=proxy.port,
        protocol=proxy.protocol,
        username=proxy.username,
        password=proxy.password or "",
        timeout=timeout,
    )


@transaction.atomic
def proxy_record_check(
    *, proxy_id: int, result: proxycheck.ProbeResult, actor: Any = None
) -> HealthReport:
    """Store one probe result; on the failure threshold mark the proxy dead, free its accounts."""
    max_failures = settings_get_many(["accounts.proxy_max_failures"])["accounts.proxy_max_failures"]
    proxy = Proxy.objects.select_for_update().filter(pk=proxy_id).first()
    if proxy is None:
        raise NotFound("Proxy not found.")
    now = timezone.now()
    before = proxy.health
    released: list[int] = []
    ProxyCheck.objects.create(
        proxy=proxy, ok=result.ok, latency_ms=result.latency_ms, error=result.error[:255]
    )
    proxy.last_checked_at = now
    if result.ok:
        proxy.health = Proxy.Health.ALIVE
        proxy.consecutive_failures = 0
        proxy.last_latency_ms = result.latency_ms
        proxy.last_error = ""
    else:
        proxy.consecutive_failures += 1
        proxy.last_error = result.error[:255]
        if proxy.consecutive_failures >= max_failures:
            proxy.health = Proxy.Health.DEAD
            # Bindings change only under the proxy lock, which this transaction holds.
            released = list(
                Account.objects.filter(proxy=proxy).order_by("id").values_list("id", flat=True)
            )
            Account.objects.filter(pk__in=released).update(
                proxy=None, proxy_assigned_at=None, updated_at=now
            )
    proxy.save()
    if proxy.health != before or released:
        audit_kwargs = {"accessor": actor} if isinstance(actor, str) else {"actor": actor}
        audit_record(
            action="proxy.health_change",
            target_type="proxy",
            target=str(proxy.pk),
            data={
                "from": before,
                "to": proxy.health,
                "error": proxy.last_error,
                "released_accounts": released,
            },
            **audit_kwargs,
        )
    return HealthReport(
        proxy_id=proxy.pk,
        healthy=result.ok,
        health=proxy.health,
        latency_ms=result.latency_ms,
        error=result.error,
        consecutive_failures=proxy.consecutive_failures,
        checked_at=now,
        released_accounts=released,
    )


def _timeout() -> float:
    return float(
        settings_get_many(["accounts.proxy_check_timeout"])["accounts.proxy_check_timeout"]
    )


def proxy_check_health(*, proxy_id: int, actor: Any = None) -> HealthReport:
    """CheckHealth: probe the proxy now and record the result. Raises NotFound."""
    proxy = Proxy.objects.filter(pk=proxy_id).first()
    if proxy is None:
        raise NotFound("Proxy not found.")
    result = _probe(proxy, _timeout())
    return proxy_record_check(proxy_id=proxy.pk, result=result, actor=actor)


def proxies_check_all(*, max_parallel: int = 16) -> dict[str, Any]:
    """Check every enabled, unexpired proxy (probes in parallel threads, writes in this one)."""
    now = timezone.now()
    proxies = list(
        Proxy.objects.filter(is_disabled=False).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )
    )
    timeout = _timeout()
    with ThreadPoolExecutor(max_workers=max(1, min(max_parallel, len(proxies) or 1))) as pool:
        results = list(pool.map(lambda p: _probe(p, timeout), proxies))
    summary = {"checked": 0, "alive": 0, "failed": 0, "died": 0, "released_accounts": 0}
    for proxy, result in zip(proxies, results, strict=True):
        try:
            report = proxy_record_check(proxy_id=proxy.pk, result=result, actor="proxy-health")
        except NotFound:
            continue
        summary["checked"] += 1
        summary["alive" if report.healthy else "failed"] += 1
        if report.health == Proxy.Health.DEAD and proxy.health != Proxy.Health.DEAD:
            summary["died"] += 1
        summary["released_accounts"] += len(report.released_accounts)
    return summary
