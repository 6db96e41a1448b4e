"""The beat schedule of the purge job, and the built-in `default` policy (no access)."""

from django.db import migrations

TASK_NAME = "secrets: purge expired secrets and wraps"


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    Policy = apps.get_model("secrets_app", "Policy")
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "secrets_app.purge_expired",
            "interval": every,
            "expire_seconds": 50,
            "enabled": True,
        },
    )
    Policy.objects.get_or_create(
        name="default",
        defaults={
            "description": "Attached to every user and token; grants nothing by default.",
            "rules": [],
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("secrets_app", "0002_kv_policies"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
