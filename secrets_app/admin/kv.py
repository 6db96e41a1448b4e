"""Admin of the secrets store: secrets (metadata only, audited reveal), policies with a path
tester, settings and security as forms, and the audit chain status with a JSON-lines export."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path

from core.audit import audit_record
from core.errors import DomainError

from ..models import Policy, Secret, SecretVersion, Token, User
from ..services import kv
from ..services.kv_validation import validate_metadata
from ..services.policies import policy_test, validate_rules

REVEAL_LIMIT = 5


class SecretVersionInline(admin.TabularInline):
    """Versions with their state; never the value."""

    model = SecretVersion
    fields = ("version", "created_at", "deletion_time", "destroyed", "created_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-version",)

    def has_add_permission(self, request, obj=None):
        return False


class SecretForm(forms.ModelForm):
    class Meta:
        model = Secret
        fields = ("metadata", "max_versions", "cas_required", "delete_version_after", "expires_at")

    def clean_metadata(self):
        try:
            return validate_metadata(self.cleaned_data["metadata"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None


@admin.register(Secret)
class SecretAdmin(admin.ModelAdmin):
    form = SecretForm
    list_display = (
        "path",
        "current_version",
        "oldest_version",
        "max_versions",
        "cas_required",
        "expires_at",
        "updated_at",
    )
    list_filter = ("cas_required",)
    search_fields = ("path",)
    readonly_fields = (
        "id",
        "path",
        "current_version",
        "oldest_version",
        "created_at",
        "updated_at",
        "created_by",
    )
    fields = readonly_fields + (
        "metadata",
        "max_versions",
        "cas_required",
        "delete_version_after",
        "expires_at",
    )
    inlines = [SecretVersionInline]
    actions = ["reveal", "soft_delete_current"]

    def has_add_permission(self, request):
        return False  # values are written through the API (or secrets_import)

    def save_model(self, request, obj, form, change):
        kv.secret_metadata_update(
            path=obj.path,
            max_versions=obj.max_versions,
            cas_required=obj.cas_required,
            delete_version_after=obj.delete_version_after,
            custom_metadata=obj.metadata,
            user=request.user,
            context=None,
        )
        Secret.objects.filter(pk=obj.pk).update(expires_at=obj.expires_at)

    def delete_model(self, request, obj):
        kv.secret_delete_all(path=obj.path, user=request.user, context=None)

    def delete_queryset(self, request, queryset):
        for secret in queryset:
            self.delete_model(request, secret)

    @admin.action(description="Reveal the current value (audited)")
    def reveal(self, request, queryset):
        if queryset.count() > REVEAL_LIMIT:
            self.message_user(
                request, f"Reveal at most {REVEAL_LIMIT} secrets at once.", messages.ERROR
            )
            return None
        shown = []
        for secret in queryset.order_by("path"):
            try:
                _, version = kv.secret_read(path_or_id=secret.path, user=request.user, context=None)
            except DomainError as exc:
                shown.append({"path": secret.path, "error": exc.message})
                continue
            value = version.value
            shown.append(
                {
                    "path": secret.path,
                    "version": version.version,
                    "value": value if isinstance(value, str) else json.dumps(value, indent=2),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Revealed secrets",
            "shown": shown,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "secrets_app/admin/reveal.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Soft-delete the current version")
    def soft_delete_current(self, request, queryset):
        for secret in queryset:
            try:
                kv.secret_delete_versions(path=secret.path, user=request.user, context=None)
            except DomainError as exc:
                self.message_user(request, f"{secret.path}: {exc.message}", messages.ERROR)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = ("name", "description", "rules", "roles", "users")

    def clean_rules(self):
        try:
            return validate_rules(self.cleaned_data["rules"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None


class PathTestForm(forms.Form):
    path = forms.CharField(max_length=512)
    capability = forms.ChoiceField(
        choices=[(c, c) for c in ("read", "create", "update", "delete", "list")]
    )
    username = forms.CharField(required=False, help_text="test a user (session) …")
    accessor = forms.CharField(required=False, help_text="… or a token, by its accessor")

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns cleaned_data, which its stubs allow to be None
        data = self.cleaned_data
        if bool(data.get("username")) == bool(data.get("accessor")):
            raise forms.ValidationError("Give a username or a token accessor.")
        return data


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = ("name", "description", "rule_count", "roles", "updated_at")
    search_fields = ("name", "description")
    filter_horizontal = ("users",)
    change_list_template = "secrets_app/admin/policy_change_list.html"

    @admin.display(description="rules")
    def rule_count(self, obj: Policy) -> int:
        return len(obj.rules or [])

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            action="policy.update" if change else "policy.create",
            target_type="policy",
            target=obj.name,
            data={"rules": obj.rules, "roles": obj.roles},
        )

    def get_urls(self):
        return [
            path(
                "test/",
                self.admin_site.admin_view(self.path_tester),
                name="secrets_app_policy_test",
            )
        ] + super().get_urls()

    def path_tester(self, request):
        form = PathTestForm(request.POST or None)
        result = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                path_ = kv.normalize_path(data["path"], folder=data["path"].endswith("/"))
            except DomainError as exc:
                form.add_error("path", exc.message)
                path_ = None
            subject = None
            if path_ is not None and data["username"]:
                subject = User.objects.filter(username=data["username"]).first()
                if subject is None:
                    form.add_error("username", "No such user.")
                else:
                    result = policy_test(user=subject, path=path_, capability=data["capability"])
            elif path_ is not None:
                token = (
                    Token.objects.select_related("user").filter(accessor=data["accessor"]).first()
                )
                if token is None:
                    form.add_error("accessor", "No such token.")
                else:
                    result = policy_test(token=token, path=path_, capability=data["capability"])
            if result is not None:
                result.update(path=path_, capability=data["capability"])
        context = {
            **self.admin_site.each_context(request),
            "title": "Policy path tester",
            "form": form,
            "result": result,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "secrets_app/admin/policy_test.html", context)
