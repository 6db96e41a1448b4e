"""Mirroring the provider's online proxies into the shop's inventory.

A sync first fetches every page, then applies the result in one transaction with bulk
statements (a few queries per page, never one per proxy). Nothing is applied when the fetch
fails, so a sync that dies halfway never removes proxies it simply did not get to see.
State changes are conditional UPDATEs, so a product sold meanwhile is never put back on sale.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from config.errors import Conflict
from secrets_app.jobs import tracked_job
from secrets_app.models import AuditEvent
from secrets_app.registry import setting_get
from secrets_app.services.audit import audit_record

from ..cache import catalog_bump
from ..models import Product, ProductState, SyncRun
from ..provider import ProviderClient, ProviderError, ProviderItem
from .common import SYNC_JOB, actor_name, provider_failure

SYNC_FIELDS = [
    "ip",
    "country",
    "country_code",
    "city",
    "region",
    "zip",
    "isp",
    "org",
    "speed",
    "type",
    "provider_status",
    "datestamp",
]


def _values(item: ProviderItem) -> dict:
    return {
        "ip": item.ip,
        "country": item.country,
        "country_code": item.country_code,
        "city": item.city,
        "region": item.region,
        "zip": item.zip,
        "isp": item.isp,
        "org": item.org,
        "speed": item.speed,
        "type": item.kind,
        "provider_status": item.status,
        "datestamp": item.datestamp,
    }


@dataclass
class _Fetched:
    items: dict[int, ProviderItem] = field(default_factory=dict)
    received: int = 0
    invalid: int = 0
    total: int = 0
    pages: int = 0


def _fetch(client: ProviderClient, *, page_size: int, country_code: str | None) -> _Fetched:
    fetched = _Fetched()
    for page in client.iter_pages(page_size=page_size, status=1, country_code=country_code):
        fetched.pages += 1
        fetched.received += page.raw_count
        fetched.invalid += page.invalid
        fetched.total = page.total
        for item in page.items:
            if item.status == 1:
                fetched.items[item.proxy_id] = item
    return fetched


def _chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]


@transaction.atomic
def _apply(run: SyncRun, fetched: _Fetched, *, page_size: int, country_code: str | None) -> None:
    now = timezone.now()
    ids = list(fetched.items)
    added: list[Product] = []
    changed: list[Product] = []
    reappeared: list[int] = []
    for chunk in _chunks(ids, page_size):
        existing = {
            p.proxy_id: p
            for p in Product.objects.filter(proxy_id__in=chunk).only(
                "id", "proxy_id", "state", *SYNC_FIELDS
            )
        }
        for proxy_id in chunk:
            values = _values(fetched.items[proxy_id])
            product = existing.get(proxy_id)
            if product is None:
                added.append(Product(proxy_id=proxy_id, created_at=now, updated_at=now, **values))
                continue
            if product.state == ProductState.SOLD:
                continue
            if product.state == ProductState.UNAVAILABLE:
                reappeared.append(product.id)
            if any(getattr(product, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(product, name, value)
                product.updated_at = now
                changed.append(product)
    Product.objects.bulk_create(added, batch_size=page_size)
    if changed:
        Product.objects.bulk_update(changed, [*SYNC_FIELDS, "updated_at"], batch_size=page_size)
    back = 0
    if reappeared:
        back = Product.objects.filter(id__in=reappeared, state=ProductState.UNAVAILABLE).update(
            state=ProductState.AVAILABLE, removed_at=None, updated_at=now
        )
    gone = Product.objects.filter(state=ProductState.AVAILABLE).exclude(proxy_id__in=ids)
    if country_code:
        gone = gone.filter(country_code=country_code)
    removed = gone.update(state=ProductState.UNAVAILABLE, removed_at=now, updated_at=now)
    # a reappeared product counts once even if its fields changed too
    updated = len({p.id for p in changed} | (set(reappeared) if back else set()))
    run.added = len(added)
    run.updated = updated
    run.removed = removed
    run.skipped = max(run.total_fetched - run.added - run.updated, 0)
    catalog_bump()


def proxies_sync(
    *,
    trigger: str = "beat",
    country_code: str | None = None,
    page_size: int | None = None,
    actor=None,
    request=None,
) -> SyncRun:
    """Fetch all online proxies (optionally of one country) and mirror them.

    Adds new ones, updates changed ones, takes missing/offline ones off sale. Returns the
    SyncRun. Raises Conflict when another sync holds the lock, and the provider's typed
    error (503/502) when the fetch fails; either way nothing half-done is applied and the
    run is recorded.
    """
    country_code = (country_code or "").upper() or None
    page_size = page_size or setting_get("proxyshop.sync_page_size")
    who = actor_name(actor)
    with tracked_job(SYNC_JOB, lock_ttl=setting_get("proxyshop.sync_lock_ttl")) as job:
        if job is None:
            SyncRun.objects.create(
                trigger=trigger,
                status=SyncRun.Status.SKIPPED,
                country_code=country_code or "",
                page_size=page_size,
                finished_at=timezone.now(),
                duration=0,
                actor=who,
                error="Another sync is running.",
            )
            raise Conflict("Another sync is running; try again when it has finished.")
        run = SyncRun.objects.create(
            trigger=trigger, country_code=country_code or "", page_size=page_size, actor=who
        )
        started = time.monotonic()
        try:
            with ProviderClient() as client:
                fetched = _fetch(client, page_size=page_size, country_code=country_code)
            run.total_fetched = fetched.received
            run.total_available_external = fetched.total
            run.invalid = fetched.invalid
            run.pages = fetched.pages
            _apply(run, fetched, page_size=page_size, country_code=country_code)
        except ProviderError as exc:
            _finish(run, started, error=exc.message)
            job.result = {"sync_run": run.pk, "error": exc.message}
            audit_record(
                action="proxyshop.sync",
                target_type="sync_run",
                target=str(run.pk),
                outcome=AuditEvent.Outcome.ERROR,
                actor=actor,
                request=request,
                data={"trigger": trigger, "error": exc.message},
            )
            raise provider_failure(exc, charged=True) from exc
        except Exception as exc:
            _finish(run, started, error=f"{type(exc).__name__}: {exc}")
            raise
        _finish(run, started)
        job.result = {
            "sync_run": run.pk,
            "added": run.added,
            "updated": run.updated,
            "removed": run.removed,
        }
        audit_record(
            action="proxyshop.sync",
            target_type="sync_run",
            target=str(run.pk),
            actor=actor,
            request=request,
            data={
                "trigger": trigger,
                "country_code": country_code,
                "fetched": run.total_fetched,
                "added": run.added,
                "updated": run.updated,
                "removed": run.removed,
                "skipped": run.skipped,
            },
        )
        return run


def _finish(run: SyncRun, started: float, *, error: str = "") -> None:
    run.duration = round(time.monotonic() - started, 3)
    run.finished_at = timezone.now()
    run.status = SyncRun.Status.FAILED if error else SyncRun.Status.SUCCESS
    run.error = error[:2000]
    run.save()


def inventory_cleanup(*, actor=None, request=None) -> int:
    """Take off sale the proxies the provider reports offline, then delete every off-sale
    product that was never sold. Returns how many products left the inventory."""
    page_size = setting_get("proxyshop.sync_page_size")
    offline: list[int] = []
    try:
        with ProviderClient() as client:
            for page in client.iter_pages(page_size=page_size, status=0):
                offline += [item.proxy_id for item in page.items if item.status != 1]
    except ProviderError as exc:
        raise provider_failure(exc, charged=True) from exc
    now = timezone.now()
    with transaction.atomic():
        for chunk in _chunks(offline, 5000):
            Product.objects.filter(proxy_id__in=chunk, state=ProductState.AVAILABLE).update(
                state=ProductState.UNAVAILABLE, removed_at=now, updated_at=now
            )
        removed, _ = Product.objects.filter(
            state=ProductState.UNAVAILABLE, order__isnull=True
        ).delete()
        catalog_bump()
        audit_record(
            action="proxyshop.cleanup",
            target_type="inventory",
            actor=actor,
            request=request,
            data={"offline_reported": len(offline), "removed": removed},
        )
    return removed
