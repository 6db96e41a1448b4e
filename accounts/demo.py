"""Demo data of the fleet for `make run` (idempotent): a few accounts on each platform and a
small proxy pool. The first demo proxy points at the demo SOCKS5 fake (fakes/socks5.py, port
8705, user demo / demo-pass) when fakes/demo.py starts it; the others are unreachable on
purpose, so the health job shows a dead proxy."""

from __future__ import annotations

from .models import Account, AccountStatus, Proxy
from .services.accounts import account_create, account_status_change
from .services.proxies import proxy_allocate, proxy_create

DEMO_PROXIES = [
    ("127.0.0.1", 8705, "demo", "demo-pass", "RU", "demo-socks"),
    ("127.0.0.1", 8706, "demo2", "demo-pass", "RU", "demo-socks"),
    ("127.0.0.1", 8707, "demo3", "demo-pass", "DE", "other"),
]
DEMO_ACCOUNTS = [
    ("vk", "demo_vk_1", ["demo", "ru"], AccountStatus.ACTIVE),
    ("vk", "demo_vk_2", ["demo"], AccountStatus.CREATING),
    ("telegram", "demo_tg_1", ["demo"], AccountStatus.ACTIVE),
    ("mail", "demo_mail_1", ["demo"], AccountStatus.SUSPENDED),
    ("max", "demo_max_1", ["demo"], AccountStatus.BANNED),
]


def seed(stdout) -> None:
    for host, port, user, password, country, provider in DEMO_PROXIES:
        if not Proxy.objects.filter(host=host, port=port, username=user).exists():
            proxy_create(
                host=host,
                port=port,
                username=user,
                password=password,
                country=country,
                provider=provider,
                actor="demo",
            )
    created = 0
    for platform, login, tags, status in DEMO_ACCOUNTS:
        if Account.objects.filter(platform=platform, login=login).exists():
            continue
        account = account_create(
            platform=platform,
            login=login,
            password=f"demo-password-{login}",
            phone="+79990000000",
            tags=tags,
            status=AccountStatus.ACTIVE
            if status != AccountStatus.CREATING
            else AccountStatus.CREATING,
            actor="demo",
        )
        if status not in (AccountStatus.ACTIVE, AccountStatus.CREATING):
            account_status_change(
                account_id=account.pk, new_status=status, reason="demo data", actor="demo"
            )
        created += 1
    first = Account.objects.filter(login="demo_vk_1").first()
    if first and first.proxy_id is None:
        proxy_allocate(account_id=first.pk, preferred_country="RU", actor="demo")
    stdout.write(f"fleet demo: {created} account(s) created, {Proxy.objects.count()} proxies")
