"""The beat schedule of the inventory sync, so it exists after `migrate` (editable in the admin)."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "proxyshop: sync provider inventory"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    minutes = max(int(getattr(settings, "EXTERNAL_SOCKS_SYNC_INTERVAL_MINUTES", 5)), 1)
    interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "proxyshop.sync_inventory",
            "interval": interval,
            "enabled": True,
            # a run not started within the period is dropped: the next one does the same work
            "expire_seconds": max(minutes * 60 - 30, 30),
            "description": "Mirror the SOCKS5 provider's online proxies into the shop.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("proxyshop", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
