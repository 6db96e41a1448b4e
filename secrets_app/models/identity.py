"""Users, roles, API clients and the platform's own opaque tokens."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.utils import timezone

from ..usernames import validate_username


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    OPERATOR = "operator", "Operator"
    USER = "user", "User"


if TYPE_CHECKING:  # Django's managers are generic only in its stubs
    _UserManager = UserManager["User"]
else:
    _UserManager = UserManager


class PlatformUserManager(_UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields["role"] = Role.ADMIN
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A platform user. The role decides what the user may do (README, Roles).

    `is_staff` and `is_superuser` follow the role so the Django admin and the API agree.
    """

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.USER)
    # Django's own rule plus ours (secrets_app/usernames.py): every form that creates a user,
    # the admin's and allauth's, refuses invisible, mixed-script and look-alike names.
    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text="Letters, digits and . @ + - _ ; one script; no invisible characters.",
        validators=[UnicodeUsernameValidator(), validate_username],
        error_messages={"unique": "A user with that username already exists."},
    )

    objects: ClassVar[PlatformUserManager] = PlatformUserManager()

    class Meta:
        ordering = ["username"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.is_superuser and self.role != Role.ADMIN and self._state.adding:
            self.role = Role.ADMIN
        self.is_staff = self.role in (Role.ADMIN, Role.OPERATOR)
        self.is_superuser = self.role == Role.ADMIN
        super().save(*args, **kwargs)

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_operator(self) -> bool:
        """Admins can do everything operators can."""
        return self.is_active and self.role in (Role.ADMIN, Role.OPERATOR)

    def has_perm(self, perm, obj=None):
        # Operators run the fleet, shop and stats screens; user management, settings and
        # token administration stay with admins.
        if self.is_active and self.role == Role.OPERATOR:
            app_label = perm.split(".", 1)[0]
            if app_label in ("accounts", "proxyshop", "shopbot", "viewstats", "django_celery_beat"):
                return True
            if perm.startswith(("secrets_app.view_", "core.view_")):
                return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        if self.is_active and self.role == Role.OPERATOR:
            return app_label in (
                "accounts",
                "proxyshop",
                "shopbot",
                "viewstats",
                "django_celery_beat",
                "secrets_app",
                "core",
            )
        return super().has_module_perms(app_label)


class ApiClient(models.Model):
    """An OAuth-style client registered by an admin; its secret is stored only as a hash."""

    name = models.CharField(max_length=100)
    client_id = models.CharField(max_length=64, unique=True)
    secret_hash = models.CharField(max_length=64)
    allowed_policies = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "API client"

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class Token(models.Model):
    """An opaque access token. Only its SHA-256 is stored; the accessor is a public handle."""

    class Kind(models.TextChoices):
        SERVICE = "service", "Service"
        WRAP = "wrap", "Response wrapping"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    accessor = models.CharField(max_length=40, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SERVICE)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    client = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.SET_NULL)
    display_name = models.CharField(max_length=100, blank=True)
    policies = models.JSONField(default=list, blank=True)
    scope = models.CharField(max_length=500, blank=True)
    bound_cidrs = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ttl_seconds = models.PositiveIntegerField(default=0, help_text="0 = no expiry")
    expires_at = models.DateTimeField(null=True, blank=True)
    max_expires_at = models.DateTimeField(null=True, blank=True)
    renewable = models.BooleanField(default=True)
    num_uses = models.PositiveIntegerField(default=0, help_text="0 = unlimited")
    uses_remaining = models.PositiveIntegerField(default=0)
    family = models.UUIDField(null=True, blank=True, db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=100, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    meta = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(uses_remaining__lte=models.F("num_uses")),
                name="token_uses_remaining_lte_num_uses",
            )
        ]

    def __str__(self) -> str:
        return f"token {self.accessor}"

    @property
    def is_live(self) -> bool:
        now = timezone.now()
        if self.revoked_at:
            return False
        if self.expires_at and self.expires_at <= now:
            return False
        return not (self.num_uses and self.uses_remaining <= 0)


class RefreshToken(models.Model):
    """A single-use refresh token. Renewal rotates it inside its family; reuse kills the family."""

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    family = models.UUIDField(db_index=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    access_token = models.ForeignKey(
        Token, null=True, on_delete=models.SET_NULL, related_name="refresh_tokens"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"refresh token of family {self.family}"
