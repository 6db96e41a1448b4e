import csv
import io

import pytest

from core.errors import Conflict
from proxyshop.models import Order
from proxyshop.selectors import order_credentials_for_fleet
from tests.factories import UserFactory
from tests.proxyshop.factories import fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(auth_client, user, stocked):
    fund(user, "10.00")
    client = auth_client(user)
    for product in stocked[:2]:
        client.post("/api/external-proxy/purchase", {"product_id": product.pk}, format="json")
    return list(Order.objects.order_by("id"))


def test_list_and_detail(auth_client, user, orders):
    client = auth_client(user)
    body = client.get("/api/external-proxy/orders").json()
    assert body["count"] == 2 and "credentials" not in body["results"][0]
    assert body["results"][0]["refund_eligible"] is True
    detail = client.get(f"/api/external-proxy/orders/{orders[0].order_id}").json()
    assert detail["credentials"]["password"] == orders[0].credentials["password"]
    stranger = auth_client(UserFactory())
    assert stranger.get(f"/api/external-proxy/orders/{orders[0].order_id}").status_code == 404
    assert stranger.get("/api/external-proxy/orders").json()["count"] == 0


def test_export_txt_and_csv(auth_client, user, orders):
    client = auth_client(user)
    txt = client.get("/api/external-proxy/orders/export", {"format": "txt"})
    assert txt.status_code == 200 and txt["Content-Type"].startswith("text/plain")
    c = orders[0].credentials
    assert f"{c['ip']}:{c['port']}:{c['login']}:{c['password']}" in txt.content.decode()
    assert len(txt.content.decode().splitlines()) == 2
    response = client.get("/api/external-proxy/orders/export", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv") and len(rows) == 2
    assert {r["password"] for r in rows} == {o.credentials["password"] for o in orders}
    assert client.get("/api/external-proxy/orders/export", {"format": "xml"}).status_code == 422


def test_fleet_selector_gives_decrypted_connection_data(orders):
    buyer = orders[0].user
    data = order_credentials_for_fleet(order_id=orders[0].order_id, actor=buyer)
    assert set(data) == {"host", "port", "username", "password", "country", "expires_at"}
    assert data["password"] == orders[0].credentials["password"]
    assert isinstance(data["port"], int) and len(data["country"]) == 2
    Order.objects.filter(pk=orders[0].pk).update(status="refunded")
    with pytest.raises(Conflict):
        order_credentials_for_fleet(order_id=orders[0].order_id, actor=buyer)


def test_fleet_selector_hides_other_peoples_orders(orders, operator_user, admin_user):
    from core.errors import NotFound

    with pytest.raises(NotFound):
        order_credentials_for_fleet(order_id=orders[0].order_id, actor=operator_user)
    with pytest.raises(NotFound):
        order_credentials_for_fleet(order_id=orders[0].order_id)
    assert order_credentials_for_fleet(order_id=orders[0].order_id, actor=admin_user)["host"]


def test_audit_log_never_holds_credentials(auth_client, user, orders, provider):
    client = auth_client(user)
    client.get(f"/api/external-proxy/orders/{orders[0].order_id}")
    client.get("/api/external-proxy/orders/export", {"format": "csv"})
    provider.set_online(orders[0].proxy_id, False)
    client.post("/api/external-proxy/refund", {"order_id": orders[0].order_id}, format="json")
    from core.models import AuditEvent

    dump = str(list(AuditEvent.objects.values_list("data", "target")))
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "proxyshop.purchase",
        "proxyshop.refund",
        "proxyshop.order.credentials_read",
        "proxyshop.order.export",
    } <= actions
    for order in orders:
        assert order.credentials["password"] not in dump
        assert order.credentials["login"] not in dump
