"""Filters of the view-statistics task list (API list and CSV export)."""

from __future__ import annotations

import django_filters

from .models import Platform, Status, ViewTask


class ViewTaskFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, help_text="status")
    platform = django_filters.ChoiceFilter(choices=Platform.choices, help_text="platform")

    class Meta:
        model = ViewTask
        fields: list[str] = []
