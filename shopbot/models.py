"""The shop bot's records: linked Telegram accounts and their one-time codes, the updates
already handled (exactly once per update_id), operator alerts and the bot's recent errors."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class TelegramLink(models.Model):
    """A platform user's Telegram account: one per user and one user per Telegram account.
    Made only by a one-time code the user took from the shop pages (never by a Telegram id
    alone); updates from `telegram_id` then act as `user`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_link"
    )
    telegram_id = models.BigIntegerField(unique=True)
    username = models.CharField(max_length=64, blank=True)
    language_code = models.CharField(max_length=16, blank=True)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-linked_at"]
        verbose_name = "linked Telegram user"

    def __str__(self) -> str:
        return f"{self.user} ↔ tg:{self.telegram_id}"


class LinkCode(models.Model):
    """A one-time link code; only its SHA-256 is stored. Single use, short-lived, and a new
    code of the same user voids the older ones."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_link_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.BigIntegerField(null=True, blank=True, help_text="Telegram id")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"link code of {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"


class ProcessedUpdate(models.Model):
    """One Telegram update, claimed before it is handled: the unique update_id makes a
    redelivery (webhook retry, polling restart) a no-op. `finished_at` empty = being handled,
    or its handler died (taken over after `telegram.update_lease`)."""

    class Outcome(models.TextChoices):
        HANDLED = "handled", "Handled"
        FAILED = "failed", "Handler failed"
        IGNORED = "ignored", "Ignored"

    update_id = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=16, blank=True)
    chat_id = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=8, blank=True)
    claimed_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["-update_id"]

    def __str__(self) -> str:
        return f"update {self.update_id}"


class AlertState(models.Model):
    """Whether a condition operators are told about is on (e.g. provider syncs failing), so
    that they get one message when it starts and one when it ends."""

    key = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=False)
    since = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    detail = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {'on' if self.active else 'off'}"


class AlertDelivery(models.Model):
    """One alert message to one operator chat, sent by a Celery task."""

    class Kind(models.TextChoices):
        SYNC_FAILING = "sync_failing", "Provider syncs failing"
        SYNC_RECOVERED = "sync_recovered", "Provider syncs recovered"
        REFUND_NEEDS_OPERATOR = "refund_operator", "Refund needs an operator"
        TEST = "test", "Test message"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RETRYING = "retrying", "Waiting to retry"
        SENT = "sent", "Sent"
        GAVE_UP = "gave_up", "Gave up (bot blocked or removed)"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    chat_id = models.BigIntegerField()
    text = models.TextField()
    dedupe_key = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "alert deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "chat_id"],
                condition=~models.Q(dedupe_key=""),
                name="shopbot_alert_once_per_chat",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.chat_id} ({self.status})"


class BotError(models.Model):
    """Something the bot could not do: a Bot API refusal, a handler that crashed. The text
    never holds the bot token (see shopbot/redact.py) or credentials."""

    class Kind(models.TextChoices):
        API = "api", "Bot API error"
        BLOCKED = "blocked", "Chat blocked the bot"
        HANDLER = "handler", "Handler crashed"
        POLLING = "polling", "Polling error"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    update_id = models.BigIntegerField(null=True, blank=True)
    chat_id = models.BigIntegerField(null=True, blank=True)
    method = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.method} {self.created_at:%Y-%m-%d %H:%M:%S}"
