"""Admin screens of the identity core: users, tokens, API clients."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.html import format_html

from ..models import ApiClient, Token, User
from ..services.clients import client_register
from ..services.lockout import lockout_clear, lockout_state
from ..services.tokens import tokens_revoke


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "email",
        "role",
        "is_active",
        "lockout",
        "last_login",
        "date_joined",
    )
    list_filter = ("role", "is_active")
    search_fields = ("username", "email")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("role", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "role", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    actions = ["unlock", "revoke_all_tokens"]

    @admin.display(description="Lockout")
    def lockout(self, obj: User) -> str:
        state = lockout_state(username=obj.username)
        if state["user_locked"]:
            return format_html(
                '<b style="color:#b42318">locked</b> ({} failures)', state["user_failures"]
            )
        return f"{state['user_failures']} failures" if state["user_failures"] else "—"

    @admin.action(description="Clear login lockout")
    def unlock(self, request, queryset):
        for user in queryset:
            lockout_clear(username=user.username)
        self.message_user(request, f"Lockout cleared for {queryset.count()} user(s).")

    @admin.action(description="Revoke all tokens of the selected users")
    def revoke_all_tokens(self, request, queryset):
        count = tokens_revoke(
            Token.objects.filter(user__in=queryset), reason="revoked by admin", actor=request.user
        )
        self.message_user(request, f"{count} token(s) revoked.")


class LiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("revoked", "Revoked"), ("expired", "Expired")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "live":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin):
    """The token itself is never stored, so never shown; admins act by accessor."""

    list_display = (
        "accessor",
        "user",
        "kind",
        "policies",
        "expires_at",
        "uses_left",
        "bound_cidrs",
        "revoked_at",
    )
    list_filter = (LiveFilter, "kind", "renewable")
    search_fields = ("accessor", "user__username", "display_name")
    list_select_related = ("user",)
    exclude = ("token_hash",)
    readonly_fields = [f.name for f in Token._meta.fields if f.name != "token_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Uses left")
    def uses_left(self, obj: Token) -> str:
        return str(obj.uses_remaining) if obj.num_uses else "unlimited"

    @admin.action(description="Revoke selected tokens (and their children)")
    def revoke(self, request, queryset):
        count = tokens_revoke(queryset, reason="revoked by admin", actor=request.user)
        self.message_user(request, f"{count} token(s) revoked.")


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "client_id", "allowed_policies", "is_active", "created_at")
    search_fields = ("name", "client_id")
    list_filter = ("is_active",)
    fields = ("name", "client_id", "allowed_policies", "is_active", "created_at")
    readonly_fields = ("client_id", "created_at")

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        client, secret = client_register(
            name=obj.name, allowed_policies=obj.allowed_policies, actor=request.user
        )
        obj.pk = client.pk
        obj.client_id = client.client_id
        obj.secret_hash = client.secret_hash
        obj.created_at = client.created_at
        messages.warning(
            request,
            f"Client secret for {client.client_id} (shown once, store it now): {secret}",
        )
