"""Prometheus metrics at `/metrics` (prometheus-client), behind a token or a network allow-list.

- Requests: `platform_http_request_duration_seconds{method,route,status}` (a histogram: its
  `_count` is the request count), observed by `core.logs.AccessLogMiddleware` in the web
  process. Under gunicorn with several workers, PROMETHEUS_MULTIPROC_DIR makes every worker's
  numbers part of every scrape (config/gunicorn.py).
- Celery tasks: `platform_celery_tasks_total{task,outcome}` and
  `platform_celery_task_duration_seconds{task}`. Workers run on other hosts than the web
  processes, so they count in one Redis hash (the file cache in embedded mode), and any web
  process reports the totals of all workers at scrape time.
- Periodic jobs (proxy sync, warming tick, view re-collection, health checks...), from their
  JobRun records: `platform_job_last_run_timestamp_seconds{job}`,
  `platform_job_last_success{job}` (1 or 0), `platform_job_last_duration_seconds{job}` and
  the numbers of the last result, `platform_job_last_result{job,field}`.

Access: `METRICS_TOKEN` (sent as `Authorization: Bearer <token>`) or a client address in
`METRICS_ALLOWED_NETWORKS` (default: loopback only); anyone else gets 403.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.metrics_core import Metric

from .networks import ip_in_networks

logger = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram(
    "platform_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (the URL pattern) and status.",
    ["method", "route", "status"],
)
TASK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


def request_observe(*, method: str | None, route: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(method, route, str(status)).observe(seconds)


# --- Celery tasks, counted in one shared hash ---------------------------------------------
# Fields: "n|<task>|<outcome>" runs, "ms|<task>" total milliseconds, "le|<task>|<bound>" runs
# whose duration fell in that bucket (made cumulative when collected). With Redis one
# pipelined round trip per task run (HINCRBY); embedded, the file cache holds the same dict
# (read-modify-write: two processes finishing at once may lose a count, fine for the demo).


def _hash_key() -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:metrics:v1:tasks"


def _bucket(seconds: float) -> str:
    return next((str(b) for b in TASK_BUCKETS if seconds <= b), "+Inf")


def task_observe(*, task: str, outcome: str, seconds: float | None) -> None:
    """Count one finished task run; never raises (metrics must not fail a task)."""
    from .redis import get_redis

    fields = {f"n|{task}|{outcome}": 1}
    if seconds is not None:
        fields[f"ms|{task}"] = int(seconds * 1000)
        fields[f"le|{task}|{_bucket(seconds)}"] = 1
    try:
        client = get_redis()
        if client is not None:
            pipe = client.pipeline(transaction=False)
            for field, amount in fields.items():
                pipe.hincrby(_hash_key(), field, amount)
            pipe.execute()
        else:
            counts = cache.get(_hash_key()) or {}
            for field, amount in fields.items():
                counts[field] = counts.get(field, 0) + amount
            cache.set(_hash_key(), counts, timeout=None)
    except Exception as exc:  # Redis is down: the task's own outcome matters more
        logger.warning("task metrics not recorded: %s", type(exc).__name__)


def _task_counts() -> dict[str, int]:
    from .redis import OUTAGE_ERRORS, get_redis, redis_fallback

    client = get_redis()
    if client is None:
        return dict(cache.get(_hash_key()) or {})
    try:
        counts = client.hgetall(_hash_key())
    except OUTAGE_ERRORS as exc:
        # Redis down: the scrape still reports this process's requests and the jobs' runs.
        redis_fallback("metrics (task counters left out)", exc)
        return {}
    return {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in counts.items()}


class _SharedCollector:
    """Collects the shared task counters and the last periodic job runs at scrape time."""

    def describe(self) -> list[Metric]:
        return []  # nothing to check at registration (collecting needs the database)

    def collect(self) -> Iterator[Metric]:
        yield from self._tasks()
        yield from self._jobs()

    def _tasks(self) -> Iterator[Metric]:
        try:
            counts = _task_counts()
        except Exception as exc:
            logger.warning("task metrics unavailable: %s", type(exc).__name__)
            return
        total = CounterMetricFamily(
            "platform_celery_tasks",
            "Finished Celery task runs by outcome.",
            labels=["task", "outcome"],
        )
        duration = HistogramMetricFamily(
            "platform_celery_task_duration_seconds",
            "Run time of Celery tasks.",
            labels=["task"],
        )
        tasks: set[str] = set()
        for field, value in sorted(counts.items()):
            kind, _, rest = field.partition("|")
            if kind == "n":
                task, _, outcome = rest.rpartition("|")
                total.add_metric([task, outcome], value)
            elif kind == "ms":
                tasks.add(rest)
        bounds = [*map(str, TASK_BUCKETS), "+Inf"]
        for task in sorted(tasks):
            running, buckets = 0, []
            for bound in bounds:
                running += counts.get(f"le|{task}|{bound}", 0)
                buckets.append((bound, running))
            duration.add_metric([task], buckets, counts.get(f"ms|{task}", 0) / 1000)
        yield total
        yield duration

    def _jobs(self) -> Iterator[Metric]:
        from core.models import JobRun

        try:
            names = list(JobRun.objects.values_list("name", flat=True).distinct())
            latest = [
                JobRun.objects.filter(name=name)
                .exclude(status__in=[JobRun.Status.RUNNING, JobRun.Status.SKIPPED])
                .order_by("-started_at")
                .first()
                for name in sorted(names)
            ]
        except Exception as exc:
            logger.warning("job metrics unavailable: %s", type(exc).__name__)
            return
        when = GaugeMetricFamily(
            "platform_job_last_run_timestamp_seconds",
            "Start of the last finished run of a periodic job (Unix time).",
            labels=["job"],
        )
        success = GaugeMetricFamily(
            "platform_job_last_success", "1 if the last run succeeded, else 0.", labels=["job"]
        )
        took = GaugeMetricFamily(
            "platform_job_last_duration_seconds", "Duration of the last run.", labels=["job"]
        )
        result = GaugeMetricFamily(
            "platform_job_last_result",
            "Numbers reported by the last run (added, collected, actions...).",
            labels=["job", "field"],
        )
        for run in filter(None, latest):
            when.add_metric([run.name], run.started_at.timestamp())
            success.add_metric([run.name], 1.0 if run.status == JobRun.Status.SUCCESS else 0.0)
            if run.duration_seconds is not None:
                took.add_metric([run.name], run.duration_seconds)
            for field, value in sorted((run.result or {}).items()):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    result.add_metric([run.name, str(field)[:64]], float(value))
        yield from (when, success, took, result)


_SHARED = _SharedCollector()
REGISTRY.register(_SHARED)


def _registry() -> CollectorRegistry:
    """This process's metrics, or every process's under PROMETHEUS_MULTIPROC_DIR (gunicorn)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_SHARED)
    return registry


# --- the route ------------------------------------------------------------------------------


def metrics_allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    from .middleware import request_client_ip

    networks = getattr(settings, "METRICS_ALLOWED_NETWORKS", [])
    return bool(networks) and ip_in_networks(request_client_ip(request), networks)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return JsonResponse(
            {"detail": "Metrics need METRICS_TOKEN or an address in METRICS_ALLOWED_NETWORKS."},
            status=403,
        )
    started = time.perf_counter()
    body = generate_latest(_registry())
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    response["X-Scrape-Seconds"] = f"{time.perf_counter() - started:.3f}"
    return response
