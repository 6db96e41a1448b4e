"""Pages (session login) and the admin."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory
from tests.viewstats.factories import ViewTaskFactory
from viewstats.models import UpstreamCredential, ViewReading, ViewTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_pages_need_a_login():
    response = Client().get("/stats/")
    assert response.status_code == 302 and "/auth/login/" in response["Location"]


def test_submit_links_from_the_textarea(browser, user):
    response = browser.post(
        "/stats/",
        {
            "links": "https://vk.com/wall-1_2\n\n vk.com/club1?w=wall-1_3 \n",
            "platform": "vk",
            "recollect_interval": "3600",
        },
    )
    assert response.status_code == 302
    tasks = ViewTask.objects.filter(user=user).order_by("id")
    assert [t.link for t in tasks] == ["https://vk.com/wall-1_2", "https://vk.com/wall-1_3"]
    assert tasks[0].recollect_interval == 3600  # seconds, the unit of the API
    page = browser.get("/stats/").content.decode()
    assert "https://vk.com/wall-1_3" in page and "created" in page
    # The table refreshes itself from the JSON list while tasks run (session auth works there).
    assert "/api/viewstats/get-bg-tasks" in page and "setTimeout(refresh" in page
    assert len(browser.get("/api/viewstats/get-bg-tasks").json()) == 2


def test_the_interval_is_in_seconds_like_the_api(browser, user):
    page = browser.get("/stats/").content.decode()
    assert 'name="recollect_interval" type="number" min="60"' in page and "seconds" in page
    too_short = browser.post("/stats/", {"links": "vk.com/wall-1_2", "recollect_interval": "59"})
    assert "from 60 to" in too_short.content.decode() and not ViewTask.objects.exists()
    browser.post("/stats/", {"links": "vk.com/wall-1_2", "recollect_interval": "90"})
    assert ViewTask.objects.get().recollect_interval == 90


def test_bad_lines_are_named_and_nothing_is_created(browser, user):
    response = browser.post("/stats/", {"links": "vk.com/wall-1_2\nnot a link", "platform": "vk"})
    assert response.status_code == 200
    assert "Line 2" in response.content.decode()
    assert not ViewTask.objects.exists()


def test_history_chart_is_inline_svg(browser, user):
    task = ViewTaskFactory(user=user, status="done", views=150)
    now = timezone.now()
    for i, views in enumerate([100, 120, 150]):
        ViewReading.objects.create(
            task=task, views=views, collected_at=now - timedelta(hours=3 - i)
        )
    page = browser.get(f"/stats/tasks/{task.id}/").content.decode()
    assert "<svg" in page and "<polyline" in page and page.count("<circle") == 3
    assert "+20" in page and "+30" in page
    # drawn inline: no script, stylesheet or image fetched from another host (random tokens in
    # the page may contain any letters, so look at the tags, not for a word)
    assert not re.search(r"<(?:script|link|img)\b[^>]*(?:src|href)=[\"']?(?:https?:)?//", page)
    assert "<script src" not in page
    other = ViewTaskFactory()
    assert browser.get(f"/stats/tasks/{other.id}/").status_code == 404


def test_page_retry_queues_a_failed_task_again(browser, user):
    task = ViewTaskFactory(user=user, status="failed", error="boom", attempts=5)
    assert browser.post(f"/stats/tasks/{task.id}/retry/").status_code == 302
    task.refresh_from_db()
    assert task.status == "created" and task.attempts == 0 and task.error == ""


@pytest.fixture
def admin_browser(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_admin_lists_filters_counts_and_retries(admin_browser):
    owner = UserFactory(username="owner-one")
    failed = ViewTaskFactory(user=owner, status="failed", error="VK error 15")
    ViewTaskFactory(status="done", views=3)
    ViewTaskFactory(status="done", views=4, platform="telegram", post_key="chan_x/1")
    page = admin_browser.get("/admin/viewstats/viewtask/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "done</a>: <strong>2</strong>" in body and "failed</a>: <strong>1</strong>" in body
    filtered = admin_browser.get(
        "/admin/viewstats/viewtask/", {"status__exact": "failed", "user__id__exact": owner.id}
    )
    assert filtered.status_code == 200 and "VK error 15" in filtered.content.decode()
    assert (
        admin_browser.get("/admin/viewstats/viewtask/", {"platform__exact": "telegram"}).status_code
        == 200
    )
    response = admin_browser.post(
        "/admin/viewstats/viewtask/",
        {"action": "retry", "_selected_action": [failed.id]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "created"


def test_admin_shows_the_last_error_per_token(admin_browser):
    UpstreamCredential.objects.create(
        platform="vk",
        fingerprint="abc",
        label="…1111",
        last_error_code=5,
        last_error="VK error 5: User authorization failed",
        last_error_at=timezone.now(),
        invalid=True,
    )
    body = admin_browser.get("/admin/viewstats/upstreamcredential/").content.decode()
    assert "…1111" in body and "User authorization failed" in body
