"""SMS activations in the admin (read-only records; cancel through the service)."""

from __future__ import annotations

from django.contrib import admin, messages

from core.errors import DomainError

from ..models import SmsActivation
from ..services.sms import sms_activation_cancel


@admin.register(SmsActivation)
class SmsActivationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "service",
        "country",
        "phone",
        "status",
        "provider",
        "price",
        "created_at",
        "expires_at",
    )
    list_filter = ("status", "service", "provider", "country")
    search_fields = ("phone", "provider_activation_id", "id")
    date_hierarchy = "created_at"
    actions = ["cancel"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Cancel the selected activations (refunded)")
    def cancel(self, request, queryset):
        for activation in queryset:
            try:
                sms_activation_cancel(activation_id=activation.pk, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{activation.pk}: {exc.message}", messages.WARNING)
