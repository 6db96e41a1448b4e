"""The project's domain errors. Services raise these; one exception handler maps them to HTTP.

gRPC-style names are kept where the fleet contract (docs/contracts.md) uses them, so the mapping
INVALID_ARGUMENT→422, NOT_FOUND→404, ALREADY_EXISTS→409, PERMISSION_DENIED→403,
RESOURCE_EXHAUSTED→429, UNAVAILABLE→503 is written once, here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class DomainError(Exception):
    status_code = 400
    default_message = "Request refused."
    code = "error"
    # Seconds for the answer's Retry-After (a 429 or 503 that says when to try again).
    retry_after: int | None = None

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(self.message)


class InvalidArgument(DomainError):
    """422 with the validation shape: `errors` is a list of (loc, msg, type)."""

    status_code = 422
    default_message = "Invalid input."
    code = "value_error"

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | Sequence[str] | None = None,
        location: str = "body",
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message, code=code)
        if errors is not None:
            self.errors = errors
        else:
            loc = [location]
            if field is not None:
                loc += [field] if isinstance(field, str) else list(field)
            self.errors = [{"loc": loc, "msg": self.message, "type": self.code}]


class Unauthenticated(DomainError):
    status_code = 401
    default_message = "Authentication credentials were not provided or are invalid."
    code = "unauthenticated"


class PaymentRequired(DomainError):
    status_code = 402
    default_message = "Insufficient balance."
    code = "insufficient_balance"


class PermissionDenied(DomainError):
    status_code = 403
    default_message = "You do not have permission to perform this action."
    code = "permission_denied"


class NotFound(DomainError):
    status_code = 404
    default_message = "Not found."
    code = "not_found"


class Conflict(DomainError):
    """ALREADY_EXISTS / FAILED_PRECONDITION: the state forbids the change."""

    status_code = 409
    default_message = "Conflict with the current state."
    code = "conflict"


class AlreadyExists(Conflict):
    """A duplicate: what the caller would create exists already (gRPC ALREADY_EXISTS)."""

    default_message = "Already exists."
    code = "already_exists"


class ResourceExhausted(DomainError):
    status_code = 429
    default_message = "Resource exhausted."
    code = "resource_exhausted"


class UpstreamError(DomainError):
    status_code = 502
    default_message = "The upstream service failed."
    code = "upstream_error"


class Unavailable(DomainError):
    status_code = 503
    default_message = "Service unavailable."
    code = "unavailable"
