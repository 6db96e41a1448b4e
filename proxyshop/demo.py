"""Demo data for `make run`: a balance for the admin users, and a first sync if the demo
provider (fakes/demo.py, port 8701) is already up. Idempotent."""

from __future__ import annotations

from core.errors import DomainError
from secrets_app.models import Role, User

from .models import LedgerEntry, Product
from .services import proxies_sync, wallet_topup


def seed(stdout) -> None:
    for admin in User.objects.filter(role=Role.ADMIN, is_active=True):
        if not LedgerEntry.objects.filter(wallet__user=admin).exists():
            wallet_topup(actor=admin, username=admin.username, amount="50.00", note="demo balance")
            stdout.write(f"proxyshop: {admin.username} has a demo balance of $50.00")
    if Product.objects.exists():
        return
    try:
        run = proxies_sync(trigger="demo")
        stdout.write(f"proxyshop: synced {run.added} demo proxies")
    except DomainError as exc:
        stdout.write(
            f"proxyshop: no first sync ({exc.message}); the beat job fills the "
            "catalogue once the demo provider runs, or run `manage.py proxy_sync`."
        )
