"""Storefront pages under /shop/ (session login). They call the same services as the API."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.api.pagination import MAX_PAGE
from core.errors import DomainError
from core.filters import filter_values
from core.ints import parse_int
from core.registry import setting_get

from . import selectors
from .filters import CatalogFilter
from .models import Product, ProductState, ProductType
from .services import order_credentials_reveal, order_refund, proxy_purchase
from .services.common import shop_price


@login_required
def catalog(request):
    filters = filter_values(CatalogFilter, request.GET, lenient=True)
    page_size = setting_get("proxyshop.page_size_default")
    try:
        page = parse_int(request.GET.get("page", "0"), minimum=0, maximum=MAX_PAGE)
    except ValueError:
        page = 0
    data = selectors.catalog_page(filters=filters, page=page, page_size=page_size)
    pages = max((data["total"] + page_size - 1) // page_size, 1)
    query = urlencode(filters)
    return render(
        request,
        "proxyshop/catalog.html",
        {
            "data": data,
            "filters": filters,
            "types": ProductType.values,
            "page": page,
            "pages": pages,
            "query": query,
            "countries": selectors.catalog_countries(),
            "balance": selectors.wallet_balance(user=request.user),
            "prev_page": page - 1 if page > 0 else None,
            "next_page": page + 1 if page + 1 < pages else None,
        },
    )


@login_required
def buy(request, product_id: int):
    if request.method == "POST":
        try:
            order, _ = proxy_purchase(
                user=request.user,
                product_id=product_id,
                # the form's one-time key makes a double submit return the same order
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("proxyshop:catalog")
        messages.success(request, f"Bought proxy {order.proxy_id}: order {order.order_id}.")
        return redirect("proxyshop:order", order_id=order.order_id)
    product = Product.objects.filter(pk=product_id, state=ProductState.AVAILABLE).first()
    if product is None:
        messages.error(request, "This proxy is no longer for sale.")
        return redirect("proxyshop:catalog")
    return render(
        request,
        "proxyshop/buy.html",
        {
            "product": product,
            "price": shop_price(),
            "key": uuid.uuid4().hex,
            "balance": selectors.wallet_balance(user=request.user),
        },
    )


@login_required
def orders(request):
    rows = Paginator(selectors.order_list(user=request.user), 50).get_page(request.GET.get("page"))
    for order in rows:
        # Shown by the page (an attribute the model does not declare).
        order.eligible = selectors.order_refund_eligible(order)  # type: ignore[attr-defined]
    return render(request, "proxyshop/orders.html", {"orders": rows})


@login_required
def order_detail(request, order_id: str):
    try:
        order = order_credentials_reveal(user=request.user, order_id=order_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("proxyshop:orders")
    c = order.credentials
    return render(
        request,
        "proxyshop/order.html",
        {
            "order": order,
            "creds": c,
            "eligible": selectors.order_refund_eligible(order),
            "line": f"{c.get('ip')}:{c.get('port')}:{c.get('login')}:{c.get('password')}",
        },
    )


@login_required
@require_POST
def refund(request, order_id: str):
    try:
        amount = order_refund(actor=request.user, order_id=order_id)
        messages.success(request, f"Refunded {amount} to your balance.")
    except DomainError as exc:
        if exc.code == "refund_pending":  # not refused: being checked with the provider
            messages.warning(request, exc.message)
        else:
            messages.error(request, f"Refund refused: {exc.message}")
    return redirect("proxyshop:order", order_id=order_id)


@login_required
def balance(request):
    entries = Paginator(selectors.ledger_entries(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "proxyshop/balance.html",
        {
            "balance": selectors.wallet_balance(user=request.user),
            "entries": entries,
        },
    )
