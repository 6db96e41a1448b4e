"""The proxy pool in the admin: health, latency, bound accounts; passwords never listed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from core.errors import DomainError

from ..models import Account, Proxy, ProxyCheck
from ..services.proxies import (
    proxies_set_disabled,
    proxy_create,
    proxy_release,
    proxy_update,
)
from ..services.proxy_health import proxy_check_health
from ..services.proxy_shop import proxy_import_from_shop_order, shop_order_credentials

HEALTH_COLORS = {"alive": "#067647", "dead": "#b42318", "unknown": "#6b7280"}


class BoundAccountsInline(admin.TabularInline):
    model = Account
    fields = ("link", "platform", "status", "proxy_assigned_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "bound accounts"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Account")
    def link(self, obj: Account) -> str:
        url = reverse("admin:accounts_account_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj)


class RecentChecksInline(admin.TabularInline):
    model = ProxyCheck
    fields = ("checked_at", "ok", "latency_ms", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0
    verbose_name_plural = "health checks"

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-checked_at")


class ProxyForm(forms.ModelForm):
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current password.",
    )
    shop_order_id = forms.CharField(
        required=False,
        help_text="Or: take the proxy of this proxy-shop order (other fields ignored).",
    )

    class Meta:
        model = Proxy
        fields = (
            "host",
            "port",
            "protocol",
            "username",
            "password",
            "country",
            "provider",
            "expires_at",
            "is_disabled",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields.pop("shop_order_id")
        else:
            for name in ("host", "port"):
                self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()  # returns cleaned_data, which its stubs allow to be None
        data = self.cleaned_data
        if self.instance.pk:
            return data
        order_id = data.get("shop_order_id")
        if not order_id:
            for name in ("host", "port"):
                if not data.get(name):
                    self.add_error(name, "Required (or give a shop order id).")
            return data
        try:
            shop_order_credentials(order_id=order_id, actor=getattr(self, "actor", None))
        except DomainError as exc:
            self.add_error("shop_order_id", exc.message)
        return data

    def validate_constraints(self, exclude=None):
        # A shop import has no host/port yet: its uniqueness is checked by the service.
        if not self.cleaned_data.get("shop_order_id"):
            # Django 5.2's forms never call this (model constraints run in full_clean); its
            # stubs already know the later form API, which takes no argument.
            super().validate_constraints(exclude)  # type: ignore[call-arg]


@admin.register(Proxy)
class ProxyAdmin(admin.ModelAdmin):
    form = ProxyForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # the shop-order check needs to know who imports
        setattr(form, "actor", request.user)  # noqa: B010 (an attribute of our form class)
        return form

    list_display = (
        "id",
        "endpoint",
        "protocol",
        "country",
        "provider",
        "health_col",
        "last_latency_ms",
        "consecutive_failures",
        "bound",
        "expires_at",
        "source",
        "is_disabled",
    )
    list_filter = ("health", "protocol", "country", "provider", "source", "is_disabled")
    search_fields = ("host", "provider", "username", "source_ref")
    readonly_fields = (
        "health",
        "last_checked_at",
        "last_latency_ms",
        "last_error",
        "consecutive_failures",
        "source",
        "source_ref",
        "created_at",
    )
    inlines = [BoundAccountsInline, RecentChecksInline]
    actions = ["check_health", "release_accounts", "disable", "enable"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(bound_count=Count("accounts"))

    def get_fields(self, request, obj=None):
        fields = list(ProxyForm.Meta.fields)
        if obj is None:
            return ["shop_order_id", *fields]
        return fields + list(self.readonly_fields)

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    @admin.display(description="Endpoint")
    def endpoint(self, obj: Proxy) -> str:
        return f"{obj.host}:{obj.port}" + (f" ({obj.username})" if obj.username else "")

    @admin.display(description="Health", ordering="health")
    def health_col(self, obj: Proxy) -> str:
        return format_html(
            '<b style="color:{}">{}</b>', HEALTH_COLORS.get(obj.health, "#444"), obj.health
        )

    @admin.display(description="Accounts", ordering="bound_count")
    def bound(self, obj: Proxy) -> int:
        # Annotated by get_queryset.
        return obj.bound_count  # type: ignore[attr-defined]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changed = list(form.changed_data)
            if not data.get("password"):
                obj.password = Proxy.objects.get(pk=obj.pk).password
                changed = [f for f in changed if f != "password"]
            proxy_update(proxy=obj, changed=changed, actor=request.user)
            return
        if data.get("shop_order_id"):
            created = proxy_import_from_shop_order(
                order_id=data["shop_order_id"], actor=request.user
            )
        else:
            created = proxy_create(
                host=data["host"],
                port=data["port"],
                protocol=data["protocol"],
                username=data.get("username") or "",
                password=data.get("password") or "",
                country=data.get("country") or "",
                provider=data.get("provider") or "",
                expires_at=data.get("expires_at"),
                actor=request.user,
            )
        obj.pk = created.pk
        obj._state.adding = False

    @admin.action(description="Check health now (TCP + SOCKS5 handshake)")
    def check_health(self, request, queryset):
        for proxy in queryset:
            report = proxy_check_health(proxy_id=proxy.pk, actor=request.user)
            level = messages.SUCCESS if report.healthy else messages.WARNING
            detail = f"{report.latency_ms} ms" if report.healthy else report.error
            self.message_user(request, f"{proxy}: {report.health} ({detail})", level)

    @admin.action(description="Release all accounts of the selected proxies")
    def release_accounts(self, request, queryset):
        ids = Account.objects.filter(proxy__in=queryset).values_list("pk", flat=True)
        count = sum(1 for pk in list(ids) if proxy_release(account_id=pk, actor=request.user))
        self.message_user(request, f"{count} account(s) released.")

    @admin.action(description="Disable (no new allocations)")
    def disable(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = proxies_set_disabled(proxy_ids=ids, disabled=True, actor=request.user)
        self.message_user(request, f"{count} proxy(ies) disabled.")

    @admin.action(description="Enable")
    def enable(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = proxies_set_disabled(proxy_ids=ids, disabled=False, actor=request.user)
        self.message_user(request, f"{count} proxy(ies) enabled.")
