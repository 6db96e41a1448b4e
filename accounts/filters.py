"""Filters of the fleet's lists (API, the fleet page, gRPC ListAccounts)."""

from __future__ import annotations

import json

import django_filters
from django.db import connection
from django.db.models import Q

from core.filters import BooleanFilter, ProtoChoiceFilter

from .models import Account, AccountStatus, Platform, Proxy


def has_tag(tag: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(tags__contains=[tag])
    # SQLite (embedded mode) has no JSON containment: match the JSON-encoded element.
    return Q(tags__icontains=json.dumps(tag))


class AccountFilter(django_filters.FilterSet):
    platform = django_filters.ChoiceFilter(choices=Platform.choices, help_text="platform")
    status = ProtoChoiceFilter(
        choices=AccountStatus.choices,
        proto_prefix="ACCOUNT_STATUS_",
        help_text="status (also ACCOUNT_STATUS_…)",
    )
    tag = django_filters.CharFilter(method="filter_tag", max_length=100, help_text="exact tag")
    has_proxy = BooleanFilter(
        field_name="proxy", lookup_expr="isnull", exclude=True, help_text="has a proxy or not"
    )
    q = django_filters.CharFilter(
        method="filter_q", max_length=200, help_text="text search in logins and tags"
    )

    class Meta:
        model = Account
        fields: list[str] = []

    def filter_tag(self, queryset, name, value):
        return queryset.filter(has_tag(value))

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(login__icontains=value) | has_tag(value))


class ProxyFilter(django_filters.FilterSet):
    health = django_filters.ChoiceFilter(choices=Proxy.Health.choices, help_text="health")
    country = django_filters.CharFilter(lookup_expr="iexact", max_length=2, help_text="country")
    provider = django_filters.CharFilter(lookup_expr="iexact", max_length=100, help_text="provider")
    free = BooleanFilter(
        method="filter_free", help_text="only proxies without accounts (true) or with (false)"
    )

    class Meta:
        model = Proxy
        fields: list[str] = []

    def filter_free(self, queryset, name, value):
        # `bound_accounts` is annotated by the selector.
        return queryset.filter(bound_accounts=0) if value else queryset.filter(bound_accounts__gt=0)
