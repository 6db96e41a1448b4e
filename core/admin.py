"""Admin screens of the platform's spine: settings and the security configuration as forms,
the audit log (read-only) with the chain status and its export, and the runs of periodic jobs."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .audit import audit_record
from .audit_verify import audit_export, audit_verify
from .errors import DomainError
from .models import AuditChain, AuditEvent, JobRun, SystemSetting
from .registry import definitions
from .security import FIELDS as SECURITY_FIELDS
from .sysconfig import security_update, setting_change, settings_describe


def _setting_field(item: dict) -> forms.Field:
    kind = item["type"]
    label = item["key"]
    common = {"label": label, "required": False, "help_text": item["description"]}
    if kind == "bool":
        return forms.BooleanField(**common)
    if kind == "json":
        return forms.JSONField(**common)
    if item["secret"]:
        return forms.CharField(widget=forms.PasswordInput(render_value=False), **common)
    return forms.CharField(**common)


@admin.register(SystemSetting)
class SettingsAdmin(admin.ModelAdmin):
    """Settings and the security configuration as forms, validated by the registry; every
    change goes through the same service as the API (admins only, audited old → new)."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "security/",
                self.admin_site.admin_view(self.security_view),
                name="core_security",
            )
        ] + super().get_urls()

    def _form_view(self, request, items: list[dict], title: str, save):
        initial = {i["key"]: i["value"] for i in items}
        form = forms.Form(request.POST or None, initial=initial)
        for item in items:
            form.fields[item["key"]] = _setting_field(item)
        if request.method == "POST" and form.is_valid():
            changed = {}
            for item in items:
                key = item["key"]
                new = form.cleaned_data.get(key)
                if item["secret"] and new in ("", None):
                    continue  # an empty password box keeps the secret value
                if item["type"] != "bool" and new in ("", None):
                    continue
                if str(new) != str(initial.get(key)):
                    changed[key] = new
            try:
                save(changed)
            except DomainError as exc:
                errors = getattr(exc, "errors", [{"msg": exc.message}])
                for error in errors:
                    form.add_error(None, error["msg"])
            else:
                self.message_user(request, f"Saved {len(changed)} change(s).")
                return HttpResponseRedirect(request.path)
        return TemplateResponse(
            request,
            "core/admin/settings.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "form": form,
                "opts": self.model._meta,
                "security_url": reverse("admin:core_security"),
                # settings that cannot be read (sealed under a key no longer in the keyring)
                "problems": [i["problem"] for i in items if i["problem"]],
            },
        )

    def changelist_view(self, request, extra_context=None):
        keys = [d.key for d in definitions() if not d.key.startswith("security.")]
        items = settings_describe(keys)

        def save(changed):
            for key, value in changed.items():
                setting_change(key=key, value=value, user=request.user)

        return self._form_view(request, items, "Settings", save)

    def security_view(self, request):
        items = settings_describe([f"security.{name}" for name in SECURITY_FIELDS])

        def save(changed):
            if changed:
                security_update(
                    changes={k.removeprefix("security."): v for k, v in changed.items()},
                    user=request.user,
                )

        return self._form_view(request, items, "Security configuration", save)


TAIL_ROWS = 10_000


@admin.register(AuditChain)
class AuditChainAdmin(admin.ModelAdmin):
    """The chain status (the newest rows checked on open, the whole chain on request) and the
    export of the log as JSON lines."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="core_auditchain_export",
            )
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        # Every audited request adds a row: by default the page checks the newest rows (and
        # the chain head) so that it opens at once on a large log; "?full=1" walks it all.
        full = request.GET.get("full") == "1"
        report = audit_verify() if full else audit_verify(tail=TAIL_ROWS)
        context = {
            **self.admin_site.each_context(request),
            "title": "Audit chain status",
            "report": report,
            "full": full,
            "tail_rows": TAIL_ROWS,
            "opts": self.model._meta,
            "export_url": reverse("admin:core_auditchain_export"),
        }
        return TemplateResponse(request, "core/admin/audit_chain.html", context)

    def export_view(self, request):
        audit_record(action="audit.export", target_type="audit")
        lines = (line + "\n" for line in audit_export())
        response = StreamingHttpResponse(lines, content_type="application/x-ndjson")
        response["Content-Disposition"] = 'attachment; filename="audit-log.jsonl"'
        return response


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only and hash-chained."""

    list_display = (
        "id",
        "created_at",
        "actor",
        "accessor",
        "ip",
        "action",
        "target_type",
        "target",
        "outcome",
    )
    list_filter = ("outcome", "action", "target_type")
    search_fields = ("actor", "accessor", "target", "ip", "action")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "started_at", "finished_at", "duration", "short_error")
    list_filter = ("status", "name")
    search_fields = ("name", "error")
    readonly_fields = [f.name for f in JobRun._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Seconds")
    def duration(self, obj: JobRun):
        return None if obj.duration_seconds is None else round(obj.duration_seconds, 2)

    @admin.display(description="Error")
    def short_error(self, obj: JobRun) -> str:
        return obj.error.splitlines()[0][:120] if obj.error else ""
