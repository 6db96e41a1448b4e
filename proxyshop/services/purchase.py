"""Buying proxies: the wallet and product rows are locked, the provider is asked to buy, and
the debit, the order and the product's new state are written in the same transaction.

Lock order is always wallet → products (by id), so purchases never deadlock each other.
A provider failure charges nothing; the product then shows what the provider said (still
for sale after a 5xx/403/timeout, off sale after 404/410). A buy that may have happened
unseen is looked up in the provider's bought list before it counts as failed.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.errors import Conflict, DomainError, InvalidArgument, NotFound, PaymentRequired
from core.models import AuditEvent
from core.registry import setting_get
from secrets_app.models import User

from ..cache import catalog_bump
from ..models import (
    LedgerEntry,
    Order,
    Product,
    ProductState,
    ProviderRollback,
    PurchaseBatch,
    Wallet,
)
from ..provider import BoughtProxy, ProviderClient, ProviderError, ProxyGone, outcome_unknown
from ..selectors import catalog_queryset
from .common import new_reference, provider_failure, shop_price
from .wallet import ledger_post, wallet_for_user, wallet_lock

MAX_KEY = 100


def _key(idempotency_key: str | None) -> str:
    key = (idempotency_key or "").strip()
    if len(key) > MAX_KEY:
        raise InvalidArgument(
            f"Idempotency-Key is at most {MAX_KEY} characters.",
            field="Idempotency-Key",
            location="header",
        )
    return key


def _known_purchases(proxy_id: int) -> set[int]:
    """Credentials of the earlier purchases of `proxy_id` the shop has recorded."""
    orders = Order.objects.filter(proxy_id=proxy_id).values_list("credentials_id", flat=True)
    undone = ProviderRollback.objects.filter(proxy_id=proxy_id).values_list(
        "credentials_id", flat=True
    )
    return set(orders) | set(undone)


def _buy(client: ProviderClient, product: Product) -> BoughtProxy:
    """Buy once. When the buy may have happened unseen (a timeout, a connection dropped after
    the request, a 500/502/504, an unreadable answer: `provider.outcome_unknown`), the
    provider's bought list (an idempotent read) tells; the buy itself is never repeated. A 503
    is the provider's definite "the remote proxy server failed" (docs/upstream.md): nothing bought.
    A bought row the shop already recorded (an order, a batch rollback) is an earlier purchase
    of the same proxy, never this one."""
    try:
        return client.buy(proxy_id=product.proxy_id)
    except ProviderError as exc:
        if exc.status == 503 or not outcome_unknown(exc):
            raise
        try:
            found = client.find_bought(
                proxy_id=product.proxy_id, skip=_known_purchases(product.proxy_id)
            )
        except ProviderError:
            raise exc from None
        if found is None:
            raise
        return found


def _credentials(bought: BoughtProxy, product: Product) -> dict[str, Any]:
    return {
        "ip": bought.server_ip or bought.proxy_ip,
        "port": bought.port,
        "login": bought.username,
        "password": bought.password,
        "country": product.country,
        "ISP": product.isp,
        "proxy_ip": bought.proxy_ip,
    }


def _record_sale(
    *,
    user: User,
    wallet: Wallet,
    product: Product,
    bought: BoughtProxy,
    price: Decimal,
    key: str = "",
    batch: PurchaseBatch | None = None,
) -> Order:
    now = timezone.now()
    order = Order.objects.create(
        order_id=new_reference("ORD-"),
        user=user,
        product=product,
        batch=batch,
        proxy_id=product.proxy_id,
        credentials_id=bought.credentials_id,
        credentials=_credentials(bought, product),
        price=price,
        provider_price=bought.price,
        refundable=bought.refundable,
        expires_at=bought.expires_at,
        idempotency_key=key,
        created_at=now,
    )
    ledger_post(
        wallet=wallet,
        kind=LedgerEntry.Kind.PURCHASE,
        amount=-price,
        order=order,
        note=f"proxy {product.proxy_id}",
        actor=user.username,
    )
    Product.objects.filter(pk=product.pk).update(
        state=ProductState.SOLD, sold_at=now, updated_at=now
    )
    return order


def _take_off_sale(product: Product) -> None:
    now = timezone.now()
    Product.objects.filter(pk=product.pk, state=ProductState.AVAILABLE).update(
        state=ProductState.UNAVAILABLE, removed_at=now, updated_at=now
    )


def _replay(user: User, key: str, product_id: int) -> Order | None:
    order = Order.objects.filter(user=user, idempotency_key=key).first()
    if order is not None and order.product_id != product_id:
        raise Conflict(
            "This Idempotency-Key was already used for another product.",
            code="idempotency_key_reused",
        )
    return order


def _check(product: Product | None, wallet: Wallet, price: Decimal) -> Product:
    """The product, if this wallet may buy it now; else the refusal."""
    if product is None:
        raise NotFound("Unknown product.")
    if product.state == ProductState.SOLD:
        raise Conflict("This proxy has already been sold.", code="sold")
    if product.state != ProductState.AVAILABLE:
        raise Conflict("This proxy is no longer available.", code="unavailable")
    if wallet.balance < price:
        raise PaymentRequired(f"Not enough balance: {wallet.balance} available, {price} needed.")
    return product


def _refusal(action: str, exc: DomainError, *, user: User, data: dict[str, Any]) -> None:
    audit_record(
        action=action,
        target_type="product",
        target=str(data.get("product_id", "")),
        outcome=AuditEvent.Outcome.DENIED if exc.status_code < 500 else AuditEvent.Outcome.ERROR,
        actor=user,
        data={**data, "reason": exc.message[:300]},
    )


def proxy_purchase(
    *, user: User, product_id: int, idempotency_key: str | None = None
) -> tuple[Order, bool]:
    """Buy one product for `user`; returns (order, replayed).

    With an Idempotency-Key a repeated call returns the first order and charges nothing.
    Raises NotFound (unknown product), Conflict (sold / off sale / key reused),
    PaymentRequired (balance), Unavailable or UpstreamError (provider; nothing charged).
    """
    key = _key(idempotency_key)
    if key and (existing := _replay(user, key, product_id)) is not None:
        return existing, True
    price = shop_price()
    failure: ProviderError | None = None
    try:
        # Unlocked pre-checks answer hopeless requests without queueing on row locks; every
        # check is repeated under the locks below, which alone decide.
        try:
            _check(Product.objects.filter(pk=product_id).first(), wallet_for_user(user=user), price)
        except DomainError:
            # The same key may have just bought this very product in a parallel request.
            if key and (existing := _replay(user, key, product_id)) is not None:
                return existing, True
            raise
        with transaction.atomic():
            wallet = wallet_lock(user_id=user.pk)
            if key and (existing := _replay(user, key, product_id)) is not None:
                return existing, True
            product = _check(
                Product.objects.select_for_update().filter(pk=product_id).first(), wallet, price
            )
            with ProviderClient() as client:
                try:
                    bought = _buy(client, product)
                except ProxyGone as exc:
                    _take_off_sale(product)
                    failure = exc
                except ProviderError as exc:
                    failure = exc
            if failure is None:
                order = _record_sale(
                    user=user,
                    wallet=wallet,
                    product=product,
                    bought=bought,
                    price=price,
                    key=key,
                )
                audit_record(
                    action="proxyshop.purchase",
                    target_type="order",
                    target=order.order_id,
                    actor=user,
                    data={
                        "product_id": product.pk,
                        "proxy_id": product.proxy_id,
                        "price": str(price),
                        "credentials_id": bought.credentials_id,
                        "balance": str(wallet.balance),
                    },
                )
            catalog_bump()
    except DomainError as exc:
        _refusal("proxyshop.purchase", exc, user=user, data={"product_id": product_id})
        raise
    if failure is not None:
        error = provider_failure(failure)
        _refusal(
            "proxyshop.purchase",
            error,
            user=user,
            data={"product_id": product_id, "provider_error": failure.kind},
        )
        raise error
    return order, False


def _batch_hash(
    product_ids: list[int] | None, quantity: int | None, filters: dict[str, Any]
) -> str:
    body = json.dumps(
        {"ids": product_ids, "quantity": quantity, "filters": filters}, sort_keys=True, default=str
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _batch_replay(user: User, key: str, request_hash: str) -> PurchaseBatch | None:
    batch = PurchaseBatch.objects.filter(user=user, idempotency_key=key).first()
    if batch is not None and batch.request_hash != request_hash:
        raise Conflict(
            "This Idempotency-Key was already used for another batch.",
            code="idempotency_key_reused",
        )
    return batch


def _batch_products(
    product_ids: list[int] | None, quantity: int | None, filters: dict[str, Any]
) -> list[Product]:
    if product_ids is not None:
        products = list(
            Product.objects.select_for_update().filter(pk__in=product_ids).order_by("id")
        )
        missing = sorted(set(product_ids) - {p.pk for p in products})
        if missing:
            raise NotFound(f"Unknown products: {', '.join(map(str, missing))}.")
        off = [p.pk for p in products if p.state != ProductState.AVAILABLE]
        if off:
            raise Conflict(f"Not for sale any more: {', '.join(map(str, off))}.", code="sold")
        return products
    products = list(
        catalog_queryset(filters=filters)
        .select_for_update(skip_locked=True)
        .order_by("id")[:quantity]
    )
    assert quantity is not None  # the caller gives product_ids or a quantity
    if len(products) < quantity:
        raise Conflict(
            f"Only {len(products)} matching proxies are for sale, {quantity} asked.",
            code="not_enough_stock",
        )
    return products


def _undo_at_provider(
    client: ProviderClient, done: list[tuple[Product, BoughtProxy]], *, user: User, batch_ref: str
) -> list[dict[str, Any]]:
    """Try to refund each already-bought proxy at the provider; record every attempt."""
    outcomes = []
    for product, bought in done:
        try:
            client.refund(credentials_id=bought.credentials_id)
            refunded, message = True, "refunded at the provider"
        except ProviderError as exc:
            refunded, message = False, exc.message
        ProviderRollback.objects.create(
            batch_ref=batch_ref,
            user=user,
            proxy_id=product.proxy_id,
            credentials_id=bought.credentials_id,
            refunded=refunded,
            message=message[:500],
        )
        _take_off_sale(product)
        outcomes.append({"proxy_id": product.proxy_id, "refunded": refunded})
    return outcomes


def proxies_purchase_batch(
    *,
    user: User,
    product_ids: list[int] | None = None,
    quantity: int | None = None,
    filters: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> tuple[PurchaseBatch, bool]:
    """Buy several products (by id, or `quantity` matching catalogue `filters`), all or nothing.

    If a provider buy fails midway, the proxies already bought are refunded at the provider
    where it allows (each attempt is recorded as a ProviderRollback), and nothing is charged.
    Same errors as `proxy_purchase`.
    """
    filters = filters or {}
    key = _key(idempotency_key)
    if (product_ids is None) == (quantity is None):
        raise InvalidArgument("Give either product_ids or quantity.", field="product_ids")
    count = len(product_ids) if product_ids is not None else quantity
    limit = setting_get("proxyshop.batch_max")
    if not count or count < 1 or count > limit:
        raise InvalidArgument(f"A batch buys between 1 and {limit} proxies.", field="quantity")
    if product_ids is not None and len(set(product_ids)) != len(product_ids):
        raise InvalidArgument("product_ids has duplicates.", field="product_ids")
    request_hash = _batch_hash(product_ids, quantity, filters)
    if key and (existing := _batch_replay(user, key, request_hash)) is not None:
        return existing, True
    price = shop_price()
    wallet_for_user(user=user)
    batch_ref = new_reference("BAT-")
    failure: ProviderError | None = None
    rollback: list[dict[str, Any]] = []
    try:
        with transaction.atomic():
            wallet = wallet_lock(user_id=user.pk)
            if key and (existing := _batch_replay(user, key, request_hash)) is not None:
                return existing, True
            products = _batch_products(product_ids, quantity, filters)
            total = price * len(products)
            if wallet.balance < total:
                raise PaymentRequired(
                    f"Not enough balance: {wallet.balance} available, {total} needed."
                )
            done: list[tuple[Product, BoughtProxy]] = []
            with ProviderClient() as client:
                for product in products:
                    try:
                        done.append((product, _buy(client, product)))
                    except ProviderError as exc:
                        failure = exc
                        if isinstance(exc, ProxyGone):
                            _take_off_sale(product)
                        rollback = _undo_at_provider(client, done, user=user, batch_ref=batch_ref)
                        break
            if failure is None:
                batch = PurchaseBatch.objects.create(
                    batch_id=batch_ref, user=user, idempotency_key=key, request_hash=request_hash
                )
                for product, bought in done:
                    _record_sale(
                        user=user,
                        wallet=wallet,
                        product=product,
                        bought=bought,
                        price=price,
                        batch=batch,
                    )
                audit_record(
                    action="proxyshop.purchase_batch",
                    target_type="batch",
                    target=batch_ref,
                    actor=user,
                    data={
                        "count": len(done),
                        "total": str(total),
                        "proxy_ids": [p.proxy_id for p, _ in done][:100],
                    },
                )
            catalog_bump()
    except DomainError as exc:
        _refusal(
            "proxyshop.purchase_batch",
            exc,
            user=user,
            data={"product_ids": product_ids, "quantity": quantity},
        )
        raise
    if failure is not None:
        error = provider_failure(failure)
        audit_record(
            action="proxyshop.purchase_batch",
            target_type="batch",
            target=batch_ref,
            outcome=AuditEvent.Outcome.ERROR,
            actor=user,
            data={"provider_error": failure.kind, "rolled_back": rollback},
        )
        raise error
    return batch, False
