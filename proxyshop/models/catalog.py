"""The inventory mirrored from the provider, and the record of each sync."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ProductState(models.TextChoices):
    AVAILABLE = "available", "For sale"
    SOLD = "sold", "Sold"
    UNAVAILABLE = "unavailable", "Off sale (offline or gone)"


class ProductType(models.TextChoices):
    RESIDENTIAL = "residential", "Residential"
    MOBILE = "mobile", "Mobile"
    HOSTING = "hosting", "Hosting"


class Product(models.Model):
    """One provider proxy offered in the shop. `state` moves only by conditional UPDATEs
    (sync) or under a row lock (purchase), so a sold product is never put back on sale."""

    proxy_id = models.BigIntegerField(unique=True)
    ip = models.CharField(max_length=64)
    country = models.CharField(max_length=100, blank=True)
    country_code = models.CharField(max_length=8, blank=True, db_index=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    zip = models.CharField(max_length=20, blank=True)
    isp = models.CharField("ISP", max_length=200, blank=True)
    org = models.CharField("ORG", max_length=200, blank=True)
    speed = models.PositiveIntegerField(null=True, blank=True, help_text="ms")
    type = models.CharField(max_length=16, choices=ProductType.choices, db_index=True)
    provider_status = models.SmallIntegerField(default=1)
    datestamp = models.CharField(max_length=40, blank=True)
    state = models.CharField(
        max_length=16, choices=ProductState.choices, default=ProductState.AVAILABLE
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    sold_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "country_code"], name="product_state_country"),
            models.Index(fields=["state", "type"], name="product_state_type"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} proxy {self.proxy_id} {self.country_code} {self.city}"

    @property
    def for_sale(self) -> bool:
        return self.state == ProductState.AVAILABLE


class SyncRun(models.Model):
    """One sync with the provider (the contract's stats plus removals, duration and error)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another sync was running)"

    trigger = models.CharField(max_length=16, default="beat")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    country_code = models.CharField(max_length=8, blank=True)
    page_size = models.PositiveIntegerField(default=0)
    total_fetched = models.PositiveIntegerField(default=0)
    total_available_external = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    sync_time = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="seconds")
    error = models.TextField(blank=True)
    actor = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-sync_time"]

    def __str__(self) -> str:
        return f"sync {self.sync_time:%Y-%m-%d %H:%M:%S} {self.status}"
