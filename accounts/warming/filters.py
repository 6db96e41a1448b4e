"""Filters of the warming task list (API and gRPC)."""

from __future__ import annotations

import django_filters

from core.filters import IntegerFilter

from ..models import Platform
from .models import WarmingStatus, WarmingTask


class WarmingTaskFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=WarmingStatus.choices, help_text="status")
    account_id = IntegerFilter(min_value=1, help_text="account id")
    scenario_id = django_filters.CharFilter(max_length=64, help_text="scenario id")
    platform = django_filters.ChoiceFilter(
        field_name="account__platform", choices=Platform.choices, help_text="account's platform"
    )

    class Meta:
        model = WarmingTask
        fields: list[str] = []
