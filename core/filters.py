"""List filters: django-filter FilterSets shared by the API, the pages and other interfaces.

Each list has one FilterSet (`<app>/filters.py`). Its selector applies it
(`filter_queryset`), so the API, the pages, gRPC and commands filter the same way; the API
refuses bad values with 422 (`loc: ["query", name]`), pages drop them (`lenient=True`); the
OpenAPI schema documents the same filters (`filterset_parameters`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

import django_filters
from django import forms
from django.db.models import Model, QuerySet
from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter
from rest_framework.serializers import Serializer

from .enums import proto_word
from .errors import InvalidArgument

BIGINT_MAX = 2**63 - 1

_M = TypeVar("_M", bound=Model)
# What a filter reads: a request's query (a QueryDict) or any other mapping of values.
FilterData = Mapping[str, Any]


class _ProtoChoiceField(django_filters.fields.ChoiceField):
    def __init__(self, *args: Any, proto_prefix: str = "", **kwargs: Any) -> None:
        self.proto_prefix = proto_prefix
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        words = [str(choice[0]) for choice in cast(Iterable[tuple[Any, Any]], self.choices)]
        return proto_word(super().to_python(value), prefix=self.proto_prefix, words=words)


class ProtoChoiceFilter(django_filters.ChoiceFilter):
    """A ChoiceFilter that also takes the gRPC contract's names of its values
    (`?status=ACCOUNT_STATUS_ACTIVE` as `?status=active`, core.enums); `proto_prefix=`."""

    field_class = _ProtoChoiceField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within PostgreSQL's bigint (NumberFilter takes decimals)."""

    field_class = forms.IntegerField  # type: ignore[assignment]  # NumberFilter takes any number field

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

    # As NullBooleanField's own (whose stubs ignore BooleanField's `-> bool` the same way).
    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
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


def _bound(
    filterset_class: type[django_filters.FilterSet],
    data: FilterData | None,
    queryset: QuerySet[Any] | None,
) -> django_filters.FilterSet:
    # Its form reads any mapping (`getlist` only where the mapping has one).
    return filterset_class(data=cast("QueryDict | dict[str, Any]", data or {}), queryset=queryset)


def _errors(filterset: django_filters.FilterSet, location: str) -> list[dict[str, Any]]:
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
    data: FilterData | None,
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
    data: FilterData | None,
    queryset: QuerySet[_M],
    *,
    lenient: bool = False,
) -> QuerySet[_M]:
    """`queryset` narrowed by the filters in `data` (see `filter_values` for bad values)."""
    values = filter_values(filterset_class, data, lenient=lenient)
    filterset = _bound(filterset_class, values, queryset)
    if not filterset.is_valid():  # cleaned values always validate again
        raise InvalidArgument("Invalid filter.", errors=_errors(filterset, "query"))
    narrowed: QuerySet[_M] = filterset.qs
    return narrowed


def _schema(field: forms.Field) -> dict[str, Any]:
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
        # The field keeps its choices normalised to (value, label) pairs.
        choices = cast("Iterable[tuple[Any, Any]]", field.choices)
        values = [str(value) for value, _ in choices if value not in ("", None)]
        return {"type": "string", "enum": values}
    schema = {"type": "string"}
    max_length = getattr(field, "max_length", None)
    if max_length:
        schema["maxLength"] = max_length
    return schema


def filterset_parameters(
    filterset_class: type[django_filters.FilterSet],
    extra: Iterable[OpenApiParameter | type[Serializer[Any]]] = (),
) -> list[OpenApiParameter | type[Serializer[Any]]]:
    """The FilterSet's filters as OpenAPI query parameters (types, bounds, enums, lengths)."""
    params: list[OpenApiParameter | type[Serializer[Any]]] = []
    form = filterset_class().form
    for name, field in form.fields.items():
        description = str(field.help_text or field.label or "")
        params.append(
            OpenApiParameter(name, _schema(field), OpenApiParameter.QUERY, description=description)
        )
    return params + list(extra)
