"""The beat schedule of the lost-run sweep (core/jobs.py), so it exists after `migrate`."""

from django.db import migrations

TASK_NAME = "core: fail runs whose worker was lost, and redo them"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # other apps create intervals too, and nothing makes (every, period) unique
    interval = IntervalSchedule.objects.filter(every=1, period="minutes").first()
    interval = interval or IntervalSchedule.objects.create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "core.jobs_recover",
            "interval": interval,
            "enabled": True,
            # a run not started within the period is dropped: the next one does the same work
            "expire_seconds": 50,
            "description": "Periodic-job runs left 'running' by a worker that died: mark them "
            "failed (worker lost) and queue their job again.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_audit_keyed_chain"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
