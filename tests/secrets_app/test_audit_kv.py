"""Tamper-evident audit of the secrets store, and secret values never stored or shown in clear."""

import io
import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from core.models import AuditEvent
from secrets_app.services import kv

from .kv_helpers import token_context

pytestmark = pytest.mark.django_db
VALUE = "TOP-SECRET-7c1d2e3f"


def _populate(admin_user, auth_client):
    c = auth_client(admin_user)
    c.post(
        "/api/v1/secrets/create",
        {"path": "audit/a", "value": VALUE, "metadata": {"m": "1"}},
        format="json",
    )
    c.put("/api/v1/secrets/audit/a", {"value": {"nested": VALUE}}, format="json")
    c.get("/api/v1/secrets/audit/a")
    c.get("/api/v1/secrets/audit/a?version=1")
    c.get("/api/v1/secrets?path_prefix=audit/")
    c.get("/api/v1/secrets/children?prefix=audit/")
    c.post("/api/v1/secrets/audit/a/delete", {"versions": [1]}, format="json")
    c.post("/api/v1/secrets/wrap", {"value": VALUE}, format="json")
    return c


def test_every_secret_operation_is_audited_with_actor_accessor_ip(admin_user, auth_client):
    _populate(admin_user, auth_client)
    events = list(AuditEvent.objects.filter(target_type="secret").order_by("id"))
    actions = [e.action for e in events]
    assert actions == [
        "secret.write",
        "secret.write",
        "secret.read",
        "secret.read",
        "secret.list",
        "secret.list",
        "secret.delete",
    ]
    for event in events:
        assert event.actor == admin_user.username and event.accessor and event.ip == "127.0.0.1"
        assert event.outcome == "success"
    assert events[0].target == "audit/a" and events[0].data["version"] == 1
    assert events[0].data["value_hmac"].startswith("hmac-sha256:")
    assert events[0].data["value_hmac"] != events[1].data["value_hmac"]


def test_refused_attempts_are_audited(user, admin_user):
    kv.secret_write(path="audit/x", value=VALUE, user=admin_user, context=None)
    _, ctx = token_context(user)
    with pytest.raises(Exception):
        kv.secret_read(path_or_id="audit/x", user=user, context=ctx)
    event = AuditEvent.objects.filter(outcome="denied").latest("id")
    assert (event.action, event.target, event.accessor) == ("secret.read", "audit/x", ctx.accessor)


def test_value_never_in_database_logs_or_audit(admin_user, auth_client, caplog):
    caplog.set_level(logging.DEBUG)
    _populate(admin_user, auth_client)
    assert VALUE not in caplog.text
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT t::text FROM "{table}" t')  # noqa: S608 (our own table names)
            for (row,) in cursor.fetchall():
                assert VALUE not in row, f"{table} holds the value in clear"
    exported = "\n".join(json.dumps(e.data) for e in AuditEvent.objects.all())
    assert VALUE not in exported


def test_verify_audit_log_names_the_first_altered_row(admin_user, auth_client):
    _populate(admin_user, auth_client)
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out)
    assert "OK" in out.getvalue()
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    victim = ids[3]
    AuditEvent.objects.filter(id=victim).update(outcome="denied")
    with pytest.raises(CommandError, match=f"row #{victim}: its content was altered"):
        call_command("verify_audit_log")
    out = io.StringIO()  # the newest rows only: the altered one is further back
    call_command("verify_audit_log", "--tail", str(len(ids) - 4), stdout=out)
    assert f"{len(ids) - 4} rows verified" in out.getvalue()


def test_verify_audit_log_names_the_row_after_a_removed_one(admin_user, auth_client):
    _populate(admin_user, auth_client)
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    AuditEvent.objects.filter(id=ids[2]).delete()
    with pytest.raises(CommandError, match=f"row #{ids[3]}: its prev_hash"):
        call_command("verify_audit_log")


def test_export_audit_log_as_json_lines(admin_user, auth_client, tmp_path):
    _populate(admin_user, auth_client)
    target = tmp_path / "audit.jsonl"
    call_command("export_audit_log", "--output", str(target), stdout=io.StringIO())
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(lines) == AuditEvent.objects.count()
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(lines, lines[1:], strict=False))
    assert VALUE not in target.read_text()
