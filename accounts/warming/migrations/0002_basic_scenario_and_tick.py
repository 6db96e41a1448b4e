"""The built-in `basic` scenario and the beat schedule of the scheduler tick."""

import json

from django.db import migrations

BASIC = {
    "total_days": 14,
    "active_hours": {"start": 8, "end": 23},
    "max_actions_per_day": 60,
    "bands": [
        {"from_day": 1, "to_day": 3, "actions_per_day": {"min": 5, "max": 10},
         "action_types": {"view_profile": 5, "view_stories": 3, "like_post": 2},
         "caps": {"like_post": 3}},
        {"from_day": 4, "to_day": 7, "actions_per_day": {"min": 10, "max": 20},
         "action_types": {"view_profile": 4, "view_stories": 3, "like_post": 3, "subscribe": 1},
         "caps": {"subscribe": 2}},
        {"from_day": 8, "to_day": 14, "actions_per_day": {"min": 20, "max": 40},
         "action_types": {"view_profile": 3, "view_stories": 2, "like_post": 3, "subscribe": 1,
                          "comment": 1, "repost": 1, "add_friend": 1, "send_message": 1},
         "caps": {"comment": 3, "send_message": 3, "add_friend": 5}},
    ],
}


def forwards(apps, schema_editor):
    Scenario = apps.get_model("warming", "Scenario")
    Scenario.objects.update_or_create(
        id="basic",
        defaults={"name": "Basic (14 days)", "builtin": True, "definition": BASIC,
                  "description": "Gentle ramp-up: views first, then likes and subscriptions, "
                                 "then comments, reposts, friends and messages."},
    )
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="warming: scheduler tick",
        defaults={"task": "warming.tick", "interval": every_minute, "enabled": True,
                  "expires": None, "expire_seconds": 50, "args": json.dumps([]),
                  "description": "Plans warming days and hands due actions to the workers."},
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="warming: scheduler tick").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("warming", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
