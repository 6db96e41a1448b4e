"""The Vault-compatible API's common ground: envelope, error shape, JSON body, LIST method.

Existing Vault clients (hvac, the `vault`/`bao` CLIs, Terraform) depend on details the rest of
our API does not share, so every /v1/ view derives from `VaultAPIView`:
- answers carry Vault's envelope (`request_id`, `lease_id`, `renewable`, `lease_duration`,
  `data`, `wrap_info`, `warnings`, `auth`); data-bearing answers are 200, the others 204;
- errors are `{"errors": [...]}` with Vault's codes: 400 for bad input (our 422) and a cas
  mismatch (our 409), 403 "permission denied" for any refused or missing token (our 401),
  404 `{"errors": []}` for a missing path;
- `Content-Type` is exactly `application/json`, whatever `Accept` says; `Cache-Control:
  no-store` on every answer;
- the body is JSON whatever its declared media type (Vault ignores it too);
- the `LIST` HTTP method is accepted where a view defines `list`; only token authentication,
  so no CSRF (the project-wide session authentication stays out of /v1/).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback

from core.api.parsers import BodyRejected, load_json
from core.errors import Conflict, DomainError, InvalidArgument, NotFound, Unauthenticated
from core.ints import parse_int
from core.outage import ServiceUnavailable, outage_error, quiet

from ..authentication import BearerTokenAuthentication

logger = logging.getLogger(__name__)

PERMISSION_DENIED = "permission denied"


class VaultError(Exception):
    """An answer in Vault's error shape with an explicit status."""

    def __init__(self, status_code: int, errors: list[str] | None = None) -> None:
        self.status_code = status_code
        self.errors = errors or []
        super().__init__("; ".join(self.errors))


class VaultJSONParser(BaseParser):
    """JSON for any declared media type; an empty body is `{}`; anything but an object is 400."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if not raw.strip():
            return {}
        try:
            data = load_json(raw)
        except BodyRejected as exc:
            raise VaultError(400, [f"failed to decode JSON input: {exc}"]) from None
        if not isinstance(data, dict):
            raise VaultError(400, ["failed to decode JSON input: the body must be a JSON object"])
        return data


class VaultJSONRenderer(JSONRenderer):
    charset = None


class AlwaysJSON(BaseContentNegotiation):
    """Vault answers JSON to every client; never a 406 or the browsable API."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def envelope(
    *,
    data: Any = None,
    auth: dict | None = None,
    warnings: list[str] | None = None,
    lease_duration: int = 0,
    renewable: bool = False,
) -> dict:
    return {
        "request_id": str(uuid.uuid4()),
        "lease_id": "",
        "renewable": renewable,
        "lease_duration": lease_duration,
        "data": data,
        "wrap_info": None,
        "warnings": warnings or None,
        "auth": auth,
    }


def multierror(message: str) -> str:
    """Vault wraps some errors in Go's multierror text; clients match on it."""
    return f"1 error occurred:\n\t* {message}\n\n"


def go_duration(seconds: int) -> str:
    """A duration the way Vault prints it (Go's time.Duration: `0s`, `45s`, `1m0s`, `3h25m19s`)."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def human_duration(seconds: int) -> str:
    """A duration as Vault's warnings print it: zero units left out (`5h`, `767h59m59s`)."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)
    return text or "0s"


def rfc3339(value) -> str:
    """Vault's time format (UTC, `Z`); "" for none, as Vault writes an unset deletion_time."""
    return value.isoformat().replace("+00:00", "Z") if value else ""


def vault_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """An integer parameter of a Vault body (a JSON number or a string of digits, as Vault's
    own parser accepts); anything else is Vault's 400."""
    try:
        return parse_int(value, minimum=minimum, name=name)
    except ValueError as exc:
        raise VaultError(
            400, [f"error converting input {value!r} for field {name!r}: {exc}"]
        ) from None


def unknown_parameter_warnings(body: dict, known: set[str]) -> list[str]:
    unknown = sorted(key for key in body if key not in known)
    if not unknown:
        return []
    return [f"Endpoint ignored these unrecognized parameters: [{' '.join(unknown)}]"]


