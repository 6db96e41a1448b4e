"""Reads of the proxy shop: catalogue (cached), orders, balance, stats, scheduler, fleet."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.authority import actor_allows
from core.errors import Conflict, InvalidArgument, NotFound
from core.filters import filter_queryset
from core.locks import job_is_locked
from core.registry import setting_get, settings_get_many
from secrets_app.models import User

from .cache import catalog_cached
from .filters import CatalogFilter
from .models import (
    LedgerEntry,
    Order,
    OrderStatus,
    Product,
    ProductState,
    SyncRun,
    Wallet,
)

SYNC_TASK_NAME = "proxyshop: sync provider inventory"
SYNC_JOB = "proxyshop.sync"


def catalog_queryset(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Product]:
    """Products for sale matching the catalogue filters (CatalogFilter)."""
    qs = Product.objects.filter(state=ProductState.AVAILABLE)
    return filter_queryset(CatalogFilter, filters, qs)


def _money(value: Decimal | int) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def catalog_page(*, filters: dict[str, Any], page: int, page_size: int) -> dict[str, Any]:
    """The contract's list shape: {proxies, total, page (0-based), page_size}; cached."""
    values = settings_get_many(
        ["proxyshop.price", "proxyshop.catalog_cache_seconds", "proxyshop.page_size_max"]
    )
    if page < 0:
        raise InvalidArgument("page starts at 0.", field="page", location="query")
    if not 1 <= page_size <= values["proxyshop.page_size_max"]:
        raise InvalidArgument(
            f"page_size must be between 1 and {values['proxyshop.page_size_max']}.",
            field="page_size",
            location="query",
        )
    price = _money(values["proxyshop.price"])

    def compute() -> dict[str, Any]:
        qs = catalog_queryset(filters=filters).order_by("id")
        rows = qs[page * page_size : (page + 1) * page_size].values(
            "id", "proxy_id", "country", "country_code", "city", "isp", "type", "speed"
        )
        return {
            "proxies": [
                {
                    "product_id": row["id"],
                    "proxy_id": row["proxy_id"],
                    "country": row["country"],
                    "country_code": row["country_code"],
                    "city": row["city"],
                    "ISP": row["isp"],
                    "price": price,
                    "status": 1,
                    "type": row["type"],
                    "speed": row["speed"],
                }
                for row in rows
            ],
            "total": qs.count(),
            "page": page,
            "page_size": page_size,
        }

    params = {**filters, "page": page, "page_size": page_size, "price": str(price)}
    return catalog_cached("list", params, values["proxyshop.catalog_cache_seconds"], compute)


def catalog_countries() -> list[dict[str, Any]]:
    """Countries with proxies for sale and how many, most first; cached."""

    def compute() -> list[dict[str, Any]]:
        rows = (
            Product.objects.filter(state=ProductState.AVAILABLE)
            .values("country_code", "country")
            .annotate(count=Count("id"))
            .order_by("-count", "country_code")
        )
        merged: dict[str, dict[str, Any]] = {}
        for row in rows:
            entry = merged.setdefault(
                row["country_code"],
                {"country_code": row["country_code"], "country": row["country"], "count": 0},
            )
            entry["count"] += row["count"]
        return sorted(merged.values(), key=lambda r: (-r["count"], r["country_code"]))

    return catalog_cached("countries", {}, setting_get("proxyshop.catalog_cache_seconds"), compute)


def catalog_cities(*, country_code: str) -> list[dict[str, Any]]:
    """Cities of one country with proxies for sale and how many, most first; cached."""
    code = country_code.upper()

    def compute() -> list[dict[str, Any]]:
        rows = (
            Product.objects.filter(state=ProductState.AVAILABLE, country_code=code)
            .exclude(city="")
            .values("city")
            .annotate(count=Count("id"))
            .order_by("-count", "city")
        )
        return [{"city": row["city"], "count": row["count"]} for row in rows[:100]]

    return catalog_cached(
        "cities", {"country_code": code}, setting_get("proxyshop.catalog_cache_seconds"), compute
    )


def product_for_sale(*, product_id: int) -> dict[str, Any] | None:
    """One product still for sale, as the catalogue shows it; None when sold or gone."""
    return cast(
        "dict[str, Any] | None",
        Product.objects.filter(pk=product_id, state=ProductState.AVAILABLE)
        .values("id", "proxy_id", "country", "country_code", "city", "isp", "type", "speed")
        .first(),
    )


# --- orders ---
def order_list(*, user: User) -> QuerySet[Order]:
    return Order.objects.filter(user=user).select_related("product")


def order_get(*, user: User, order_id: str) -> Order:
    """One order of `user` (admins see every order); NotFound otherwise."""
    order = Order.objects.select_related("product", "user").filter(order_id=order_id).first()
    if order is None or (order.user_id != user.pk and not actor_allows("orders.any", user=user)):
        raise NotFound("Unknown order.")
    return order


def order_refund_eligible(order: Order) -> bool:
    """Whether a refund may be asked (the provider still decides whether it is offline)."""
    from .services.refund import refund_refusal

    return refund_refusal(order) is None


def order_export_rows(*, user: User) -> list[dict[str, Any]]:
    orders = Order.objects.filter(user=user, status=OrderStatus.ACTIVE).order_by("created_at")
    return [{"order_id": o.order_id, "expires_at": o.expires_at, **o.credentials} for o in orders]


# --- wallet ---
def wallet_balance(*, user: User) -> Decimal:
    wallet = Wallet.objects.filter(user=user).first()
    return wallet.balance if wallet else Decimal("0.00")


def ledger_entries(*, user: User) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(wallet__user=user).select_related("order")


