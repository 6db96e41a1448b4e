import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from core.errors import Conflict, Unavailable
from core.locks import job_lock
from core.models import AuditEvent
from proxyshop.models import Product, ProductState, SyncRun
from proxyshop.selectors import SYNC_TASK_NAME
from proxyshop.services import proxies_sync
from proxyshop.tasks import sync_inventory_task
from tests.proxyshop.conftest import configure

pytestmark = pytest.mark.django_db


def test_beat_schedule_exists_after_migrate():
    task = PeriodicTask.objects.get(name=SYNC_TASK_NAME)
    assert task.task == "proxyshop.sync_inventory" and task.enabled
    assert task.interval.every == 5 and task.interval.period == "minutes"
    assert 0 < task.expire_seconds < 300


def test_first_sync_adds_every_online_proxy_across_pages(provider):
    provider.add_proxies(25)
    offline = provider.add_proxy(status=0)
    run = proxies_sync(trigger="test", page_size=10)
    assert (run.status, run.total_fetched, run.added, run.updated, run.pages) == (
        "success",
        25,
        25,
        0,
        3,
    )
    assert run.total_available_external == 25
    assert not Product.objects.filter(proxy_id=offline["proxy_id"]).exists()
    assert [r.arg("page") for r in provider.calls("list")] == ["0", "1", "2"]
    assert AuditEvent.objects.filter(action="proxyshop.sync").exists()


def test_second_sync_updates_changed_removes_missing_and_skips_unchanged(provider):
    items = provider.add_proxies(10)
    proxies_sync(trigger="test")
    provider.update(items[0]["proxy_id"], city="Boston", speed="999", mobile=True)
    provider.set_online(items[1]["proxy_id"], False)
    provider.remove(items[2]["proxy_id"])
    new = provider.add_proxy()
    run = proxies_sync(trigger="test")
    assert (run.added, run.updated, run.removed, run.skipped) == (1, 1, 2, 7)
    changed = Product.objects.get(proxy_id=items[0]["proxy_id"])
    assert (changed.city, changed.speed, changed.type) == ("Boston", 999, "mobile")
    assert Product.objects.get(proxy_id=items[1]["proxy_id"]).state == ProductState.UNAVAILABLE
    assert Product.objects.get(proxy_id=items[2]["proxy_id"]).state == ProductState.UNAVAILABLE
    assert Product.objects.get(proxy_id=new["proxy_id"]).state == ProductState.AVAILABLE
    # back online: back on sale
    provider.set_online(items[1]["proxy_id"], True)
    run = proxies_sync(trigger="test")
    assert run.updated == 1
    assert Product.objects.get(proxy_id=items[1]["proxy_id"]).state == ProductState.AVAILABLE


def test_malformed_items_are_skipped(provider):
    provider.add_proxies(3)
    provider.add_raw({"ip": "1.1.1.1", "country": "X"})
    provider.add_raw({"proxy_id": 77})
    run = proxies_sync(trigger="test")
    assert (run.total_fetched, run.added, run.invalid, run.skipped) == (5, 3, 2, 2)


def test_sold_product_is_never_put_back_on_sale(provider):
    item = provider.add_proxy()
    proxies_sync(trigger="test")
    Product.objects.filter(proxy_id=item["proxy_id"]).update(state=ProductState.SOLD)
    provider.update(item["proxy_id"], city="Elsewhere")
    proxies_sync(trigger="test")
    assert Product.objects.get(proxy_id=item["proxy_id"]).state == ProductState.SOLD


