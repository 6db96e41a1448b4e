"""The Celery application. Tasks are autodiscovered in every installed app's tasks.py."""

import os

from celery import Celery

# Production unless told otherwise: only `make run` and manage.py default to dev settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("platform", task_cls="core.tasks:PlatformTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
