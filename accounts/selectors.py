"""Reads of the account fleet (lists with filters, dashboard numbers)."""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import Count, Q, QuerySet

from .models import Account, AccountStatus, Platform, Proxy, SmsActivation


def _has_tag(tag: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(tags__contains=[tag])
    # SQLite (embedded mode) has no JSON containment: match the JSON-encoded element.
    return Q(tags__icontains=json.dumps(tag))


def account_list(
    *,
    platform: str = "",
    status: str = "",
    tag: str = "",
    has_proxy: bool | None = None,
    q: str = "",
) -> QuerySet[Account]:
    """Accounts matching every given filter, newest first. `q` searches logins and tags."""
    qs = Account.objects.all().order_by("-created_at", "-id")
    if platform:
        qs = qs.filter(platform=platform)
    if status:
        qs = qs.filter(status=status)
    if tag:
        qs = qs.filter(_has_tag(tag))
    if has_proxy is not None:
        qs = qs.filter(proxy__isnull=not has_proxy)
    if q:
        qs = qs.filter(Q(login__icontains=q) | _has_tag(q))
    return qs


def proxy_list(
    *,
    health: str = "",
    country: str = "",
    provider: str = "",
    free: bool | None = None,
) -> QuerySet[Proxy]:
    qs = Proxy.objects.annotate(bound_accounts=Count("accounts")).order_by("id")
    if health:
        qs = qs.filter(health=health)
    if country:
        qs = qs.filter(country__iexact=country)
    if provider:
        qs = qs.filter(provider__iexact=provider)
    if free is not None:
        qs = qs.filter(bound_accounts=0) if free else qs.filter(bound_accounts__gt=0)
    return qs


def sms_activation_list(*, status: str = "", service: str = "") -> QuerySet[SmsActivation]:
    qs = SmsActivation.objects.all().order_by("-created_at")
    if status:
        qs = qs.filter(status=status)
    if service:
        qs = qs.filter(service=service)
    return qs


def fleet_dashboard() -> dict:
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
