"""The daily purge of old update ids and bot errors, as a beat row (editable in the admin)."""

from django.db import migrations

TASK_NAME = "shopbot: purge old update ids and errors"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="days")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "shopbot.purge",
            "interval": interval,
            "enabled": True,
            "expire_seconds": 3600,
            "description": "Forget handled Telegram update ids and bot errors past "
            "telegram.keep_updates_days.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shopbot", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
