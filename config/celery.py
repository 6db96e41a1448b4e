"""The Celery application. Tasks are autodiscovered in every installed app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("platform", task_cls="core.tasks:PlatformTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
