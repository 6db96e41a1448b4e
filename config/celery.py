"""The Celery application. Tasks are autodiscovered in every installed app's tasks.py."""

import os

from celery import Celery
from celery.signals import worker_process_init

# Production unless told otherwise: only `make run` and manage.py default to dev settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("platform", task_cls="core.tasks:PlatformTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _report_keys(**kwargs):
    # Each pool process (prefork, solo) reports the keys it encrypts with (core/keyring.py);
    # started after the fork, so the forking parent runs no thread of ours.
    from core.keyring import heartbeat_start

    heartbeat_start("worker")
