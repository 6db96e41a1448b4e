"""Operators: every task (filters by status, platform, user), a retry action, counts per status,
and the last VK/Telegram error per token."""

from __future__ import annotations

from django.contrib import admin, messages

from viewstats.services.task_lifecycle import tasks_retry

from .models import UpstreamCredential, ViewReading, ViewTask
from .selectors import status_counts


class ReadingInline(admin.TabularInline):
    model = ViewReading
    extra = 0
    fields = ("collected_at", "views")
    readonly_fields = fields
    ordering = ("-collected_at",)
    max_num = 0
    can_delete = False
    show_change_link = False


@admin.register(ViewTask)
class ViewTaskAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "platform",
        "link",
        "status",
        "views",
        "attempts",
        "error_short",
        "updated_at",
    )
    list_filter = ("status", "platform", ("user", admin.RelatedOnlyFieldListFilter))
    search_fields = ("link", "post_key", "user__username", "error")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "user",
        "platform",
        "post_key",
        "link",
        "status",
        "views",
        "error",
        "attempts",
        "claim",
        "posted_at",
        "collected_at",
        "started_at",
        "next_collect_at",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields[:9] + ("recollect_interval",) + readonly_fields[9:]
    inlines = [ReadingInline]
    actions = ["retry"]
    change_list_template = "admin/viewstats/viewtask/change_list.html"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False  # tasks come from users' submissions (API or page)

    @admin.display(description="error")
    def error_short(self, obj: ViewTask) -> str:
        return obj.error[:80]

    @admin.action(description="Retry the selected tasks (failed or done)")
    def retry(self, request, queryset):
        count = tasks_retry(
            task_ids=list(queryset.values_list("id", flat=True)),
            actor=request.user,
        )
        self.message_user(request, f"{count} task(s) queued again.", messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "status_counts": status_counts()}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(UpstreamCredential)
class UpstreamCredentialAdmin(admin.ModelAdmin):
    list_display = (
        "platform",
        "label",
        "last_error_code",
        "last_error",
        "last_error_at",
        "error_count",
        "paused_until",
        "invalid",
    )
    list_filter = ("platform", "invalid", "last_error_code")
    readonly_fields = (
        "platform",
        "fingerprint",
        "label",
        "last_error_code",
        "last_error",
        "last_error_at",
        "error_count",
        "paused_until",
        "invalid",
    )

    def has_add_permission(self, request) -> bool:
        return False
