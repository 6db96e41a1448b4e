"""The fleet overview page for operators (session login): numbers and a filtered account list.
Changes are made in the admin, which calls the same services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from .models import AccountStatus, Platform
from .selectors import account_list, fleet_dashboard


@login_required
def fleet_overview(request):
    if not getattr(request.user, "is_operator", False):
        raise PermissionDenied
    platform = request.GET.get("platform", "")
    status = request.GET.get("status", "")
    filters = {
        "platform": platform if platform in Platform.values else "",
        "status": status if status in AccountStatus.values else "",
        "tag": request.GET.get("tag", "").strip(),
        "q": request.GET.get("q", "").strip(),
    }
    page = Paginator(account_list(**filters).select_related("proxy"), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "data": fleet_dashboard(),
        "page": page,
        "filters": filters,
        "platforms": Platform.choices,
        "statuses": AccountStatus.choices,
    }
    return render(request, "accounts/overview.html", context)
