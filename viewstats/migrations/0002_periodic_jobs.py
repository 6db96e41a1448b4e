"""The viewstats beat jobs (editable in the admin): return stalled tasks to the queue, and
re-collect tasks whose interval has come. Each expires before its next run."""

from django.db import migrations

JOBS = [
    ("viewstats: return stalled tasks to the queue", "viewstats.requeue_stale", 60),
    ("viewstats: re-collect due tasks", "viewstats.recollect_due", 60),
]


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, seconds in JOBS:
        schedule, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={"task": task, "interval": schedule, "expire_seconds": seconds - 10,
                      "enabled": True},
        )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("viewstats", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
