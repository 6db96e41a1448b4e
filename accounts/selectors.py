"""Reads of the account fleet (lists with filters, dashboard numbers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, QuerySet

from core.errors import NotFound
from core.filters import filter_queryset

from .filters import AccountFilter, ProxyFilter
from .models import Account, AccountStatus, Platform, Proxy, SmsActivation


def account_list(
    *, filters: Mapping[str, Any] | None = None, lenient: bool = False
) -> QuerySet[Account]:
    """Accounts matching `filters` (AccountFilter: platform, status, tag, has_proxy, q), newest
    first. Bad filter values raise InvalidArgument, or are ignored with `lenient`."""
    qs = Account.objects.all().order_by("-created_at", "-id")
    return filter_queryset(AccountFilter, filters, qs, lenient=lenient)


def account_get(*, account_id: int) -> Account:
    """One account (GetAccount); NotFound when there is none."""
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise NotFound("Account not found.")
    return account


def proxy_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Proxy]:
    """Proxies with `bound_accounts`, matching `filters` (ProxyFilter), oldest first."""
    qs = Proxy.objects.annotate(bound_accounts=Count("accounts")).order_by("id")
    return filter_queryset(ProxyFilter, filters, qs)


def fleet_dashboard() -> dict[str, Any]:
    """Accounts by platform × status, and proxy health counts, for the admin dashboard."""
    counts = {
        (row["platform"], row["status"]): row["n"]
        for row in Account.objects.values("platform", "status").annotate(n=Count("id"))
    }
    rows = []
    for platform in Platform:
        cells = [counts.get((platform.value, status.value), 0) for status in AccountStatus]
        rows.append({"platform": platform.label, "cells": cells, "total": sum(cells)})
    totals = [sum(r["cells"][i] for r in rows) for i in range(len(AccountStatus))]
    proxies = dict(Proxy.objects.values_list("health").annotate(n=Count("id")))
    bound = Proxy.objects.filter(accounts__isnull=False).distinct().count()
    return {
        "statuses": [s.label for s in AccountStatus],
        "rows": rows,
        "totals": totals,
        "total": sum(totals),
        "proxies": {h.label: proxies.get(h.value, 0) for h in Proxy.Health},
        "proxies_total": Proxy.objects.count(),
        "proxies_in_use": bound,
        "sms": dict(SmsActivation.objects.values_list("status").annotate(n=Count("id"))),
    }
