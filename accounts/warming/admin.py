"""Admin: warming tasks (pause/resume/stop actions, progress bars, a dashboard), their actions,
and a scenario editor that validates definitions with the same rules as the API."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.warming.definitions import scenario_validate
from core.errors import DomainError, InvalidArgument

from .models import Scenario, WarmingAction, WarmingTask
from .selectors import warming_dashboard
from .services import (
    scenario_create,
    scenario_update,
    warming_pause,
    warming_resume,
    warming_stop,
)


def progress_bar(percent: int):
    return format_html(
        '<div style="width:120px;background:#eee;border-radius:3px" title="{}%">'
        '<div style="width:{}%;background:#4a9;height:10px;border-radius:3px"></div></div>',
        percent,
        percent,
    )


class ScenarioForm(forms.ModelForm):
    class Meta:
        model = Scenario
        fields = ["id", "name", "description", "definition"]

    def clean_definition(self):
        definition = self.cleaned_data["definition"]
        try:
            definition = scenario_validate(definition)
        except InvalidArgument as exc:
            raise ValidationError(
                [f"{'.'.join(map(str, e['loc'][2:]))}: {e['msg']}" for e in exc.errors]
            ) from None
        return definition


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    form = ScenarioForm
    list_display = ["id", "name", "days", "builtin", "updated_at"]
    search_fields = ["id", "name"]
    readonly_fields = ["builtin", "created_at", "updated_at"]

    @admin.display(description="days")
    def days(self, obj):
        return obj.total_days

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "id"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.builtin) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = scenario_update(
                id=obj.pk,
                definition=data["definition"],
                name=data.get("name"),
                description=data.get("description"),
                actor=request.user,
            )
        else:
            saved = scenario_create(
                id=data["id"],
                name=data.get("name", ""),
                description=data.get("description", ""),
                definition=data["definition"],
                actor=request.user,
            )
        obj.__dict__.update(saved.__dict__)


def _bulk(service, label):
    def action(modeladmin, request, queryset):
        done, refused = 0, []
        for task_id in queryset.values_list("pk", flat=True):
            try:
                service(task_id=task_id, actor=request.user)
                done += 1
            except DomainError as exc:
                refused.append(f"#{task_id}: {exc.message}")
        if done:
            modeladmin.message_user(request, f"{label}: {done} task(s).", messages.SUCCESS)
        if refused:
            modeladmin.message_user(request, "Refused — " + "; ".join(refused), messages.WARNING)

    action.__name__ = f"action_{label.lower()}"
    return admin.action(description=f"{label} selected warming tasks")(action)


@admin.register(WarmingTask)
class WarmingTaskAdmin(admin.ModelAdmin):
    change_list_template = "warming/task_change_list.html"
    list_display = [
        "id",
        "account",
        "scenario",
        "status",
        "progress_display",
        "day",
        "actions_completed",
        "actions_failed",
        "next_action_at",
        "started_at",
    ]
    list_filter = ["status", "scenario", "account__platform"]
    search_fields = ["account__login", "=id"]
    list_select_related = ["account", "scenario"]
    actions = [
        _bulk(warming_pause, "Pause"),
        _bulk(warming_resume, "Resume"),
        _bulk(warming_stop, "Stop"),
    ]
    readonly_fields = [
        "account",
        "scenario",
        "status",
        "progress_display",
        "current_day",
        "total_days",
        "actions_completed",
        "actions_failed",
        "consecutive_failures",
        "next_action_at",
        "started_at",
        "completed_at",
        "day_ends_at",
        "paused_at",
        "error",
        "created_by",
        "created_at",
        "actions_link",
    ]
    fields = [*readonly_fields]

    @admin.display(description="progress", ordering="progress")
    def progress_display(self, obj):
        return format_html("{} {}%", progress_bar(obj.progress), obj.progress)

    @admin.display(description="day")
    def day(self, obj):
        return f"{obj.current_day}/{obj.total_days}"

    @admin.display(description="actions")
    def actions_link(self, obj):
        url = reverse("admin:warming_warmingaction_changelist") + f"?task__id__exact={obj.pk}"
        return format_html('<a href="{}">planned and finished actions</a>', url)

    def has_add_permission(self, request):
        return False  # tasks start through StartWarming (API), which checks the account

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def get_urls(self):
        return [
            path(
                "dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="warming_dashboard",
            ),
            *super().get_urls(),
        ]

    def dashboard_view(self, request):
        data = warming_dashboard()
        running = [(task, progress_bar(task.progress)) for task in data["running"]]
        context = {
            **self.admin_site.each_context(request),
            "title": "Warming dashboard",
            "stats": data["stats"],
            "running": running,
            "stats_json": json.dumps(data["stats"]),
        }
        return TemplateResponse(request, "warming/dashboard.html", context)


@admin.register(WarmingAction)
class WarmingActionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "task",
        "day",
        "action_type",
        "status",
        "scheduled_at",
        "finished_at",
        "duration_ms",
        "error",
    ]
    list_filter = ["status", "action_type"]
    search_fields = ["=task__id"]
    list_select_related = ["task"]
    date_hierarchy = "scheduled_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
