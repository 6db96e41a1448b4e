"""List filters: django-filter FilterSets shared by the API, the pages and other interfaces.

Each list has one FilterSet (`<app>/filters.py`). Its selector applies it
(`filter_queryset`), so the API, the pages, gRPC and commands filter the same way; the API
refuses bad values with 422 (`loc: ["query", name]`), pages drop them (`lenient=True`); the
OpenAPI schema documents the same filters (`filterset_parameters`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter

from .errors import InvalidArgument

BIGINT_MAX = 2**63 - 1


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within PostgreSQL's bigint (NumberFilter takes decimals)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, min_value: int = 0, max_value: int = BIGINT_MAX, **kwargs: Any):
        kwargs.setdefault("min_value", min_value)
        kwargs.setdefault("max_value", max_value)
        super().__init__(*args, **kwargs)


class _StrictNullBooleanField(forms.NullBooleanField):
    """true/false (also 1/0, yes/no); anything else is an error, not "no filter". (A plain
    text widget hands over the raw value: NullBooleanField's select widget maps anything
    unknown to "no filter".)"""

    widget = forms.TextInput

    TRUE = frozenset({"true", "1", "yes", "on"})
    FALSE = frozenset({"false", "0", "no", "off"})

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Expected true or false.", code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = _StrictNullBooleanField


def _bound(filterset_class: type[django_filters.FilterSet], data: Mapping | None, queryset):
    return filterset_class(data=data or {}, queryset=queryset)


def _errors(filterset: django_filters.FilterSet, location: str) -> list[dict]:
    return [
        {
            "loc": [location, name],
            "msg": str(error.message % (error.params or {})),
            "type": error.code or "value_error",
        }
        for name, errors in filterset.form.errors.as_data().items()
        for error in errors
    ]


def filter_values(
    filterset_class: type[django_filters.FilterSet],
    data: Mapping | None,
    *,
    lenient: bool = False,
    location: str = "query",
) -> dict[str, Any]:
    """The filters given in `data`, validated and cleaned (empty ones left out). Invalid
    values raise InvalidArgument (`loc: [location, name]`), or are dropped with
    `lenient=True` (pages)."""
    filterset = _bound(filterset_class, data, None)
    form = filterset.form
    if not form.is_valid():
        if not lenient:
            raise InvalidArgument("Invalid filter.", errors=_errors(filterset, location))
        return {
            name: value
            for name, value in form.cleaned_data.items()
            if name not in form.errors and value not in (None, "")
        }
    return {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}


def filter_queryset(
    filterset_class: type[django_filters.FilterSet],
    data: Mapping | None,
    queryset: QuerySet,
    *,
    lenient: bool = False,
) -> QuerySet:
    """`queryset` narrowed by the filters in `data` (see `filter_values` for bad values)."""
    values = filter_values(filterset_class, data, lenient=lenient)
    filterset = _bound(filterset_class, values, queryset)
    if not filterset.is_valid():  # cleaned values always validate again
        raise InvalidArgument("Invalid filter.", errors=_errors(filterset, "query"))
    return filterset.qs


def _schema(field: forms.Field) -> dict:
    if isinstance(field, forms.NullBooleanField | forms.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.IntegerField):
        schema: dict[str, Any] = {"type": "integer"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        return schema
    if isinstance(field, forms.ChoiceField):
        values = [str(value) for value, _ in field.choices if value not in ("", None)]
        return {"type": "string", "enum": values}
    schema = {"type": "string"}
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


def filterset_parameters(
    filterset_class: type[django_filters.FilterSet], extra: Iterable[OpenApiParameter] = ()
) -> list[OpenApiParameter]:
    """The FilterSet's filters as OpenAPI query parameters (types, bounds, enums, lengths)."""
    params = []
    form = filterset_class().form
    for name, field in form.fields.items():
        description = str(field.help_text or field.label or "")
        params.append(
            OpenApiParameter(name, _schema(field), OpenApiParameter.QUERY, description=description)
        )
    return params + list(extra)
