"""Demo data of the fleet for `make run` (idempotent): a few accounts on each platform and a
small proxy pool. Every demo proxy points at the demo SOCKS5 fake (fakes/socks5.py, on
DEMO_PORT_BASE+5): `demo` and `demo2` log in there (health "alive"), `demo3` is refused on
purpose, so the health job also shows a failing proxy. `start` (run by bin/run-all once the
fakes listen) checks them at once instead of at the first beat run."""

from __future__ import annotations

from django.conf import settings

from .models import Account, AccountStatus, Proxy
from .services.accounts import account_create, account_status_change
from .services.proxies import proxy_allocate, proxy_create

DEMO_PROXIES = [
    ("127.0.0.1", "demo", "demo-pass", "RU", "demo-socks"),
    ("127.0.0.1", "demo2", "demo-pass", "RU", "demo-socks"),
    ("127.0.0.1", "demo3", "demo-pass", "DE", "other"),
]


def demo_socks5_port() -> int:
    return getattr(settings, "DEMO_SOCKS5_PORT", 8705)


DEMO_ACCOUNTS = [
    ("vk", "demo_vk_1", ["demo", "ru"], AccountStatus.ACTIVE),
    ("vk", "demo_vk_2", ["demo"], AccountStatus.CREATING),
    ("telegram", "demo_tg_1", ["demo"], AccountStatus.ACTIVE),
    ("mail", "demo_mail_1", ["demo"], AccountStatus.SUSPENDED),
    ("max", "demo_max_1", ["demo"], AccountStatus.BANNED),
]


def seed(stdout) -> None:
    port = demo_socks5_port()
    for host, user, password, country, provider in DEMO_PROXIES:
        existing = Proxy.objects.filter(host=host, username=user, provider=provider)
        if existing.exists():
            existing.exclude(port=port).update(port=port)  # DEMO_PORT_BASE changed since
        else:
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


def start(stdout) -> None:
    """Check the demo proxies now (the beat job runs every few minutes)."""
    from .services.proxy_health import proxy_check_health

    demo = Proxy.objects.filter(
        username__in=[user for _host, user, *_ in DEMO_PROXIES], host="127.0.0.1"
    )
    health = [proxy_check_health(proxy_id=proxy.pk, actor="demo").health for proxy in demo]
    stdout.write(f"fleet demo: proxy health {', '.join(health)}")
