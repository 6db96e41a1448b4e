"""Mirroring the provider's online proxies into the shop's inventory.

A sync first fetches every page, then applies the result in one transaction with bulk
statements (a few queries per page, never one per proxy). Nothing is applied when the fetch
fails, so a sync that dies halfway never removes proxies it simply did not get to see.
State changes are conditional UPDATEs, so a product sold meanwhile is never put back on sale.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connection, transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import Conflict
from core.jobs import JobRecorder, tracked_job
from core.models import AuditEvent
from core.registry import setting_get

from ..cache import catalog_bump
from ..models import Product, ProductState, SyncRun
from ..provider import ProviderClient, ProviderError, ProviderItem
from ..signals import notify, sync_finished
from .common import SYNC_JOB, actor_name, provider_failure

# The contract's troubleshooting (docs/contracts.md) greps the logs for "external proxy" and
# "sync": INFO on success, ERROR on failure, one line per run.
logger = logging.getLogger("proxyshop.sync")

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

T = TypeVar("T")


def _values(item: ProviderItem) -> dict[str, Any]:
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


def _chunks(values: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# PostgreSQL types of the columns a sync writes, for the array-based bulk statements.
_PG_TYPES = {
    "id": "bigint",
    "proxy_id": "bigint",
    "ip": "varchar",
    "country": "varchar",
    "country_code": "varchar",
    "city": "varchar",
    "region": "varchar",
    "zip": "varchar",
    "isp": "varchar",
    "org": "varchar",
    "speed": "integer",
    "type": "varchar",
    "provider_status": "smallint",
    "datestamp": "varchar",
    "state": "varchar",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
}


def _insert(rows: list[dict[str, Any]]) -> None:
    """One INSERT per chunk. On PostgreSQL the rows travel as column arrays (unnest): Django's
    bulk_create compiles every value in Python and is several times slower at 10k rows."""
    if connection.vendor != "postgresql":
        Product.objects.bulk_create([Product(**row) for row in rows])
        return
    columns = list(rows[0])
    casts = ", ".join(f"%s::{_PG_TYPES[c]}[]" for c in columns)
    # identifiers come from the fixed _PG_TYPES table, values travel as parameters
    table = Product._meta.db_table
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({casts})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [[row[c] for row in rows] for c in columns])


def _update(rows: list[dict[str, Any]]) -> None:
    """One UPDATE … FROM unnest(…) per chunk; bulk_update's CASE WHEN grows quadratically."""
    if connection.vendor != "postgresql":
        Product.objects.bulk_update([Product(**row) for row in rows], list(rows[0])[1:])
        return
    columns = list(rows[0])  # "id" first
    casts = ", ".join(f"%s::{_PG_TYPES[c]}[]" for c in columns)
    sets = ", ".join(f"{c} = v.{c}" for c in columns[1:])
    names = ", ".join(columns)
    sql = (
        f"UPDATE {Product._meta.db_table} AS p SET {sets} "  # noqa: S608 - fixed identifiers
        f"FROM unnest({casts}) AS v({names}) WHERE p.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [[row[c] for row in rows] for c in columns])


@transaction.atomic
def _apply(
    run: SyncRun,
    fetched: _Fetched,
    *,
    page_size: int,
    country_code: str | None,
    job: JobRecorder,
) -> None:
    # A run declared lost while it fetched (its process stalled past its lock) must not apply
    # a list older than the one the run that took over applied (core.jobs, fencing).
    job.fence()
    now = timezone.now()
    ids = list(fetched.items)
    added = updated = 0
    reappeared: list[int] = []
    for chunk in _chunks(ids, page_size):
        existing = {
            row[0]: row
            for row in Product.objects.filter(proxy_id__in=chunk).values_list(
                "proxy_id", "id", "state", *SYNC_FIELDS
            )
        }
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for proxy_id in chunk:
            values = _values(fetched.items[proxy_id])
            row = existing.get(proxy_id)
            if row is None:
                inserts.append(
                    {
                        "proxy_id": proxy_id,
                        **values,
                        "state": ProductState.AVAILABLE,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                continue
            product_id, state = row[1], row[2]
            if state == ProductState.SOLD:
                continue
            if state == ProductState.UNAVAILABLE:
                reappeared.append(product_id)
            if row[3:] != tuple(values[name] for name in SYNC_FIELDS):
                updates.append({"id": product_id, **values, "updated_at": now})
            elif state != ProductState.UNAVAILABLE:
                continue
            updated += 1
        if inserts:
            _insert(inserts)
        if updates:
            # never touches `state`: a product sold meanwhile stays sold
            _update(updates)
        added += len(inserts)
    if reappeared:
        Product.objects.filter(id__in=reappeared, state=ProductState.UNAVAILABLE).update(
            state=ProductState.AVAILABLE, removed_at=None, updated_at=now
        )
    gone = Product.objects.filter(state=ProductState.AVAILABLE).exclude(proxy_id__in=ids)
    if country_code:
        gone = gone.filter(country_code=country_code)
    run.removed = gone.update(state=ProductState.UNAVAILABLE, removed_at=now, updated_at=now)
    run.added = added
    run.updated = updated
    run.skipped = max(run.total_fetched - run.added - run.updated, 0)
    catalog_bump()


def proxies_sync(
    *,
    trigger: str = "beat",
    country_code: str | None = None,
    page_size: int | None = None,
    actor: Any = None,
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
    with tracked_job(SYNC_JOB) as job:
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
            _apply(run, fetched, page_size=page_size, country_code=country_code, job=job)
        except ProviderError as exc:
            _finish(run, started, error=exc.message)
            logger.error(
                "external proxy sync failed (run %s, %s): %s", run.pk, trigger, exc.message
            )
            job.result = {"sync_run": run.pk, "error": exc.message}
            audit_record(
                action="proxyshop.sync",
                target_type="sync_run",
                target=str(run.pk),
                outcome=AuditEvent.Outcome.ERROR,
                actor=actor,
                data={"trigger": trigger, "error": exc.message},
            )
            raise provider_failure(exc, charged=True) from exc
        except Exception as exc:
            _finish(run, started, error=f"{type(exc).__name__}: {exc}")
            logger.error(
                "external proxy sync failed (run %s, %s): %s", run.pk, trigger, type(exc).__name__
            )
            raise
        _finish(run, started)
        logger.info(
            "external proxy sync ok (run %s, %s): fetched %d, added %d, updated %d, removed %d "
            "in %.2fs",
            run.pk,
            trigger,
            run.total_fetched,
            run.added,
            run.updated,
            run.removed,
            run.duration,
        )
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


def sync_runs_fail_lost() -> int:
    """Fail the SyncRuns left "running" by a worker that was lost mid-sync. Called when the
    sync's JobRun is found lost (core/jobs.py): the sync lock is not held then, so no sync is
    running. Nothing of a lost sync was applied (the apply is one transaction)."""
    now = timezone.now()
    lost = list(SyncRun.objects.filter(status=SyncRun.Status.RUNNING))
    for run in lost:
        run.status = SyncRun.Status.FAILED
        run.finished_at = now
        run.duration = round((now - run.sync_time).total_seconds(), 3)
        run.error = "Worker lost mid-sync (the process died); nothing of it was applied."
        run.save(update_fields=["status", "finished_at", "duration", "error"])
        logger.error("external proxy sync failed (run %s, %s): worker lost", run.pk, run.trigger)
        notify(sync_finished, SyncRun, run_id=run.pk, succeeded=False)
    return len(lost)


def _finish(run: SyncRun, started: float, *, error: str = "") -> None:
    run.duration = round(time.monotonic() - started, 3)
    run.finished_at = timezone.now()
    run.status = SyncRun.Status.FAILED if error else SyncRun.Status.SUCCESS
    run.error = error[:2000]
    run.save()
    notify(sync_finished, SyncRun, run_id=run.pk, succeeded=not error)


def inventory_cleanup(*, actor: Any = None) -> int:
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
            data={"offline_reported": len(offline), "removed": removed},
        )
    return removed
