"""Filters of the warming task list (API and gRPC)."""

from __future__ import annotations

import django_filters

from core.filters import IntegerFilter, ProtoChoiceFilter

from ..models import Platform
from .models import WarmingStatus, WarmingTask


class WarmingTaskFilter(django_filters.FilterSet):
    status = ProtoChoiceFilter(
        choices=WarmingStatus.choices,
        proto_prefix="WARMING_STATUS_",
        help_text="status (also WARMING_STATUS_…)",
    )
    account_id = IntegerFilter(min_value=1, help_text="account id")
    scenario_id = django_filters.CharFilter(max_length=64, help_text="scenario id")
    platform = django_filters.ChoiceFilter(
        field_name="account__platform", choices=Platform.choices, help_text="account's platform"
    )

    class Meta:
        model = WarmingTask
        fields: list[str] = []