def error_response(exc: Exception) -> Response | None:
    """Map any exception a view may raise to Vault's `{"errors": [...]}` with Vault's code."""
    exc = outage_error(exc) or exc
    if isinstance(exc, VaultError):
        return Response({"errors": exc.errors}, status=exc.status_code)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # Vault never says why a token was refused (unknown, revoked, used up, wrong address).
        return Response({"errors": [PERMISSION_DENIED]}, status=403)
    if isinstance(exc, Unauthenticated):
        return Response({"errors": [PERMISSION_DENIED]}, status=403)
    if isinstance(exc, InvalidArgument):
        return Response({"errors": [e["msg"] for e in exc.errors]}, status=400)
    if isinstance(exc, Conflict):
        return Response({"errors": [exc.message]}, status=400)
    if isinstance(exc, NotFound | Http404):
        return Response({"errors": []}, status=404)
    if isinstance(exc, DomainError):
        if exc.status_code == 403:
            return Response({"errors": [PERMISSION_DENIED]}, status=403)
        retry = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry else None
        response = Response({"errors": [exc.message]}, status=exc.status_code, headers=headers)
        return quiet(response) if isinstance(exc, ServiceUnavailable) else response
    if isinstance(exc, DjangoPermissionDenied | exceptions.PermissionDenied):
        return Response({"errors": [PERMISSION_DENIED]}, status=403)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return Response({"errors": [multierror("unsupported operation")]}, status=405)
    if isinstance(exc, exceptions.ValidationError | exceptions.ParseError):
        detail = exc.detail
        return Response({"errors": [str(detail)]}, status=400)
    if isinstance(exc, exceptions.APIException):
        wait = getattr(exc, "wait", None)  # set by Throttled
        headers = {"Retry-After": str(int(wait))} if wait else None
        return Response({"errors": [str(exc.detail)]}, status=exc.status_code, headers=headers)
    return None


class VaultAPIView(APIView):
    """Base class of every /v1/ view (see the module docstring)."""

    http_method_names = [*APIView.http_method_names, "list"]
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [VaultJSONParser]
    renderer_classes = [VaultJSONRenderer]
    content_negotiation_class = AlwaysJSON

    @property
    def allowed_methods(self):
        # LIST is not an OpenAPI operation; it is documented as GET with ?list=true.
        return [m for m in super().allowed_methods if m != "LIST"]

    def http_method_not_allowed(self, request, *args, **kwargs):
        # Vault treats PUT and POST alike everywhere (its CLI renews and revokes with PUT).
        if request.method == "PUT" and hasattr(self, "post"):
            return self.post(request, *args, **kwargs)
        return super().http_method_not_allowed(request, *args, **kwargs)

    def body(self) -> dict:
        return self.request.data if isinstance(self.request.data, dict) else {}

    def raw_token(self) -> str:
        from ..authentication import presented_token

        return presented_token(self.request._request) or ""

    def ok(self, *, data: Any = None, auth: dict | None = None, warnings=None, **kw) -> Response:
        return Response(
            envelope(data=data, auth=auth, warnings=warnings, **kw),
            status=status.HTTP_200_OK,
        )

    def ok_body(self, body: dict) -> Response:
        return Response(body, status=status.HTTP_200_OK)

    def no_content(self, *, warnings: list[str] | None = None) -> HttpResponse:
        # Vault answers 200 with the envelope instead of 204 when it has warnings to give.
        if warnings:
            return self.ok(warnings=warnings)
        # A plain response: DRF would drop the Content-Type of an empty body; Vault keeps it.
        return HttpResponse(status=status.HTTP_204_NO_CONTENT, content_type="application/json")

    def handle_exception(self, exc):
        response = error_response(exc)
        if response is None:
            logger.exception("vault API: unexpected error", exc_info=exc)
            response = Response({"errors": ["internal error"]}, status=500)
        set_rollback()
        response.exception = True
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response
