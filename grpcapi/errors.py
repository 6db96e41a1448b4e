"""The one table from the platform's errors to gRPC status codes (docs/grpc.md).

Services raise the project's domain errors (`core.errors`); an outage of PostgreSQL or Redis
(a connection error, also as the cause of another exception) is recognised as REST recognises
it (`core.outage.outage_error`) and is UNAVAILABLE with a retry hint. Each maps to one code
here; invalid input also carries its field errors as `google.rpc.BadRequest`, an outage or a
refusal that says when to come back `google.rpc.RetryInfo`, in the rich status details
(`grpc-status-details-bin`). Anything else is INTERNAL with a generic message naming the
call's request id; the traceback goes to the log only.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from core import errors
from core.outage import outage_error

C = grpc.StatusCode

# First match wins: subclasses before their bases (AlreadyExists before Conflict).
CODES: tuple[tuple[type[BaseException], grpc.StatusCode], ...] = (
    (errors.InvalidArgument, C.INVALID_ARGUMENT),
    (errors.Unauthenticated, C.UNAUTHENTICATED),
    (errors.PermissionDenied, C.PERMISSION_DENIED),
    (errors.NotFound, C.NOT_FOUND),
    (errors.AlreadyExists, C.ALREADY_EXISTS),
    (errors.Conflict, C.FAILED_PRECONDITION),
    (errors.PaymentRequired, C.FAILED_PRECONDITION),
    (errors.ResourceExhausted, C.RESOURCE_EXHAUSTED),
    (errors.UpstreamError, C.UNAVAILABLE),
    (errors.Unavailable, C.UNAVAILABLE),
)


def known(exc: BaseException) -> tuple[grpc.StatusCode, errors.DomainError] | None:
    """(code, the domain error to report) for a known error; None for an unexpected one. An
    outage becomes `core.outage`'s Unavailable (its message names the dependency, never the
    driver's text)."""
    outage = outage_error(exc)
    if outage is not None:
        return C.UNAVAILABLE, outage
    for kind, code in CODES:
        if isinstance(exc, kind):
            assert isinstance(exc, errors.DomainError)
            return code, exc
    return None


def code_for(exc: BaseException) -> grpc.StatusCode | None:
    found = known(exc)
    return found[0] if found else None


def _bad_request(errors_list: list[dict]) -> any_pb2.Any:
    detail = error_details_pb2.BadRequest()
    for error in errors_list:
        # loc is ["body", "field", …]: the field path without the location
        path = [str(part) for part in error.get("loc", [])[1:]]
        detail.field_violations.add(field=".".join(path), description=str(error.get("msg", "")))
    packed = any_pb2.Any()
    packed.Pack(detail)
    return packed


def status_of(exc: errors.DomainError, code: grpc.StatusCode) -> grpc.Status:
    """The rich status for a known error."""
    proto = status_pb2.Status(code=code.value[0], message=exc.message)
    if isinstance(exc, errors.InvalidArgument):
        proto.details.append(_bad_request(exc.errors))
    if exc.retry_after:
        retry = any_pb2.Any()
        retry.Pack(
            error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=exc.retry_after))
        )
        proto.details.append(retry)
    return rpc_status.to_status(proto)


def invalid(message: str, *, field: str) -> errors.InvalidArgument:
    """An InvalidArgument for one request field (the gRPC field name)."""
    return errors.InvalidArgument(message, field=field)
