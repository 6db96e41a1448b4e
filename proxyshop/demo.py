"""Demo data for `make run`: a balance for the admin users (idempotent). The first sync is
`start`'s, run by bin/run-all once the demo provider listens (fakes/demo.py): syncing here, before
the fakes run, would only record a failed sync at every start."""

from __future__ import annotations

from core.errors import DomainError
from secrets_app.models import Role, User

from .models import LedgerEntry
from .services import proxies_sync, wallet_topup


def seed(stdout) -> None:
    for admin in User.objects.filter(role=Role.ADMIN, is_active=True):
        if not LedgerEntry.objects.filter(wallet__user=admin).exists():
            wallet_topup(actor=admin, username=admin.username, amount="50.00", note="demo balance")
            stdout.write(f"proxyshop: {admin.username} has a demo balance of $50.00")


def start(stdout) -> None:
    """Fill the catalogue from the demo provider now instead of at the first beat run. The demo
    provider takes every third proxy offline once it is sold, so its refund works."""
    try:
        run = proxies_sync(trigger="demo")
    except DomainError as exc:
        stdout.write(f"proxyshop: the first sync failed ({exc.message}); the beat job retries")
        return
    stdout.write(f"proxyshop: synced {run.total_fetched} demo proxies ({run.added} new)")
