"""The fleet overview page for operators (session login): numbers and a filtered account list.
Changes are made in the admin, which calls the same services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from core.authority import actor_allows
from core.filters import filter_values

from .filters import AccountFilter
from .models import AccountStatus, Platform
from .selectors import account_list, fleet_dashboard


@login_required
def fleet_overview(request):
    if not actor_allows("fleet.read", user=request.user):
        raise PermissionDenied
    filters = filter_values(AccountFilter, request.GET, lenient=True)
    accounts = account_list(filters=filters).select_related("proxy")
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    context = {
        "data": fleet_dashboard(),
        "page": page,
        "filters": filters,
        "platforms": Platform.choices,
        "statuses": AccountStatus.choices,
    }
    return render(request, "accounts/overview.html", context)
