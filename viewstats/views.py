"""Pages: submit links, watch the task table refresh itself, see a link's history chart."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError, InvalidArgument
from core.registry import setting_get
from viewstats.services.task_lifecycle import tasks_retry, tasks_submit

from .models import Platform
from .selectors import status_counts, task_get, task_history, task_list

PAGE_ROWS = 100


@login_required
def index(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    text, platform = "", Platform.VK.value
    if request.method == "POST":
        text = request.POST.get("links", "")
        platform = request.POST.get("platform", Platform.VK)
        links = [line.strip() for line in text.splitlines() if line.strip()]
        raw_interval = request.POST.get("recollect_interval", "").strip()
        try:
            # seconds, as the API's recollect_interval and the service's messages say
            interval = int(raw_interval) if raw_interval else None
            rows = tasks_submit(
                user=request.user,
                platform=platform,
                links=links,
                recollect_interval=interval,
            )
        except ValueError:
            errors = ["The re-collection interval is a whole number of seconds."]
        except InvalidArgument as exc:
            errors = [_line_error(e) for e in exc.errors]
        else:
            messages.success(request, f"{len(rows)} link(s) queued.")
            return redirect("viewstats:index")
    tasks = list(task_list(user=request.user)[:PAGE_ROWS])
    return render(
        request,
        "viewstats/index.html",
        {
            "tasks": tasks,
            "errors": errors,
            "text": text,
            "platform": platform,
            "platforms": Platform.choices,
            "counts": status_counts(user=request.user),
            "page_rows": PAGE_ROWS,
            "min_interval": setting_get("viewstats.min_recollect_interval"),
            "interval": request.POST.get("recollect_interval", ""),
        },
    )


def _line_error(error: dict) -> str:
    loc = error.get("loc", [])
    if len(loc) == 3 and loc[1] == "links" and isinstance(loc[2], int):
        return f"Line {loc[2] + 1}: {error['msg']}"
    return str(error["msg"])


@login_required
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        task = task_get(user=request.user, task_id=task_id)
    except DomainError:
        return render(request, "viewstats/missing.html", status=404)
    readings = task_history(task=task)
    return render(
        request,
        "viewstats/task.html",
        {"task": task, "readings": readings, "chart": _chart(readings)},
    )


@login_required
@require_POST
def task_retry(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        task = task_get(user=request.user, task_id=task_id)
    except DomainError:
        return render(request, "viewstats/missing.html", status=404)
    queued = tasks_retry(task_ids=[task.id], actor=request.user)
    messages.info(request, "Queued again." if queued else "The task is already queued.")
    return redirect("viewstats:task", task_id=task.id)


def _chart(readings: list[dict], width: int = 640, height: int = 220, pad: int = 36) -> dict:
    """Coordinates for an inline SVG line chart (no script, no CDN)."""
    if not readings:
        return {}
    values = [r["views"] for r in readings]
    low, high = min(values), max(values)
    span = (high - low) or 1
    first = readings[0]["collected_at"].timestamp()
    duration = (readings[-1]["collected_at"].timestamp() - first) or 1
    points = []
    for reading in readings:
        x = pad + (reading["collected_at"].timestamp() - first) / duration * (width - 2 * pad)
        if len(readings) == 1:
            x = width / 2
        y = height - pad - (reading["views"] - low) / span * (height - 2 * pad)
        points.append({"x": round(x, 1), "y": round(y, 1), "reading": reading})
    return {
        "width": width,
        "height": height,
        "pad": pad,
        "low": low,
        "high": high,
        "points": points,
        "path": " ".join(f"{p['x']},{p['y']}" for p in points),
        "bottom": height - pad,
        "right": width - pad,
    }
