"""gunicorn settings of the image: `gunicorn config.wsgi:application -c config/gunicorn.py`.

Workers and threads come from the environment. With several worker processes, Prometheus
metrics are kept in PROMETHEUS_MULTIPROC_DIR (emptied when gunicorn starts, a dead worker's
gauges dropped) so that `/metrics` answers for all of them, whichever worker serves it.
The access log is the application's own (one JSON line per request, core/observe.py).

Every way of serving the app (the image, docker compose, the benchmarks, the tests that need a
real server) uses this file, so the two rules below hold wherever it runs:
- gunicorn believes no forwarded header (`forwarded_allow_ips = ""`): otherwise its default
  trusts X-Forwarded-Proto / X-Forwarded-Ssl / X-Forwarded-Protocol from 127.0.0.1 and marks
  the request https before Django runs. The platform's `security.trusted_proxies` setting
  (core/https.py, core/middleware.py) is the only authority on forwarded headers.
- request-line and header limits at gunicorn's maxima, so that the app, not gunicorn, answers
  (in the API's JSON shape) for anything it can: a URL over 8,000 bytes is the app's 414. Only a
  request line over 8,190 bytes or a header over 8,190 bytes gets gunicorn's own plain-HTML 400/414.
"""

import os
import shutil

# Set here, before the workers import prometheus_client: only gunicorn's processes share
# metrics through files (a Celery worker in the same image does not need them).
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/platform-metrics")  # noqa: S108

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
# Threads: long-lived requests (SMS code wait, warming SSE) each hold one.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# Never set from the environment: FORWARDED_ALLOW_IPS would silently widen it.
forwarded_allow_ips = ""
limit_request_line = 8190
limit_request_field_size = 8190
limit_request_fields = 100
accesslog = None
errorlog = "-"


def on_starting(server):
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(path, ignore_errors=True)  # numbers of an earlier run are not this run's
    os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
