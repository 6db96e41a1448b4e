"""Beat schedules of the fleet, so they exist after `migrate` (editable in the admin)."""

from django.db import migrations

JOBS = [
    # (name, task, every, period, expire_seconds, description)
    (
        "accounts: proxy health check",
        "accounts.proxies_check_health",
        5,
        "minutes",
        240,
        "TCP connect + SOCKS5 handshake on every enabled proxy; dead ones free their accounts.",
    ),
    (
        "accounts: sweep SMS activations",
        "accounts.sms_expire",
        1,
        "minutes",
        50,
        "Poll SMS activations whose poll chain was lost; fail those past expiry.",
    ),
]


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period, expires, description in JOBS:
        # other apps create intervals too, and nothing makes (every, period) unique
        interval = IntervalSchedule.objects.filter(every=every, period=period).first()
        interval = interval or IntervalSchedule.objects.create(every=every, period=period)
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": task,
                "interval": interval,
                "enabled": True,
                # expires below the period: a run not started in time is dropped, not stacked
                "expire_seconds": expires,
                "description": description,
            },
        )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[job[0] for job in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_fleet_history_health_sms"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
