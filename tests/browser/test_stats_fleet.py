"""View statistics (submit, live table, history chart) with a real Celery worker and the fake
VK, and the fleet dashboard, in a browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from playwright.sync_api import expect

from config.celery import app as celery_app
from core.registry import setting_set
from fakes.vk import FakeVK
from tests.accounts.factories import AccountFactory, ProxyFactory
from viewstats.models import ViewReading, ViewTask

from .conftest import log_in


@pytest.fixture
def fake_vk(db) -> Iterator[FakeVK]:
    fake = FakeVK().start()
    values = {"vk_api_url": fake.url, "vk_tokens": ["tok-browser-1"], "vk_rps": 0}
    for key, value in values.items():
        setting_set(key=f"viewstats.{key}", value=value)
    yield fake
    fake.stop()


@pytest.fixture
def worker(transactional_db) -> Iterator[object]:
    """A real Celery worker (threads) consuming this test's Redis broker."""
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"
    ) as started:
        yield started


def test_submit_links_watch_them_collected_and_see_the_history(page, customer, fake_vk, worker):
    fake_vk.add_post(-1, 2, views=987)
    log_in(page, "carol", next_url="/stats/")
    page.get_by_label("Post links").fill("https://vk.com/wall-1_2\n")
    interval = page.get_by_label(re.compile("Re-collect every"))
    interval.fill("120")
    expect(page.locator("label", has=interval)).to_contain_text("seconds")
    page.get_by_role("button", name="Collect views").click()
    expect(page.locator(".messages")).to_contain_text("1 link(s) queued")
    task = ViewTask.objects.get(user=customer)
    assert task.recollect_interval == 120  # seconds, as the API takes it
    # the table refreshes itself from the API while the worker collects: no reload
    row = page.locator(f"#tasks tr[data-id='{task.id}']")
    expect(row.locator("td.status")).to_have_text("done")
    expect(row.locator("td.views")).to_have_text("987")

    now = timezone.now()
    for hours, views in ((3, 900), (2, 950)):
        ViewReading.objects.create(
            task=task, views=views, collected_at=now - timedelta(hours=hours)
        )
    row.get_by_role("link").click()
    chart = page.locator("svg")
    expect(chart.locator("polyline")).to_have_count(1)
    expect(chart.locator("circle")).to_have_count(3)
    expect(page.locator("body")).to_contain_text("+37")


def test_fleet_dashboard_counts_and_filters(page, operator):
    proxy = ProxyFactory()
    AccountFactory(login="alpha-active", status="active", proxy=proxy)
    AccountFactory(login="bravo-banned", status="banned")
    AccountFactory(login="charlie-banned", status="banned", platform="telegram")
    log_in(page, "oscar", next_url="/fleet/")
    expect(page.get_by_role("heading", name="Accounts by platform and status (3)")).to_be_visible()
    page.locator("select[name=status]").select_option("banned")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("td", has_text=re.compile("-banned$"))).to_have_count(2)
    expect(page.get_by_text("alpha-active")).to_have_count(0)
    expect(page.locator("body")).to_contain_text("1 in use")


def test_error_pages_in_the_sites_layout(page, customer):
    response = page.goto("/no/such/page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("header").get_by_role("link", name="Proxy shop")).to_be_visible()
    log_in(page, "carol")
    response = page.goto("/fleet/")  # operators only
    assert response.status == 403
    expect(page.get_by_role("heading", name="Access denied")).to_be_visible()
    expect(page.locator("header")).to_contain_text("carol")
    expect(page.get_by_role("link", name="Back to the start page")).to_be_visible()
