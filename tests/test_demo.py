"""The demo of `make run` (issue 16, items 3 and 4): fake ports from DEMO_PORT_BASE with a named
way out of a collision; a refundable demo purchase; `seed_demo --start` doing each domain's
first job once the fakes listen (a sync that succeeds, proxies alive, warming actions due in
the first minute). The whole demo against `make run` is `make demo-check`."""

from __future__ import annotations

import io
import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Proxy
from accounts.warming.models import ActionStatus, WarmingAction
from core.errors import Conflict
from fakes import demo as fakes_demo
from proxyshop.models import Product, SyncRun
from proxyshop.services import order_refund, proxy_purchase, wallet_topup
from tests.proxyshop.conftest import configure


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_demo_port_in_use_is_named_with_the_way_out(monkeypatch, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("DEMO_PORT_BASE", str(port - 2))  # the VK fake's port is taken
        assert fakes_demo.demo_port("fakes.vk") == port
        assert fakes_demo.main([]) == 1
    err = capsys.readouterr().err
    assert f"port {port} (VK API, DEMO_PORT_BASE+2) is in use" in err
    assert f"DEMO_PORT_BASE={port - 2 + 1000} make run" in err
    assert "Traceback" not in err


def test_demo_settings_derive_every_fake_url_from_the_base(monkeypatch):
    import importlib

    import config.settings.dev as dev

    monkeypatch.setenv("DEMO_PORT_BASE", "9700")
    for name in ("EXTERNAL_SOCKS_API_URL", "VK_API_URL", "TELEGRAM_WEB_URL", "GITHUB_URL"):
        monkeypatch.delenv(name, raising=False)
    try:
        settings = importlib.reload(dev)
        assert settings.EXTERNAL_SOCKS_API_URL == "http://127.0.0.1:9701/api/v1/authorized"
        assert settings.VK_API_URL == "http://127.0.0.1:9702/method"
        assert settings.TELEGRAM_WEB_URL == "http://127.0.0.1:9703"
        assert settings.GITHUB_URL == "http://127.0.0.1:9704"
        assert settings.DEMO_SOCKS5_PORT == 9705
    finally:
        monkeypatch.undo()
        importlib.reload(dev)


@pytest.fixture
def demo_provider(db):
    from fakes.provider import build_demo_server

    server = build_demo_server(0).start()
    configure(api_url=server.url + "/api/v1/authorized", timeout="5", retry_backoff="0.01")
    yield server
    server.stop()


@pytest.mark.django_db
def test_demo_purchases_are_refundable_once_offline(demo_provider, admin_user):
    import httpx

    from proxyshop.services import proxies_sync

    proxies_sync(trigger="demo")
    wallet_topup(actor=admin_user, username=admin_user.username, amount="20")
    third = next(p for p in Product.objects.order_by("proxy_id") if p.proxy_id % 3 == 0)
    steady = next(p for p in Product.objects.order_by("proxy_id") if p.proxy_id % 3 != 0)
    order, _ = proxy_purchase(user=admin_user, product_id=third.pk)
    assert order_refund(actor=admin_user, order_id=order.order_id) > 0
    # one that stays online: refused until the control page takes it offline
    order, _ = proxy_purchase(user=admin_user, product_id=steady.pk)
    with pytest.raises(Conflict):
        order_refund(actor=admin_user, order_id=order.order_id)
    page = httpx.get(demo_provider.url + "/demo")
    assert page.status_code == 200 and str(steady.proxy_id) in page.text
    taken = httpx.post(demo_provider.url + "/demo/offline", json={"proxy_id": steady.proxy_id})
    assert taken.status_code == 200
    assert order_refund(actor=admin_user, order_id=order.order_id) > 0


@pytest.mark.django_db
def test_seed_then_start_does_each_domains_first_job(demo_provider, settings, monkeypatch):
    from fakes.socks5 import build_demo_server as socks5_demo

    socks = socks5_demo(0).start()
    settings.DEMO_SOCKS5_PORT = socks.port
    try:
        monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-admin-password-1")
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        # seeding alone does not sync (the fakes may not listen yet): no failed "demo" run
        assert not SyncRun.objects.exists()
        started = timezone.now()
        call_command("seed_demo", "--start", stdout=out)
    finally:
        socks.stop()
    run = SyncRun.objects.get()
    assert (run.trigger, run.status) == ("demo", "success") and run.added == 300
    health = dict(Proxy.objects.values_list("username", "health"))
    assert health["demo"] == "alive" and health["demo2"] == "alive"
    assert set(Proxy.objects.values_list("port", flat=True)) == {socks.port}
    # warming: the first actions are due now and were queued by the first tick
    demo_actions = WarmingAction.objects.filter(task__account__login__startswith="demo_")
    assert demo_actions.filter(status=ActionStatus.QUEUED).count() >= 1
    first_minute = demo_actions.filter(scheduled_at__lte=started + timedelta(seconds=60))
    assert first_minute.count() >= 2 * demo_actions.values("task").distinct().count()
    text = out.getvalue()
    assert "proxyshop: synced 300 demo proxies" in text
    assert "fleet demo: proxy health" in text and "warming demo:" in text
