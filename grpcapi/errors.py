"""The one table from the platform's errors to gRPC status codes (docs/grpc.md).

Services raise the project's domain errors (`core.errors`); infrastructure failures arrive as
the database driver's or redis-py's connection errors. Each maps to one code here; invalid
input also carries its field errors as `google.rpc.BadRequest` in the rich status details
(`grpc-status-details-bin`). Anything else is INTERNAL with a generic message naming the
call's request id; the traceback goes to the log only.
"""

from __future__ import annotations

import grpc
import redis.exceptions
from django.db import utils as db_errors
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from core import errors

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
    (db_errors.OperationalError, C.UNAVAILABLE),
    (db_errors.InterfaceError, C.UNAVAILABLE),
    (redis.exceptions.ConnectionError, C.UNAVAILABLE),
    (redis.exceptions.TimeoutError, C.UNAVAILABLE),
)
# What a client reads for an infrastructure failure (the driver's text stays in the log).
UNAVAILABLE_MESSAGE = "A service the platform depends on is unavailable; retry later."


def code_for(exc: BaseException) -> grpc.StatusCode | None:
    """The status code of a known error, None for an unexpected one."""
    for kind, code in CODES:
        if isinstance(exc, kind):
            return code
    return None


def _bad_request(errors_list: list[dict]) -> any_pb2.Any:
    detail = error_details_pb2.BadRequest()
    for error in errors_list:
        # loc is ["body", "field", …]: the field path without the location
        path = [str(part) for part in error.get("loc", [])[1:]]
        detail.field_violations.add(field=".".join(path), description=str(error.get("msg", "")))
    packed = any_pb2.Any()
    packed.Pack(detail)
    return packed


def status_of(exc: BaseException, code: grpc.StatusCode) -> grpc.Status:
    """The rich status for a known error."""
    message = exc.message if isinstance(exc, errors.DomainError) else UNAVAILABLE_MESSAGE
    proto = status_pb2.Status(code=code.value[0], message=message)
    if isinstance(exc, errors.InvalidArgument):
        proto.details.append(_bad_request(exc.errors))
    return rpc_status.to_status(proto)


def invalid(message: str, *, field: str) -> errors.InvalidArgument:
    """An InvalidArgument for one request field (the gRPC field name)."""
    return errors.InvalidArgument(message, field=field)
