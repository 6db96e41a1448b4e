"""Admin screens of the proxy shop. Actions call the same services as the API."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.errors import DomainError

from .models import (
    LedgerEntry,
    Order,
    OrderStatus,
    Product,
    ProviderRollback,
    PurchaseBatch,
    SyncRun,
    Wallet,
)
from .selectors import dashboard_data, scheduler_status
from .services import (
    order_refund,
    order_refund_reconcile,
    order_refund_resolve,
    proxies_sync,
    wallet_adjust,
    wallet_topup,
)
from .services.refund_settle import ReconcileOutcome

RECONCILE_MESSAGES = {
    ReconcileOutcome.REFUNDED: "the provider made the refund; the buyer is credited.",
    ReconcileOutcome.REOPENED: "the provider did not make the refund; the order is active again.",
    ReconcileOutcome.PENDING: "the provider's answer does not tell; still pending.",
    ReconcileOutcome.PROVIDER_DOWN: "the provider cannot be reached; still pending.",
    ReconcileOutcome.WAITING: "not refunded at the provider yet, but too early to reopen; "
    "still pending.",
    ReconcileOutcome.NEEDS_OPERATOR: "the provider refuses for another reason, which proves "
    "nothing; still pending: resolve it by hand.",
    ReconcileOutcome.SKIPPED: "already settled meanwhile.",
}
RESOLVE_MESSAGES = {
    True: "resolved as refunded at the provider; the buyer is credited.",
    False: "resolved as not refunded; the order is active again.",
}
RECONCILE_SETTLED = (ReconcileOutcome.REFUNDED, ReconcileOutcome.REOPENED)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "proxy_id",
        "country_code",
        "city",
        "isp",
        "type",
        "speed",
        "state",
        "updated_at",
    )
    list_filter = ("state", "type", "country_code")
    search_fields = ("=proxy_id", "ip", "city", "isp")
    list_per_page = 100


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "order_id",
        "user",
        "proxy_id",
        "price",
        "status",
        "refundable",
        "created_at",
        "refunded_at",
        "refund_unknown_at",
        "refund_check_outcome",
        "refund_checked_at",
        "refund_check",
    )
    # status "Refund outcome unknown" lists the refunds the provider has not answered; the
    # refund check "operator must resolve" lists those only an operator can settle
    list_filter = ("status", "refund_check_outcome", "created_at")
    search_fields = ("order_id", "user__username", "=proxy_id")
    # credentials are never shown here: buyers reveal them on their own order page
    exclude = ("credentials",)
    actions = ["refund", "reconcile_refund", "resolve_refunded", "resolve_reopen"]

    def has_resolve_permission(self, request) -> bool:
        return request.user.has_perm("proxyshop.change_order")

    @admin.action(description="Refund selected orders (provider is asked; rules apply)")
    def refund(self, request, queryset):
        for order in queryset:
            try:
                amount = order_refund(actor=request.user, order_id=order.order_id, trigger="admin")
                self.message_user(request, f"{order.order_id}: refunded {amount}.")
            except DomainError as exc:
                self.message_user(request, f"{order.order_id}: {exc.message}", messages.WARNING)

    @admin.action(description="Check now with the provider the refunds it did not answer")
    def reconcile_refund(self, request, queryset):
        for order in queryset.filter(status=OrderStatus.REFUND_PENDING):
            outcome = order_refund_reconcile(order_pk=order.pk, actor=request.user, trigger="admin")
            level = messages.SUCCESS if outcome in RECONCILE_SETTLED else messages.WARNING
            self.message_user(request, f"{order.order_id}: {RECONCILE_MESSAGES[outcome]}", level)
        others = queryset.exclude(status=OrderStatus.REFUND_PENDING).count()
        if others:
            self.message_user(request, f"{others} selected order(s) had no refund to check.")

    def _resolve(self, request, queryset, *, refunded: bool) -> None:
        done = RESOLVE_MESSAGES[refunded]
        for order in queryset.filter(status=OrderStatus.REFUND_PENDING):
            try:
                outcome = order_refund_resolve(
                    order_pk=order.pk, actor=request.user, refunded=refunded
                )
            except DomainError as exc:
                self.message_user(request, f"{order.order_id}: {exc.message}", messages.ERROR)
                continue
            if outcome == ReconcileOutcome.SKIPPED:
                self.message_user(
                    request, f"{order.order_id}: already settled meanwhile.", messages.WARNING
                )
            else:
                self.message_user(request, f"{order.order_id}: {done}", messages.SUCCESS)
        others = queryset.exclude(status=OrderStatus.REFUND_PENDING).count()
        if others:
            self.message_user(request, f"{others} selected order(s) had no refund to resolve.")

    @admin.action(
        description="Resolve: the provider refunded it → credit the buyer", permissions=["resolve"]
    )
    def resolve_refunded(self, request, queryset):
        self._resolve(request, queryset, refunded=True)

    @admin.action(description="Resolve: not refunded → reopen", permissions=["resolve"])
    def resolve_reopen(self, request, queryset):
        self._resolve(request, queryset, refunded=False)


class LedgerInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "amount", "balance_after", "order", "note", "actor")
    readonly_fields = fields
    ordering = ("-id",)
    max_num = 0


class TopupForm(forms.Form):
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    note = forms.CharField(max_length=500, required=False)


class AdjustForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="Signed: negative takes money back (never below 0).",
    )
    note = forms.CharField(max_length=500)


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("user", "balance", "updated_at")
    search_fields = ("user__username",)
    inlines = [LedgerInline]
    actions = ["topup", "adjust"]

    def _balance_action(self, request, queryset, *, form_class, service, action, title):
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for wallet in queryset.select_related("user"):
                try:
                    service(
                        actor=request.user,
                        username=wallet.user.username,
                        amount=form.cleaned_data["amount"],
                        note=form.cleaned_data["note"],
                    )
                    self.message_user(request, f"{wallet.user.username}: done.")
                except DomainError as exc:
                    self.message_user(
                        request, f"{wallet.user.username}: {exc.message}", messages.ERROR
                    )
            return None
        return render(
            request,
            "admin/proxyshop/wallet/topup.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "wallets": queryset,
                "title": title,
                "action": action,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Top up the selected wallets")
    def topup(self, request, queryset):
        return self._balance_action(
            request,
            queryset,
            form_class=TopupForm,
            service=wallet_topup,
            action="topup",
            title="Top up wallets",
        )

    @admin.action(description="Adjust the selected wallets (signed amount, with a note)")
    def adjust(self, request, queryset):
        return self._balance_action(
            request,
            queryset,
            form_class=AdjustForm,
            service=wallet_adjust,
            action="adjust",
            title="Adjust wallets",
        )


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "wallet",
        "kind",
        "amount",
        "balance_after",
        "order",
        "actor",
        "note",
    )
    list_filter = ("kind",)
    search_fields = ("wallet__user__username", "order__order_id", "note")


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = (
        "sync_time",
        "status",
        "trigger",
        "country_code",
        "total_fetched",
        "total_available_external",
        "added",
        "updated",
        "skipped",
        "removed",
        "duration",
        "short_error",
    )
    list_filter = ("status", "trigger")
    change_list_template = "admin/proxyshop/syncrun/change_list.html"

    @admin.display(description="error")
    def short_error(self, obj: SyncRun) -> str:
        return obj.error[:80]

    def get_urls(self):
        extra = [
            path(
                "sync-now/",
                self.admin_site.admin_view(self.sync_now),
                name="proxyshop_syncrun_sync_now",
            ),
            path(
                "dashboard/", self.admin_site.admin_view(self.dashboard), name="proxyshop_dashboard"
            ),
        ]
        return extra + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "scheduler": scheduler_status()}
        return super().changelist_view(request, extra_context)

    def sync_now(self, request):
        if request.method == "POST":
            try:
                run = proxies_sync(trigger="admin", actor=request.user)
                self.message_user(
                    request,
                    f"Sync done: {run.added} added, {run.updated} updated, {run.removed} removed.",
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:proxyshop_syncrun_changelist"))

    def dashboard(self, request):
        data = dashboard_data()
        max_revenue = max((float(d["revenue"]) for d in data["days"]), default=0) or 1
        max_sales = max((max(d["sales"], d["refunds"]) for d in data["days"]), default=0) or 1
        max_country = max((c["n"] for c in data["countries"]), default=0) or 1
        for day in data["days"]:
            day["revenue_pct"] = round(float(day["revenue"]) * 100 / max_revenue)
            day["sales_pct"] = round(day["sales"] * 100 / max_sales)
            day["refunds_pct"] = round(day["refunds"] * 100 / max_sales)
        for country in data["countries"]:
            country["pct"] = round(country["n"] * 100 / max_country)
        return TemplateResponse(
            request,
            "admin/proxyshop/dashboard.html",
            {
                **self.admin_site.each_context(request),
                **data,
                "title": "Proxy shop dashboard",
            },
        )


@admin.register(PurchaseBatch)
class PurchaseBatchAdmin(ReadOnlyAdmin):
    list_display = ("batch_id", "user", "created_at")
    search_fields = ("batch_id", "user__username")


@admin.register(ProviderRollback)
class ProviderRollbackAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "batch_ref",
        "user",
        "proxy_id",
        "credentials_id",
        "refunded",
        "message",
    )
    list_filter = ("refunded",)
