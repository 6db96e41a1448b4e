"""View-statistics tasks: one row per (user, platform, post), its readings, upstream health."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Platform(models.TextChoices):
    VK = "vk", "VK"
    TELEGRAM = "telegram", "Telegram"


class Status(models.TextChoices):
    # The contract's exact wire values (clients compare these strings).
    CREATED = "created", "created"
    IN_PROGRESS = "in progress", "in progress"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class ViewTask(models.Model):
    """A user's request to know a post's views. Resubmitting the same post reuses the row, so the
    readings form one history per link."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="view_tasks"
    )
    platform = models.CharField(max_length=16, choices=Platform.choices)
    # Normalised identity of the post: "-1_2" (VK owner_post) or "channel/123" (Telegram).
    post_key = models.CharField(max_length=128)
    link = models.CharField(max_length=300)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    views = models.BigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    # Which claim (a collection run) owns an "in progress" row; a stale run cannot overwrite it.
    claim = models.UUIDField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    collected_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Seconds between re-collections for this task; null = the global setting.
    recollect_interval = models.PositiveIntegerField(null=True, blank=True)
    next_collect_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "platform", "post_key"], name="viewstats_task_unique_post"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="viewstats_task_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(platform__in=Platform.values),
                name="viewstats_task_platform_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="viewstats_task_user_idx"),
            models.Index(fields=["status", "updated_at"], name="viewstats_task_status_idx"),
            models.Index(fields=["next_collect_at"], name="viewstats_task_next_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.post_key} ({self.status})"


class ViewReading(models.Model):
    """One successful reading of a post's views: the time series behind the history chart."""

    task = models.ForeignKey(ViewTask, on_delete=models.CASCADE, related_name="readings")
    views = models.BigIntegerField()
    collected_at = models.DateTimeField()

    class Meta:
        ordering = ["collected_at", "id"]
        indexes = [models.Index(fields=["task", "collected_at"], name="viewstats_reading_idx")]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.views} at {self.collected_at:%Y-%m-%d %H:%M}"


class UpstreamCredential(models.Model):
    """Health of one upstream credential (a VK token, or the t.me endpoint): the last error an
    admin must see. Identified by a keyed digest; the token itself is never stored here."""

    platform = models.CharField(max_length=16, choices=Platform.choices)
    fingerprint = models.CharField(max_length=100)
    label = models.CharField(max_length=40)
    last_error_code = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    paused_until = models.DateTimeField(null=True, blank=True)
    invalid = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "fingerprint"], name="viewstats_credential_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.label}"
