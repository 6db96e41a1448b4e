"""The contract's routes at both mounts, validation, visibility, export."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from tests.viewstats.conftest import configure
from tests.viewstats.factories import ViewTaskFactory
from viewstats.models import ViewTask

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("prefix", ["", "/api/viewstats"])
def test_seed_flow_create_user_login_submit_and_list(prefix):
    client = APIClient()
    created = client.post(
        f"{prefix}/users", {"username": "analyst", "password": "long-pass-phrase-9"}, format="json"
    )
    assert created.status_code == 201 and created.json()["role"] == "user"
    login = client.post(
        f"{prefix}/users/login",
        {"username": "analyst", "password": "long-pass-phrase-9"},
        format="json",
    )
    assert login.status_code == 200
    body = login.json()
    assert body["type"] == "Bearer" and body["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    submitted = client.post(
        f"{prefix}/get-views/vk",
        {"links": ["https://vk.com/wall-1_2", "vk.com/club1?w=wall-1_3"]},
        format="json",
    )
    assert submitted.status_code == 202
    assert [t["link"] for t in submitted.json()] == [
        "https://vk.com/wall-1_2",
        "https://vk.com/wall-1_3",
    ]
    listed = client.get(f"{prefix}/get-bg-tasks")
    assert listed.status_code == 200
    rows = listed.json()
    assert isinstance(rows, list) and len(rows) == 2
    assert set(rows[0]) == {
        "platform",
        "link",
        "status",
        "views",
        "id",
        "error",
        "created_at",
        "updated_at",
    }
    assert {r["status"] for r in rows} == {"created"} and rows[0]["platform"] == "vk"
    assert listed["X-Total-Count"] == "2"


def test_wrong_password_is_401_and_user_creation_validates():
    client = APIClient()
    assert client.post("/users", {"username": "x1"}, format="json").status_code == 422
    client.post("/users", {"username": "bob", "password": "long-pass-phrase-9"}, format="json")
    dup = client.post(
        "/users", {"username": "bob", "password": "long-pass-phrase-9"}, format="json"
    )
    assert dup.status_code == 422
    bad = client.post(
        "/users/login", {"username": "bob", "password": "nope-nope-nope"}, format="json"
    )
    assert bad.status_code == 401


def test_routes_need_a_token():
    assert (
        APIClient().post("/get-views/vk", {"links": ["vk.com/wall-1_2"]}, format="json").status_code
        == 401
    )
    assert APIClient().get("/get-bg-tasks").status_code == 401


def test_bad_links_get_422_naming_each_one_and_nothing_is_created(user, auth_client):
    response = auth_client(user).post(
        "/get-views/vk",
        {"links": ["vk.com/wall-1_2", "https://vk.com/durov", "vk.com/wall-1_3", "t.me/x/1"]},
        format="json",
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [d["loc"] for d in detail] == [["body", "links", 1], ["body", "links", 3]]
    assert "https://vk.com/durov" in detail[0]["msg"] and "t.me/x/1" in detail[1]["msg"]
    assert not ViewTask.objects.exists()


def test_empty_list_non_list_and_too_many_links_are_refused(user, auth_client):
    client = auth_client(user)
    assert client.post("/get-views/vk", {"links": []}, format="json").status_code == 422
    assert (
        client.post("/get-views/vk", {"links": "vk.com/wall-1_2"}, format="json").status_code == 422
    )
    configure(max_links_per_request=3)
    response = client.post(
        "/get-views/vk", {"links": [f"vk.com/wall-1_{i}" for i in range(1, 5)]}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "links"]


def test_duplicates_collapse_and_resubmission_reuses_the_task(user, auth_client):
    client = auth_client(user)
    first = client.post(
        "/get-views/vk",
        {"links": ["vk.com/wall-1_2", "m.vk.com/wall-1_2", "https://vk.ru/wall-1_2?x=1"]},
        format="json",
    )
    assert len(first.json()) == 1
    task = ViewTask.objects.get()
    task.status, task.views = "done", 10
    task.save()
    again = client.post("/get-views/vk", {"links": ["vk.com/feed?w=wall-1_2"]}, format="json")
    assert again.json()[0]["id"] == task.id and again.json()[0]["status"] == "created"
    assert ViewTask.objects.count() == 1


def test_telegram_submission(user, auth_client):
    response = auth_client(user).post(
        "/get-views/telegram", {"links": ["t.me/durov/12"]}, format="json"
    )
    assert response.status_code == 202
    assert response.json()[0]["platform"] == "telegram"
    assert response.json()[0]["link"] == "https://t.me/durov/12"


def test_user_sees_only_own_tasks_and_admin_sees_all(user, admin_user, auth_client):
    mine = ViewTaskFactory(user=user)
    other = ViewTaskFactory()
    client = auth_client(user)
    assert [r["id"] for r in client.get("/get-bg-tasks").json()] == [mine.id]
    assert client.get(f"/api/viewstats/tasks/{other.id}").status_code == 404
    assert client.get(f"/api/viewstats/tasks/{other.id}/history").status_code == 404
    assert client.get(f"/api/viewstats/tasks/{mine.id}").status_code == 200
    admin_ids = {r["id"] for r in auth_client(admin_user).get("/get-bg-tasks").json()}
    assert admin_ids == {mine.id, other.id}


def test_list_filters_and_pagination(user, auth_client):
    for i in range(5):
        ViewTaskFactory(user=user, status="done" if i % 2 else "failed", views=i)
    ViewTaskFactory(
        user=user, platform="telegram", post_key="chan_x/1", link="https://t.me/chan_x/1"
    )
    client = auth_client(user)
    done = client.get("/get-bg-tasks", {"status": "done"}).json()
    assert len(done) == 2 and {r["status"] for r in done} == {"done"}
    assert len(client.get("/get-bg-tasks", {"platform": "telegram"}).json()) == 1
    page = client.get("/get-bg-tasks", {"page": 2, "page_size": 4})
    assert len(page.json()) == 2 and page["X-Total-Count"] == "6"
    assert client.get("/get-bg-tasks", {"status": "bogus"}).status_code == 422
    in_progress = ViewTaskFactory(user=user, status="in progress")
    rows = client.get("/get-bg-tasks", {"status": "in progress"}).json()
    assert [r["id"] for r in rows] == [in_progress.id]


def test_export_csv_has_my_tasks_with_latest_views(user, auth_client):
    ViewTaskFactory(user=user, status="done", views=321)
    ViewTaskFactory(user=user, status="failed", error="=HYPERLINK(evil)")
    ViewTaskFactory(status="done", views=999)  # someone else's
    response = auth_client(user).get("/api/viewstats/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    assert {r["views"] for r in rows} == {"321", ""}
    assert {r["error"] for r in rows} == {"", "'=HYPERLINK(evil)"}
