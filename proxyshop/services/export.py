"""Exporting a customer's active proxies (API `orders/export`, the shop bot's /export)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from core.audit import audit_record
from core.errors import InvalidArgument
from secrets_app.models import User

from ..selectors import order_export_rows

FORMATS = ("csv", "txt")
CSV_COLUMNS = ["order_id", "ip", "port", "login", "password", "country", "ISP", "expires_at"]


@dataclass(frozen=True)
class ExportDocument:
    filename: str
    content_type: str
    body: str
    count: int


def orders_export(*, user: User, fmt: str) -> ExportDocument:
    """`user`'s active proxies: TXT lines `ip:port:login:password`, or CSV with a header.
    Audited (the credentials leave the shop). Raises InvalidArgument for another format."""
    if fmt not in FORMATS:
        raise InvalidArgument("format must be csv or txt.", field="format", location="query")
    rows = order_export_rows(user=user)
    audit_record(
        action="proxyshop.order.export",
        target_type="user",
        target=user.username,
        data={"format": fmt, "count": len(rows)},
    )
    if fmt == "txt":
        text = "".join(f"{r['ip']}:{r['port']}:{r['login']}:{r['password']}\n" for r in rows)
        return ExportDocument("proxies.txt", "text/plain; charset=utf-8", text, len(rows))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r["order_id"],
                r["ip"],
                r["port"],
                r["login"],
                r["password"],
                r.get("country", ""),
                r.get("ISP", ""),
                r["expires_at"].isoformat() if r["expires_at"] else "",
            ]
        )
    return ExportDocument("proxies.csv", "text/csv; charset=utf-8", out.getvalue(), len(rows))
