"""The gRPC entry point's interceptor: context, authentication, authority, errors, logging.

For every call of a `conveer.*` service it
1. settles the client address (the peer) and a request id (the caller's `x-request-id` if it is
   well-formed) and opens the actor context (`core.context`, channel "grpc"), so the audit rows
   of the call carry the actor, the token accessor, the address and the request id;
2. authenticates the token in the metadata (`authorization: Bearer …` or `x-vault-token`) with
   the REST API's token service (TTL, revocation, uses, CIDR binding against the peer);
3. checks the power the matching REST view requires (`core.authority`), before reading input;
4. hands Django a fresh or still-good database connection (`close_old_connections` before and
   after, as Django does around an HTTP request), so none leaks or goes stale across the pool;
5. maps errors through `grpcapi.errors` (recovery: an unexpected exception is INTERNAL with a
   generic message; the traceback is logged with the request id), and
6. logs one line: method, peer, duration, status code. Never metadata, a token or a message.

The health and reflection services are public (load balancers and tools call them bare).

grpcio runs every call in a new, empty `contextvars.Context`. Django keeps its cache objects
per context, so each call would build a new Redis cache client with its own connection pool
and connect to Redis again (about a millisecond, and a socket left for the garbage collector).
The handlers therefore run in one context per server thread (`thread_context`), as a threaded
WSGI server runs requests: the cache's connections are reused; the actor context is still
set and reset around each call.
"""

from __future__ import annotations

import contextvars
import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Generator
from typing import Any

import grpc
from django.db import close_old_connections

from core.authority import authority_require
from core.context import acting, actor_update, new_request_id
from core.errors import PermissionDenied, Unauthenticated
from secrets_app.services.tokens import TokenRefused, token_authenticate

from . import errors

access_logger = logging.getLogger("platform.grpc")
logger = logging.getLogger(__name__)

PROTECTED_PREFIX = "/conveer."
# The power of a `conveer.*` method missing from the table: refused to everyone.
REFUSE = "refuse"


_thread = threading.local()


def thread_context() -> contextvars.Context:
    """This thread's own context (one call at a time runs in a server thread)."""
    context = getattr(_thread, "context", None)
    if context is None:
        context = _thread.context = contextvars.Context()
    return context


