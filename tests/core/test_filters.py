"""One FilterSet per list, shared by the API, the pages and the schema."""

from __future__ import annotations

import pytest

from accounts.filters import AccountFilter
from accounts.selectors import account_list
from core.filters import filter_values
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_the_api_and_the_page_filter_accounts_the_same_way(auth_client, operator_user, client):
    AccountFactory(platform="vk", status="active", login="alpha", tags=["red"])
    AccountFactory(platform="telegram", status="active", login="beta", tags=["red"])
    AccountFactory(platform="vk", status="banned", login="gamma", tags=["blue"])
    api = auth_client(operator_user).get("/api/v1/accounts?platform=vk&tag=red").json()
    assert [row["login"] for row in api["results"]] == ["alpha"]
    client.force_login(operator_user)
    page = client.get("/fleet/?platform=vk&tag=red").content.decode()
    assert "alpha" in page and "beta" not in page and "gamma" not in page


def test_bad_filter_values_are_refused_by_the_api_and_ignored_by_pages(
    auth_client, operator_user, client
):
    AccountFactory(platform="vk", login="alpha")
    api = auth_client(operator_user)
    refused = api.get("/api/v1/accounts?platform=myspace&has_proxy=maybe")
    assert refused.status_code == 422
    locs = sorted(tuple(error["loc"]) for error in refused.json()["detail"])
    assert locs == [("query", "has_proxy"), ("query", "platform")]
    client.force_login(operator_user)
    assert "alpha" in client.get("/fleet/?platform=myspace").content.decode()


@pytest.mark.parametrize(
    "query", ["account_id=%C2%B2", "account_id=99999999999999999999", "account_id=1.5"]
)
def test_integer_filters_refuse_what_is_not_a_bigint(auth_client, operator_user, query):
    response = auth_client(operator_user).get(f"/api/v1/warming/tasks?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "account_id"]


def test_selectors_take_the_same_filters_from_any_interface():
    AccountFactory(platform="vk", login="alpha", proxy=None)
    assert list(account_list(filters={"has_proxy": False}).values_list("login", flat=True)) == [
        "alpha"
    ]
    assert filter_values(AccountFilter, {"platform": "nope", "q": "al"}, lenient=True) == {
        "q": "al"
    }


def test_the_schema_documents_each_filter_with_its_constraints(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/accounts"]["get"]["parameters"]}
    assert params["platform"]["schema"]["enum"] == ["vk", "telegram", "mail", "max"]
    assert params["q"]["schema"]["maxLength"] == 200
    assert params["has_proxy"]["schema"]["type"] == "boolean"
    shop = {p["name"]: p for p in schema["paths"]["/api/external-proxy/list"]["get"]["parameters"]}
    assert shop["max_speed"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
    assert set(shop) >= {"country_code", "city", "type", "isp", "max_speed", "page", "page_size"}
