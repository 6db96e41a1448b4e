"""Accounts in the admin: never a credential in a list; reveal is a separate, audited page;
status changes go through the state machine (with a reason) and show up in the history."""

from __future__ import annotations

import contextlib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.errors import DomainError

from ..models import Account, AccountStatus, AccountStatusChange
from ..selectors import fleet_dashboard
from ..services.accounts import (
    account_create,
    account_credentials_reveal,
    account_status_change,
    account_tags_set,
    can_view_credentials,
)
from ..services.proxies import proxy_allocate, proxy_release

STATUS_COLORS = {
    "creating": "#6b7280",
    "active": "#067647",
    "warming": "#b54708",
    "banned": "#b42318",
    "suspended": "#9e77ed",
    "deleted": "#344054",
}


def status_badge(status: str) -> str:
    return format_html(
        '<b style="color:#fff;background:{};padding:1px 6px;border-radius:8px">{}</b>',
        STATUS_COLORS.get(status, "#444"),
        status,
    )


class HasProxyFilter(admin.SimpleListFilter):
    title = "proxy"
    parameter_name = "has_proxy"

    def lookups(self, request, model_admin):
        return [("yes", "With proxy"), ("no", "Without proxy")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(proxy__isnull=self.value() == "no")
        return queryset


class StatusHistoryInline(admin.TabularInline):
    model = AccountStatusChange
    fields = ("created_at", "previous_status", "new_status", "reason", "actor_name")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-created_at", "-id")

    def has_add_permission(self, request, obj=None):
        return False


class AccountAddForm(forms.ModelForm):
    password = forms.CharField(widget=forms.PasswordInput(render_value=False))
    phone = forms.CharField(required=False)
    additional_data = forms.JSONField(required=False, initial=dict)
    tags = forms.CharField(required=False, help_text="separated by commas")

    class Meta:
        model = Account
        fields = ("platform", "login", "password", "phone", "additional_data", "tags")


class AccountChangeForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ("tags",)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=AccountStatus.choices)
    reason = forms.CharField(max_length=500, required=False)


def _status_action(status: str):
    def action(modeladmin, request, queryset):
        done = 0
        for account in queryset:
            try:
                account_status_change(
                    account_id=account.pk,
                    new_status=status,
                    reason="admin bulk action",
                    actor=request.user,
                )
                done += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{account}: {exc.message}", messages.WARNING)
        modeladmin.message_user(request, f"{done} account(s) moved to {status}.")

    action.__name__ = f"mark_{status}"
    return admin.action(description=f"Move selected accounts to “{status}”")(action)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("id", "platform", "login", "status_col", "tag_list", "proxy_col", "created_at")
    list_filter = ("platform", "status", HasProxyFilter)
    search_fields = ("login",)
    list_select_related = ("proxy",)
    readonly_fields = (
        "platform",
        "login",
        "status_col",
        "credentials",
        "proxy_col",
        "proxy_assigned_at",
        "created_at",
        "updated_at",
    )
    inlines = [StatusHistoryInline]
    change_list_template = "accounts/admin/account_changelist.html"
    actions = [
        _status_action(AccountStatus.ACTIVE),
        _status_action(AccountStatus.SUSPENDED),
        _status_action(AccountStatus.BANNED),
        _status_action(AccountStatus.DELETED),
        "allocate_proxy",
        "release_proxy",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = AccountChangeForm if obj else AccountAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(AccountAddForm.Meta.fields)
        return [*self.readonly_fields[:4], "tags", *self.readonly_fields[4:]]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ()

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            account_tags_set(account_id=obj.pk, tags=obj.tags or [], actor=request.user)
            return
        data = form.cleaned_data
        tags = [t.strip() for t in (data.get("tags") or "").split(",") if t.strip()]
        created = account_create(
            platform=data["platform"],
            login=data["login"],
            password=data["password"],
            phone=data.get("phone") or "",
            additional_data=data.get("additional_data") or {},
            tags=tags,
            actor=request.user,
        )
        obj.pk = created.pk
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        # Accounts are retired through the state machine ("deleted"), keeping their history.
        return False

    @admin.display(description="Status", ordering="status")
    def status_col(self, obj: Account) -> str:
        return status_badge(obj.status)

    @admin.display(description="Tags")
    def tag_list(self, obj: Account) -> str:
        return ", ".join(obj.tags or [])

    @admin.display(description="Proxy", ordering="proxy")
    def proxy_col(self, obj: Account) -> str:
        if not obj.proxy_id:
            return "—"
        url = reverse("admin:accounts_proxy_change", args=[obj.proxy_id])
        return format_html('<a href="{}">{}</a>', url, obj.proxy)

    @admin.display(description="Credentials")
    def credentials(self, obj: Account) -> str:
        reveal = reverse("admin:accounts_account_reveal", args=[obj.pk])
        status = reverse("admin:accounts_account_status", args=[obj.pk])
        return format_html(
            '•••••••• <a class="button" href="{}">Reveal (audited)</a> '
            '&nbsp; <a class="button" href="{}">Change status…</a>',
            reveal,
            status,
        )

    @admin.action(description="Allocate a proxy to the selected accounts")
    def allocate_proxy(self, request, queryset):
        for account in queryset:
            try:
                proxy = proxy_allocate(account_id=account.pk, actor=request.user)
                self.message_user(request, f"{account}: {proxy}")
            except DomainError as exc:
                self.message_user(request, f"{account}: {exc.message}", messages.WARNING)

    @admin.action(description="Release the proxies of the selected accounts")
    def release_proxy(self, request, queryset):
        count = sum(1 for a in queryset if proxy_release(account_id=a.pk, actor=request.user))
        self.message_user(request, f"{count} proxy binding(s) released.")

    def get_urls(self):
        own = [
            path(
                "dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="accounts_dashboard",
            ),
            path(
                "<int:account_id>/reveal/",
                self.admin_site.admin_view(self.reveal_view),
                name="accounts_account_reveal",
            ),
            path(
                "<int:account_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name="accounts_account_status",
            ),
        ]
        return own + super().get_urls()

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise DjangoPermissionDenied
        context = self._context(request, title="Fleet dashboard", data=fleet_dashboard())
        return TemplateResponse(request, "accounts/admin/dashboard.html", context)

    def reveal_view(self, request, account_id: int):
        """GET asks for confirmation; POST reveals (so no prefetch or link preview reveals)."""
        account = get_object_or_404(Account, pk=account_id)
        if not can_view_credentials(request.user):
            # the service records the refused attempt in the audit log
            with contextlib.suppress(DomainError):
                account_credentials_reveal(account_id=account.pk, actor=request.user)
            raise DjangoPermissionDenied
        creds = None
        if request.method == "POST":
            creds = account_credentials_reveal(account_id=account.pk, actor=request.user)
        context = self._context(
            request, title=f"Credentials of {account}", account=account, creds=creds
        )
        response = TemplateResponse(request, "accounts/admin/reveal.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def status_view(self, request, account_id: int):
        account = get_object_or_404(Account, pk=account_id)
        if not self.has_change_permission(request, account):
            raise DjangoPermissionDenied
        form = StatusForm(request.POST or None, initial={"status": account.status})
        if request.method == "POST" and form.is_valid():
            try:
                previous = account_status_change(
                    account_id=account.pk,
                    new_status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error("status", exc.message)
            else:
                self.message_user(
                    request, f"{account}: {previous} → {form.cleaned_data['status']}."
                )
                return redirect("admin:accounts_account_change", account.pk)
        context = self._context(
            request, title=f"Change the status of {account}", account=account, form=form
        )
        return TemplateResponse(request, "accounts/admin/status_form.html", context)