def peer_ip(peer: str) -> str:
    """`ipv4:127.0.0.1:5000` / `ipv6:[::1]:5000` / `ipv6:%5B::1%5D:5000` → the address."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv4":
        return rest.rsplit(":", 1)[0]
    if kind == "ipv6":
        host = rest.replace("%5B", "[").replace("%5D", "]").rsplit(":", 1)[0].strip("[]")
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            return ""
    return ""


def presented_token(metadata: dict[str, str]) -> str | None:
    """The token of `authorization: Bearer …` (else `x-vault-token`), as REST reads headers."""
    header = metadata.get("authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return None
    return metadata.get("x-vault-token", "").strip() or None


def _metadata(details: grpc.HandlerCallDetails) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in details.invocation_metadata or ():
        if isinstance(value, str):
            out.setdefault(key.lower(), value)
    return out


def _fresh_actor(ip: str, call: Call) -> dict[str, Any]:
    """Every field of the call's actor (none is inherited from an earlier call of the thread);
    user, token and accessor follow once the token is checked."""
    return {
        "user": None,
        "token": None,
        "accessor": "",
        "ip": ip,
        "request_id": call.request_id,
        "channel": "grpc",
    }


class Call:
    """What the interceptor settled for one call, while its handler runs."""

    def __init__(self, method: str, metadata: dict[str, str], power: str | None) -> None:
        self.method = method
        self.metadata = metadata
        self.power = power
        self.request_id = new_request_id(metadata.get("x-request-id"))
        self.started = time.perf_counter()
        self.code = grpc.StatusCode.OK


class PlatformInterceptor(grpc.ServerInterceptor):
    """`powers` maps full method names (`/conveer.ProxyService/AllocateProxy`) to the power the
    matching REST view requires, or None for "any authenticated caller" (the service itself
    decides, as GetCredentials does). A `conveer.*` method missing from it is refused."""

    def __init__(self, powers: dict[str, str | None]) -> None:
        self.powers = powers

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or not method.startswith(PROTECTED_PREFIX):
            return handler
        metadata = _metadata(handler_call_details)
        if handler.unary_unary is not None:
            inner = handler.unary_unary

            def unary(request, context):
                return thread_context().run(self._unary, inner, request, context, method, metadata)

            return grpc.unary_unary_rpc_method_handler(
                unary,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            inner_stream = handler.unary_stream

            def stream(request, context):
                responses = self._stream(inner_stream, request, context, method, metadata)
                run = thread_context().run
                try:
                    while True:
                        try:
                            item = run(next, responses)
                        except StopIteration:
                            return
                        yield item
                finally:
                    # grpcio drops the iterator of a cancelled call without closing it: close
                    # the handler here, in its context (actor reset, connections, log line)
                    run(responses.close)

            return grpc.unary_stream_rpc_method_handler(
                stream,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler  # no client-streaming method in the contract

    # --- the two call shapes -------------------------------------------------------------

    def _unary(self, inner: Callable, request: Any, context, method: str, metadata) -> Any:
        call = Call(method, metadata, self.powers.get(method, REFUSE))
        ip = peer_ip(context.peer())
        close_old_connections()
        try:
            with acting(**_fresh_actor(ip, call)):
                try:
                    self._authorize(call, ip)
                    return inner(request, context)
                except Exception as exc:  # noqa: BLE001 - every error becomes a status
                    self._abort(call, exc, context)
                finally:
                    self._log(call, context)
        finally:
            close_old_connections()

    def _stream(
        self, inner: Callable, request: Any, context, method: str, metadata
    ) -> Generator[Any, None, None]:
        call = Call(method, metadata, self.powers.get(method, REFUSE))
        ip = peer_ip(context.peer())
        close_old_connections()
        try:
            with acting(**_fresh_actor(ip, call)):
                try:
                    self._authorize(call, ip)
                    yield from inner(request, context)
                except Exception as exc:  # noqa: BLE001
                    self._abort(call, exc, context)
                finally:
                    self._log(call, context)
        finally:
            close_old_connections()

    # --- the steps ---------------------------------------------------------------------------

    def _authorize(self, call: Call, ip: str) -> None:
        raw = presented_token(call.metadata)
        if raw is None:
            raise Unauthenticated("A token is required: authorization: Bearer <token>.")
        try:
            user, token = token_authenticate(raw, ip=ip)
        except TokenRefused as exc:
            raise Unauthenticated(exc.message) from None
        actor_update(user=user, token=token, accessor=token.accessor)
        if call.power == REFUSE:
            raise PermissionDenied("This method is not offered.")
        if call.power is not None:
            authority_require(user=user, token=token, power=call.power)

    def _abort(self, call: Call, exc: Exception, context) -> None:
        found = errors.known(exc)
        if found is None:
            call.code = grpc.StatusCode.INTERNAL
            logger.error(
                "gRPC call failed: %s",
                call.method,
                exc_info=exc,
                extra={"method": call.method, "request_id": call.request_id},
            )
            context.abort(
                grpc.StatusCode.INTERNAL, f"Internal error (request id {call.request_id})."
            )
            return  # abort raised already
        code, error = found
        call.code = code
        context.abort_with_status(errors.status_of(error, code))

    def _log(self, call: Call, context) -> None:
        code = call.code
        if code == grpc.StatusCode.OK:
            # a handler may have set a code itself (a cancelled stream, say)
            code = _context_code(context) or code
        access_logger.info(
            "%s %s",
            call.method,
            code.name,
            extra={
                "method": call.method,
                "peer": context.peer(),
                "code": code.name,
                "duration_ms": round((time.perf_counter() - call.started) * 1000, 1),
            },
        )


def _context_code(context) -> grpc.StatusCode | None:
    try:
        code = context.code()
    except Exception:  # noqa: BLE001 - older grpcio has no context.code()
        return None
    return code if isinstance(code, grpc.StatusCode) else None