def test_failure_halfway_changes_nothing_and_is_recorded(provider):
    provider.add_proxies(30)
    proxies_sync(trigger="test", page_size=10)
    provider.add_proxies(5)
    for item in list(provider.items.values())[:3]:
        provider.remove(item["proxy_id"])
    provider.fail("list", status=502, page=1, times=3)
    with pytest.raises(Unavailable, match="HTTP 502"):
        proxies_sync(trigger="test", page_size=10)
    run = SyncRun.objects.first()
    assert run.status == "failed" and "502" in run.error
    # neither the new page-0 proxies nor the removals were applied
    assert Product.objects.filter(state=ProductState.AVAILABLE).count() == 30
    assert Product.objects.count() == 30
    assert provider.calls("list")[-1].arg("page") == "1"


def test_never_two_syncs_at_once(provider):
    provider.add_proxies(2)
    with job_lock("proxyshop.sync", 60) as held:
        assert held
        with pytest.raises(Conflict, match="Another sync"):
            proxies_sync(trigger="test")
        assert sync_inventory_task() is None
    assert SyncRun.objects.filter(status="skipped").count() == 2
    assert Product.objects.count() == 0
    result = sync_inventory_task()
    assert result["added"] == 2


def test_task_records_provider_down(provider):
    configure(api_url="http://127.0.0.1:9/api/v1/authorized", retries=0)
    result = sync_inventory_task()
    assert "cannot be reached" in result["error"]
    assert SyncRun.objects.get().status == "failed"


def test_queries_grow_with_pages_not_proxies(provider):
    proxies_sync(trigger="test", page_size=100)  # warms the settings cache
    provider.add_proxies(50)
    with CaptureQueriesContext(connection) as small:
        proxies_sync(trigger="test", page_size=100)
    Product.objects.all().delete()
    provider.add_proxies(450)
    with CaptureQueriesContext(connection) as large:
        proxies_sync(trigger="test", page_size=1000)
    assert len(large) == len(small)


def test_country_sync_only_removes_within_that_country(provider):
    provider.add_proxies(10)
    proxies_sync(trigger="test")
    us_before = Product.objects.filter(country_code="US", state="available").count()
    de_before = Product.objects.filter(country_code="DE", state="available").count()
    for pid, item in list(provider.items.items()):
        if item["country_code"] in ("US", "DE"):
            provider.set_online(pid, False)
    run = proxies_sync(trigger="manual", country_code="us")
    assert run.removed == us_before
    assert Product.objects.filter(country_code="DE", state="available").count() == de_before


def test_a_provider_page_cap_below_ours_loses_nothing(provider):
    provider.max_page_size = 10
    provider.add_proxies(25)
    run = proxies_sync(trigger="test", page_size=20)
    assert (run.status, run.total_fetched, run.added, run.removed) == ("success", 25, 25, 0)
    assert Product.objects.filter(state=ProductState.AVAILABLE).count() == 25


@pytest.mark.parametrize(
    "bad",
    [
        {"proxy_id": 10**19, "ip": "1.2.3.4"},
        {"proxy_id": 7, "ip": "1.2.3.5", "speed": "99999999999"},
        {"proxy_id": 8, "ip": "1.2.3.6", "speed": "²"},
        {"proxy_id": True, "ip": "1.2.3.7"},
        {"proxy_id": 9, "ip": "1.2.3.8", "status": 10**30},
    ],
)
def test_out_of_range_items_never_block_a_sync(provider, bad):
    provider.add_proxies(5)
    provider.add_raw(bad)
    run = proxies_sync(trigger="test")
    assert run.status == "success"
    assert Product.objects.filter(state=ProductState.AVAILABLE).count() >= 5


def test_the_next_sync_fails_the_run_a_lost_worker_left_running(provider):
    from core.models import JobRun

    provider.add_proxies(2)
    JobRun.objects.create(name="proxyshop.sync")  # its worker died: the lock is long gone
    lost = SyncRun.objects.create(trigger="beat")
    run = proxies_sync(trigger="test")
    assert (run.status, run.added) == ("success", 2)
    lost.refresh_from_db()
    assert lost.status == "failed" and "Worker lost" in lost.error and lost.finished_at
    assert not JobRun.objects.filter(status="running").exists()
