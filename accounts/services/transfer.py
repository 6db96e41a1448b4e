"""Bulk import and export of accounts (used by `manage.py import_accounts` / `export_accounts`).

Rows have the fields platform, login, password, phone, additional (dict or JSON text), tags
(list or text separated by `;` or `,`), status. Credentials are encrypted by the model fields;
an export carries them only when asked to, and every export is audited (never the values).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction

from core.audit import audit_record
from core.errors import DomainError

from ..models import Account
from .accounts import account_create

FIELDS = ["platform", "login", "password", "phone", "additional", "tags", "status"]
PUBLIC_FIELDS = ["id", "platform", "login", "status", "tags", "proxy", "created_at"]
SECRET_FIELDS = ["password", "phone", "additional"]


class _Rollback(Exception):
    pass


def parse_rows(text: str, fmt: str) -> list[dict[str, Any]]:
    """CSV (header row) or JSON (a list of objects). Raises ValueError for an unreadable file."""
    if fmt == "json":
        data = json.loads(text)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ValueError("the JSON file must hold a list of objects")
        return data
    return list(csv.DictReader(io.StringIO(text)))


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    additional = row.get("additional") or {}
    if isinstance(additional, str):
        try:
            additional = json.loads(additional)
        except json.JSONDecodeError:
            raise ValueError("additional is not valid JSON") from None
    if not isinstance(additional, dict):
        raise ValueError("additional must be an object")
    tags = row.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.replace(",", ";").split(";") if t.strip()]
    missing = [f for f in ("platform", "login", "password") if not row.get(f)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    return {
        "platform": str(row["platform"]).strip().lower(),
        "login": str(row["login"]).strip(),
        "password": str(row["password"]),
        "phone": str(row.get("phone") or ""),
        "additional_data": additional,
        "tags": tags,
        "status": str(row.get("status") or "creating").strip().lower(),
    }


def accounts_import(
    *, rows: list[dict[str, Any]], atomic: bool = False, actor: Any = "import"
) -> dict[str, Any]:
    """Create an account per row. Returns {"created": n, "errors": [{"row", "error"}]}.

    Rows are numbered from 1. With `atomic`, any error rolls back every row (created = 0).
    """
    created, errors = 0, []

    def run() -> None:
        nonlocal created
        for number, row in enumerate(rows, start=1):
            try:
                account_create(**_clean(row), actor=actor)
                created += 1
            except ValueError as exc:
                errors.append({"row": number, "error": str(exc)})
            except DomainError as exc:
                errors.append({"row": number, "error": exc.message})

    if atomic:
        try:
            with transaction.atomic():
                run()
                if errors:
                    raise _Rollback
        except _Rollback:
            created = 0
    else:
        run()
    audit_record(
        action="account.import",
        target_type="account",
        accessor=actor if isinstance(actor, str) else "",
        actor=None if isinstance(actor, str) else actor,
        # an atomic import with errors changed nothing: recorded as refused
        outcome="denied" if atomic and errors else "success",
        data={"rows": len(rows), "created": created, "errors": len(errors), "atomic": atomic},
    )
    return {"created": created, "errors": errors}


def _export_row(account: Account, with_credentials: bool) -> dict[str, Any]:
    row = {
        "id": account.pk,
        "platform": account.platform,
        "login": account.login,
        "status": account.status,
        "tags": account.tags,
        "proxy": str(account.proxy) if account.proxy_id else "",
        "created_at": account.created_at.isoformat(),
    }
    if with_credentials:
        row["password"] = account.password or ""
        row["phone"] = account.phone or ""
        row["additional"] = account.additional_data or {}
    return row


def accounts_export(
    *,
    queryset: Iterable[Account],
    fmt: str = "json",
    with_credentials: bool = False,
    actor: Any = "export",
) -> Iterator[str]:
    """The accounts as CSV or JSON text chunks; audited once with the count (no values)."""
    rows = [_export_row(a, with_credentials) for a in queryset]
    audit_record(
        action="account.export",
        target_type="account",
        accessor=actor if isinstance(actor, str) else "",
        actor=None if isinstance(actor, str) else actor,
        data={"count": len(rows), "with_credentials": with_credentials, "format": fmt},
    )
    if fmt == "json":
        yield json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
        return
    columns = PUBLIC_FIELDS + (SECRET_FIELDS if with_credentials else [])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        row = dict(row, tags=";".join(row["tags"]))
        if with_credentials:
            row["additional"] = json.dumps(row["additional"], ensure_ascii=False)
        writer.writerow(row)
    yield buffer.getvalue()
