"""Races: parallel submissions of the same links, and two workers on the same batch."""

import httpx
import pytest
from django.db import connection

from viewstats.models import ViewReading, ViewTask
from viewstats.services.collect import vk_batch_collect
from viewstats.services.task_lifecycle import tasks_submit

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_submissions_of_the_same_links_make_one_task_each(
    live_server, user, make_token, parallel
):
    token = make_token(user)
    links = [f"https://vk.com/wall-5_{i}" for i in range(1, 21)]

    def submit(i):
        return httpx.post(
            f"{live_server.url}/get-views/vk",
            json={"links": links[i:] + links[:i]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    responses = parallel(6, submit)
    assert [r.status_code for r in responses] == [202] * 6
    assert ViewTask.objects.filter(user=user).count() == 20
    ids = {r.json()[0]["link"]: r.json()[0]["id"] for r in responses}
    assert len(set(ids.values())) == 6  # each answer names the one task of its first link


def test_two_workers_on_the_same_batch_collect_each_post_once(fake_vk, user, parallel):
    fake_vk.auto = True
    ids = [
        t["id"]
        for t in tasks_submit(
            user=user, platform="vk", links=[f"vk.com/wall-1_{i}" for i in range(1, 51)]
        )
    ]

    def collect(_):
        try:
            return vk_batch_collect(task_ids=ids)
        finally:
            connection.close()  # each thread's own connection

    reports = parallel(4, collect)
    assert sum(r.done for r in reports) == 50
    assert ViewReading.objects.count() == 50
    posts = [
        p
        for call in fake_vk.calls
        for p in call.body.decode().split("posts=")[1].split("&")[0].split("%2C")
    ]
    assert len(posts) == len(set(posts)) == 50
