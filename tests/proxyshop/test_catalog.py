import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proxyshop.models import Product, ProductState
from proxyshop.services import proxies_sync
from tests.proxyshop.conftest import configure
from tests.proxyshop.factories import ProductFactory, fund

pytestmark = pytest.mark.django_db
URL = "/api/external-proxy/list"


@pytest.fixture
def catalogue(db):
    ProductFactory.create_batch(
        3,
        country_code="US",
        country="United States",
        city="Dallas",
        isp="AT&T",
        speed=100,
        type="residential",
    )
    ProductFactory(
        country_code="DE", country="Germany", city="Berlin", isp="Telekom", speed=300, type="mobile"
    )
    ProductFactory(
        country_code="DE",
        country="Germany",
        city="Munich",
        isp="Hetzner",
        speed=None,
        type="hosting",
    )
    ProductFactory(country_code="FR", state=ProductState.SOLD)
    ProductFactory(country_code="FR", state=ProductState.UNAVAILABLE)


def test_list_has_the_seed_shape(auth_client, user, catalogue):
    body = auth_client(user).get(URL).json()
    assert set(body) == {"proxies", "total", "page", "page_size"}
    assert (body["total"], body["page"], body["page_size"]) == (5, 0, 50)
    item = body["proxies"][0]
    assert set(item) == {
        "product_id",
        "proxy_id",
        "country",
        "country_code",
        "city",
        "ISP",
        "price",
        "status",
        "type",
        "speed",
    }
    assert item["price"] == 2.0 and item["status"] == 1 and item["ISP"] == "AT&T"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"country_code": "de"}, 2),
        ({"city": "dallas"}, 3),
        ({"type": "mobile"}, 1),
        ({"type": "hosting"}, 1),
        ({"isp": "tele"}, 1),
        ({"max_speed": 150}, 3),
        ({"max_speed": 300, "country_code": "DE"}, 1),
    ],
)
def test_filters(auth_client, user, catalogue, query, expected):
    assert auth_client(user).get(URL, query).json()["total"] == expected


def test_pages_are_zero_based_and_bounded(auth_client, user, catalogue):
    client = auth_client(user)
    first = client.get(URL, {"page": 0, "page_size": 2}).json()
    third = client.get(URL, {"page": 2, "page_size": 2}).json()
    assert len(first["proxies"]) == 2 and len(third["proxies"]) == 1
    assert first["proxies"][0]["product_id"] < third["proxies"][0]["product_id"]
    for bad in (
        {"page": -1},
        {"page_size": 0},
        {"page_size": 201},
        {"type": "satellite"},
        {"max_speed": "fast"},
    ):
        response = client.get(URL, bad)
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"][0] == "query"
    configure(page_size_max=500)
    assert client.get(URL, {"page_size": 500}).status_code == 200


def test_countries_with_counts(auth_client, user, catalogue):
    body = auth_client(user).get("/api/external-proxy/countries").json()
    assert body == [
        {"country_code": "US", "country": "United States", "count": 3},
        {"country_code": "DE", "country": "Germany", "count": 2},
    ]


def test_catalogue_is_cached_and_invalidated_by_sales_and_sync(auth_client, user, provider):
    provider.add_proxies(4)
    proxies_sync(trigger="test")
    fund(user, "10")
    client = auth_client(user)
    assert client.get(URL).json()["total"] == 4
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).json()["total"] == 4
    assert not any("proxyshop_product" in q["sql"] for q in queries.captured_queries)
    product = Product.objects.first()
    client.post("/api/external-proxy/purchase", {"product_id": product.pk}, format="json")
    assert client.get(URL).json()["total"] == 3
    assert client.get("/api/external-proxy/countries").json()[0]["count"] >= 1
    provider.add_proxies(2)
    proxies_sync(trigger="test")
    assert client.get(URL).json()["total"] == 5
