"""The beat schedule of the refund check, so it exists after `migrate` (editable in the admin)."""

from django.db import migrations

TASK_NAME = "proxyshop: check refunds the provider did not answer"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # other apps create intervals too, and nothing makes (every, period) unique
    interval = IntervalSchedule.objects.filter(every=1, period="minutes").first()
    interval = interval or IntervalSchedule.objects.create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "proxyshop.reconcile_refunds",
            "interval": interval,
            "enabled": True,
            # a run not started within the period is dropped: the next one does the same work
            "expire_seconds": 50,
            "description": "Ask the provider about refunds whose answer was lost (timeout, "
            "dropped connection, 5xx): credit those it made, reopen the others.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("proxyshop", "0003_order_refund_pending"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
