"""Filters of the shop's catalogue (API and the storefront page)."""

from __future__ import annotations

import django_filters

from core.filters import IntegerFilter

from .models import Product, ProductType


class CatalogFilter(django_filters.FilterSet):
    country_code = django_filters.CharFilter(
        method="filter_country", max_length=8, help_text="ISO country code"
    )
    city = django_filters.CharFilter(lookup_expr="iexact", max_length=100, help_text="city")
    type = django_filters.ChoiceFilter(choices=ProductType.choices, help_text="proxy type")
    isp = django_filters.CharFilter(lookup_expr="icontains", max_length=200, help_text="ISP")
    max_speed = IntegerFilter(method="filter_max_speed", help_text="fastest acceptable, ms")

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_country(self, queryset, name, value):
        return queryset.filter(country_code=value.upper())

    def filter_max_speed(self, queryset, name, value):
        return queryset.filter(speed__isnull=False, speed__lte=value)
