"""One exception handler for every API: 422 validation shape, `{"detail": ...}` otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError, InvalidArgument
from core.outage import ServiceUnavailable, outage_error, quiet

QUERY_METHODS = {"GET", "HEAD", "DELETE", "OPTIONS"}


def flatten_validation(detail: Any, location: str, prefix: list | None = None) -> list[dict]:
    """Turn DRF's nested ValidationError detail into [{"loc", "msg", "type"}]."""
    prefix = prefix or []
    out: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            part = [] if key == "non_field_errors" else [key]
            out += flatten_validation(value, location, prefix + part)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            out += flatten_validation(value, location, prefix + ([index] if nested else []))
    else:
        code = getattr(detail, "code", None) or "value_error"
        out.append({"loc": [location, *prefix], "msg": str(detail), "type": code})
    return out


@contextmanager
def parameter_errors(location: str, name: str) -> Iterator[None]:
    """Validation errors raised inside are about the request's `location` ("path", "query")
    parameter `name`: their `loc` becomes [location, name] (a service names its own argument,
    and says "body" by default)."""
    try:
        yield
    except InvalidArgument as exc:
        errors = [{**error, "loc": [location, name]} for error in exc.errors]
        raise InvalidArgument(exc.message, errors=errors) from None


def path_parameter(name: str) -> Any:
    return parameter_errors("path", name)


def validation_response(errors: list[dict]) -> Response:
    return Response({"detail": errors}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    request = context.get("request")
    location = "query" if request is not None and request.method in QUERY_METHODS else "body"
    headers: dict[str, str] = {}
    exc = outage_error(exc) or exc

    if isinstance(exc, InvalidArgument):
        set_rollback()
        return validation_response(exc.errors)
    if isinstance(exc, DomainError):
        set_rollback()
        if getattr(exc, "retry_after", None):
            headers["Retry-After"] = str(exc.retry_after)
        response = Response({"detail": exc.message}, status=exc.status_code, headers=headers)
        return quiet(response) if isinstance(exc, ServiceUnavailable) else response
    if isinstance(exc, exceptions.ValidationError):
        set_rollback()
        return validation_response(flatten_validation(exc.detail, location))
    if isinstance(exc, exceptions.ParseError):
        set_rollback()
        return validation_response(
            [{"loc": ["body"], "msg": str(exc.detail), "type": "json_invalid"}]
        )
    if isinstance(exc, exceptions.UnsupportedMediaType):
        set_rollback()
        return validation_response(
            [{"loc": ["body"], "msg": str(exc.detail), "type": "unsupported_media_type"}]
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        auth_header = getattr(exc, "auth_header", None)  # set by authentication failures
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        wait = getattr(exc, "wait", None)  # set by Throttled
        if wait:
            headers["Retry-After"] = str(int(wait))
        code = exc.status_code
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            code = status.HTTP_401_UNAUTHORIZED
            headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
        set_rollback()
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return Response({"detail": detail}, status=code, headers=headers)
    return None
