"""Warming: scenarios, tasks (the contract's WarmingTask), planned actions and the event log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class WarmingStatus(models.TextChoices):
    """The contract's WarmingStatus. `stop` ends a task as failed with an error saying who stopped
    it (the contract has no separate STOPPED state)."""

    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (WarmingStatus.PENDING, WarmingStatus.RUNNING, WarmingStatus.PAUSED)


class ActionType(models.TextChoices):
    """The contract's ActionType."""

    VIEW_PROFILE = "view_profile", "View profile"
    LIKE_POST = "like_post", "Like post"
    SUBSCRIBE = "subscribe", "Subscribe"
    COMMENT = "comment", "Comment"
    SEND_MESSAGE = "send_message", "Send message"
    REPOST = "repost", "Repost"
    VIEW_STORIES = "view_stories", "View stories"
    ADD_FRIEND = "add_friend", "Add friend"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    QUEUED = "queued", "Queued"  # handed to the broker by the tick
    RUNNING = "running", "Running"  # claimed by a worker; the driver may be in flight
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Outcome unknown"  # worker lost mid-call; counted failed, never re-run
    SKIPPED = "skipped", "Skipped"  # its day ended or its task stopped before it ran


class Scenario(models.Model):
    """A warming plan: `definition` is validated by `accounts.warming.scenarios`."""

    id = models.SlugField(primary_key=True, max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    definition = models.JSONField()
    builtin = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.id

    @property
    def total_days(self) -> int:
        return int(self.definition.get("total_days", 0))


class WarmingTask(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="warming_tasks"
    )
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="tasks")
    status = models.CharField(
        max_length=16,
        choices=WarmingStatus.choices,
        default=WarmingStatus.PENDING,
        db_index=True,
    )
    progress = models.PositiveSmallIntegerField(default=0)
    current_day = models.PositiveIntegerField(default=0)
    total_days = models.PositiveIntegerField()
    actions_completed = models.PositiveIntegerField(default=0)
    actions_failed = models.PositiveIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_action_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The current day runs until day_ends_at; the tick plans the next one after that.
    day_ends_at = models.DateTimeField(null=True, blank=True, db_index=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    seed = models.BigIntegerField(default=0)
    account_status_before = models.CharField(max_length=16, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status__in=["pending", "running", "paused"]),
                name="warming_one_active_task_per_account",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="warming_progress_le_100"),
        ]
        indexes = [models.Index(fields=["status", "day_ends_at"], name="warming_task_due_idx")]

    def __str__(self) -> str:
        return f"warming #{self.pk} ({self.status})"


class WarmingAction(models.Model):
    """One planned action. Its status only moves forward, by conditional UPDATEs:
    planned -> queued -> running -> succeeded | failed | unknown, or planned|queued -> skipped."""

    # No separate index on task: the unique (task, index) serves lookups by task, and every
    # index costs time on the tick's bulk UPDATEs.
    task = models.ForeignKey(
        WarmingTask, on_delete=models.CASCADE, related_name="actions", db_index=False
    )
    day = models.PositiveIntegerField()
    index = models.PositiveIntegerField(help_text="Position of the action within its task.")
    action_type = models.CharField(max_length=16, choices=ActionType.choices)
    scheduled_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    claim_token = models.UUIDField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["task_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["task", "index"], name="warming_action_unique_index"),
        ]
        indexes = [
            models.Index(
                fields=["scheduled_at"],
                condition=Q(status="planned"),
                name="warming_action_planned_idx",
            ),
            models.Index(
                fields=["status"],
                condition=Q(status__in=["queued", "running"]),
                name="warming_action_inflight_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_type} #{self.index} of task {self.task_id} ({self.status})"


class WarmingEvent(models.Model):
    """The event log used when there is no Redis (embedded mode); with Redis, events live in a
    bounded Redis Stream instead."""

    task_id = models.BigIntegerField(db_index=True)
    event_type = models.CharField(max_length=32)
    timestamp = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event_type} of task {self.task_id}"