def ledger_mismatches() -> list[dict[str, Any]]:
    """Wallets whose balance differs from the sum of their entries (should be none), plus
    entries whose running balance_after disagrees with the wallet history."""
    rows = (
        Wallet.objects.annotate(total=Sum("entries__amount")).select_related("user").order_by("id")
    )
    out = []
    for wallet in rows:
        total = wallet.total or Decimal("0.00")
        if total != wallet.balance:
            out.append({"user": wallet.user.username, "balance": wallet.balance, "sum": total})
    return out


# --- admin ---
def shop_stats() -> dict[str, Any]:
    orders = Order.objects.aggregate(
        sold=Count("id"),
        refunded=Count("id", filter=Q(status=OrderStatus.REFUNDED)),
        # a pending refund has not given the money back (yet)
        revenue=Sum("price", filter=Q(status__in=[OrderStatus.ACTIVE, OrderStatus.REFUND_PENDING])),
    )
    available = Product.objects.filter(state=ProductState.AVAILABLE)
    last = SyncRun.objects.filter(status=SyncRun.Status.SUCCESS).order_by("-sync_time").first()
    return {
        "total_inventory": available.count(),
        "total_sold": orders["sold"],
        "total_refunded": orders["refunded"],
        "revenue": _money(orders["revenue"] or 0),
        "countries_available": available.values("country_code").distinct().count(),
        "last_sync": last.sync_time if last else None,
    }


def sync_recent_outcomes(*, limit: int) -> list[dict[str, Any]]:
    """The newest `limit` finished syncs (skipped and running ones left out), newest first:
    id, succeeded, error, sync_time."""
    rows = (
        SyncRun.objects.filter(status__in=[SyncRun.Status.SUCCESS, SyncRun.Status.FAILED])
        .order_by("-sync_time", "-id")
        .values("id", "status", "error", "sync_time")[:limit]
    )
    return [
        {
            "id": row["id"],
            "succeeded": row["status"] == SyncRun.Status.SUCCESS,
            "error": row["error"],
            "sync_time": row["sync_time"],
        }
        for row in rows
    ]


def scheduler_status() -> dict[str, Any]:
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.select_related("interval").filter(name=SYNC_TASK_NAME).first()
    last = SyncRun.objects.exclude(status=SyncRun.Status.SKIPPED).order_by("-sync_time").first()
    last_failed = (
        SyncRun.objects.filter(status=SyncRun.Status.FAILED).order_by("-sync_time").first()
    )
    interval = None
    next_run = None
    if task is not None and task.interval is not None:
        interval = task.interval.every * {
            "days": 1440,
            "hours": 60,
            "minutes": 1,
            "seconds": 1 / 60,
            "microseconds": 0,
        }.get(task.interval.period, 1)
        base = task.last_run_at or (last.sync_time if last else None)
        next_run = (base + timedelta(minutes=interval)) if base else timezone.now()
    return {
        "enabled": bool(task and task.enabled),
        "interval_minutes": interval,
        "last_run": last,
        "next_run": next_run,
        "last_error": last_failed.error if last_failed else "",
        "last_error_at": last_failed.sync_time if last_failed else None,
        "running": job_is_locked(SYNC_JOB),
    }


def dashboard_data(*, days: int = 14) -> dict[str, Any]:
    since = timezone.now() - timedelta(days=days)
    per_day = (
        Order.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(sales=Count("id"), revenue=Sum("price"))
        .order_by("day")
    )
    refunds = dict(
        Order.objects.filter(refunded_at__gte=since)
        .annotate(day=TruncDate("refunded_at"))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days_rows = [
        {
            "day": row["day"],
            "sales": row["sales"],
            "revenue": row["revenue"] or 0,
            "refunds": refunds.get(row["day"], 0),
        }
        for row in per_day
    ]
    for day, n in refunds.items():
        if not any(r["day"] == day for r in days_rows):
            days_rows.append({"day": day, "sales": 0, "revenue": 0, "refunds": n})
    days_rows.sort(key=lambda r: r["day"])
    countries = list(
        Product.objects.filter(state=ProductState.AVAILABLE)
        .values("country_code")
        .annotate(n=Count("id"))
        .order_by("-n")[:20]
    )
    return {
        "days": days_rows,
        "countries": countries,
        "stats": shop_stats(),
        "runs": list(SyncRun.objects.order_by("-sync_time")[:10]),
    }


# --- fleet ---
def order_credentials_for_fleet(*, order_id: str, actor: Any = None) -> dict[str, Any]:
    """Decrypted connection data of a bought proxy, for the accounts domain to import into its
    pool: host, port (int), username, password, country (ISO code), expires_at.
    Only the buyer or an admin may take an order's proxy: for anyone else (and with no actor)
    the order does not exist. Raises NotFound for an unknown order, Conflict for a refunded
    one or one whose refund is pending (its proxy may already be refunded at the provider)."""
    order = Order.objects.select_related("product").filter(order_id=order_id).first()
    if order is None or not (
        order.user_id == getattr(actor, "pk", None) or actor_allows("orders.any", user=actor)
    ):
        raise NotFound("Unknown order.")
    if order.status == OrderStatus.REFUNDED:
        raise Conflict("This order was refunded; its proxy is no longer usable.")
    if order.status == OrderStatus.REFUND_PENDING:
        raise Conflict(
            "A refund of this order is being checked with the provider; its proxy may no "
            "longer be usable. Import it once the order is active again."
        )
    creds = order.credentials
    port = str(creds.get("port") or "")
    return {
        "host": creds.get("ip", ""),
        "port": int(port) if port.isdigit() else None,
        "username": creds.get("login", ""),
        "password": creds.get("password", ""),
        "country": order.product.country_code[:2],
        "expires_at": order.expires_at,
    }
