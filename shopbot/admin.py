"""Admin screens of the shop bot: linked Telegram users (unlink), alert chats and the alerts
sent to them, handled updates and the bot's recent errors. Actions call the same services as
the bot and the pages."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from core.errors import DomainError
from core.registry import setting_get
from core.sysconfig import setting_change

from .models import AlertDelivery, AlertState, BotError, ProcessedUpdate, TelegramLink
from .services import alert_test, telegram_unlink


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TelegramLink)
class TelegramLinkAdmin(ReadOnlyAdmin):
    list_display = ("user", "telegram_id", "username", "language_code", "linked_at")
    search_fields = ("user__username", "=telegram_id", "username")
    list_filter = ("language_code",)
    actions = ["unlink"]

    @admin.action(description="Unlink the selected Telegram accounts")
    def unlink(self, request, queryset):
        count = 0
        for link in queryset.select_related("user"):
            count += telegram_unlink(user=link.user, actor=request.user)
        self.message_user(request, f"{count} Telegram account(s) unlinked.")

    def has_change_permission(self, request, obj=None):
        # the unlink action needs it; the form itself stays read-only (no editable fields)
        return request.user.is_active and request.user.is_staff

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class AlertChatsForm(forms.Form):
    chats = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
        help_text="One Telegram chat id per line (groups have negative ids, e.g. -1001234567890). "
        "Add the bot to the group first.",
    )

    def clean_chats(self) -> list[int]:
        out = []
        for line in self.cleaned_data["chats"].replace(",", "\n").splitlines():
            line = line.strip()
            if not line:
                continue
            if not line.lstrip("-").isdigit():
                raise forms.ValidationError(f"Not a chat id: {line!r}")
            out.append(int(line))
        return out


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "chat_id", "status", "attempts", "sent_at", "error")
    list_filter = ("kind", "status", "chat_id")
    search_fields = ("=chat_id", "text", "dedupe_key")
    change_list_template = "admin/shopbot/alertdelivery/change_list.html"

    def get_urls(self):
        return [
            path(
                "chats/",
                self.admin_site.admin_view(self.chats_view),
                name="shopbot_alert_chats",
            )
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra = {"alert_chats": setting_get("telegram.alert_chats") or []}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def chats_view(self, request):
        """The alert chats (registry `telegram.alert_chats`), each with its last alert; edit the
        list (admins), or send a test alert to every chat."""
        chats = setting_get("telegram.alert_chats") or []
        may_edit = getattr(request.user, "is_admin", False)
        form = AlertChatsForm(initial={"chats": "\n".join(map(str, chats))})
        if request.method == "POST" and "test" in request.POST:
            sent = alert_test(actor=request.user)
            messages.success(request, f"Test alert queued for {len(sent)} chat(s).")
            return HttpResponseRedirect(reverse("admin:shopbot_alert_chats"))
        if request.method == "POST" and may_edit:
            form = AlertChatsForm(request.POST)
            if form.is_valid():
                try:
                    setting_change(
                        key="telegram.alert_chats",
                        value=form.cleaned_data["chats"],
                        user=request.user,
                    )
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, "Alert chats saved.")
                    return HttpResponseRedirect(reverse("admin:shopbot_alert_chats"))
        rows = []
        for chat_id in chats:
            last = AlertDelivery.objects.filter(chat_id=chat_id).first()
            rows.append({"chat_id": chat_id, "last": last})
        context = {
            **self.admin_site.each_context(request),
            "title": "Alert chats",
            "rows": rows,
            "form": form,
            "may_edit": may_edit,
            "states": AlertState.objects.all(),
            "now": timezone.now(),
        }
        return TemplateResponse(request, "admin/shopbot/alert_chats.html", context)


@admin.register(AlertState)
class AlertStateAdmin(ReadOnlyAdmin):
    list_display = ("key", "active", "since", "changed_at", "detail")


@admin.register(BotError)
class BotErrorAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "method", "chat_id", "update_id", "short_error")
    list_filter = ("kind", "method")
    search_fields = ("=chat_id", "=update_id", "error")
    date_hierarchy = "created_at"

    @admin.display(description="error")
    def short_error(self, obj: BotError) -> str:
        return obj.error.splitlines()[-1][:150] if obj.error else ""


@admin.register(ProcessedUpdate)
class ProcessedUpdateAdmin(ReadOnlyAdmin):
    list_display = ("update_id", "kind", "chat_id", "source", "outcome", "attempts", "claimed_at")
    list_filter = ("outcome", "kind", "source")
    search_fields = ("=update_id", "=chat_id")
