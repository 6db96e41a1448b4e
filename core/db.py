"""Database helpers shared by the domains."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.utils import CursorWrapper, debug_transaction
from django.db.models import Field
from django.db.transaction import TransactionManagementError


@contextmanager
def hot_cursor() -> Iterator[CursorWrapper]:
    """A cursor for the few hand-written queries on the hottest paths (a secret read or write,
    an audit append): on PostgreSQL it binds parameters on the server, so psycopg prepares a
    statement the connection has run a few times (DB_PREPARED_STATEMENTS) and PostgreSQL skips
    parsing and planning it again (about 0.1 ms of server time each). Django wraps it like any
    cursor: errors are translated and CaptureQueriesContext counts its queries. The underlying
    cursor is kept with the connection and reused.

    Use one statement per execute (no statement lists) with parameters typed by their values.
    """
    db = connections[DEFAULT_DB_ALIAS]  # the real wrapper: each attribute of the proxy costs
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            yield cursor
        return
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    pg = db.connection
    cached: tuple[Any, Any] | None = getattr(db, "_hot_cursor", None)
    if cached is None or cached[0] is not pg or cached[1].closed:
        from django.db.backends.postgresql import base as pg_base

        # The stubs know the backend module without its psycopg 3 names (ServerBindingCursor's
        # constructor, Format, register_tzloader).
        base: Any = pg_base

        with db.wrap_database_errors:
            raw = base.ServerBindingCursor(pg)
            # As Django's own cursors: load timestamps in the connection's zone if it changed.
            loader = pg.adapters.get_loader(base.TIMESTAMPTZ_OID, base.Format.TEXT)
            if db.timezone != loader.timezone:
                base.register_tzloader(db.timezone, raw)
        cached = (pg, raw)
        setattr(db, "_hot_cursor", cached)  # noqa: B010 (an attribute the stubs do not know)
    yield db.make_debug_cursor(cached[1]) if db.queries_logged else db.make_cursor(cached[1])


@contextmanager
def pipelined_transaction() -> Iterator[None]:
    """A transaction whose statements travel together where the code does not read their
    answers at once (psycopg's pipeline mode; PostgreSQL outside a caller's transaction, else
    a plain `transaction.atomic()`). The last statement, read only after the block, goes to the
    server in one message with the COMMIT: the locks it takes are released by the server
    without waiting for a client round trip (so a busy client process does not hold up everyone
    who waits for them). BEGIN travels with the first statement. Inside, code nests as in an
    atomic block (savepoints); errors surface where an answer is read or at the commit, and
    roll everything back."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or db.in_atomic_block:
        with transaction.atomic():
            yield
        return
    # Before the pipeline: the request's connection health check (Django reads no answer of
    # its SELECT 1, which would stay pending) and the switch out of autocommit (in a pipeline,
    # psycopg checks it with a round trip).
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.set_autocommit(False)
    db.in_atomic_block = True
    committed = False
    try:
        with db.wrap_database_errors, db.connection.pipeline():
            try:
                yield
                if db.needs_rollback:
                    raise TransactionManagementError("an inner atomic block failed")
                with debug_transaction(db, "COMMIT"):
                    db.connection.commit()
                committed = True
            except BaseException:
                with debug_transaction(db, "ROLLBACK"):
                    db.connection.rollback()
                raise
    finally:
        db.in_atomic_block = False
        db.needs_rollback = False
        if committed:
            db.run_commit_hooks_on_set_autocommit_on = True
        else:
            db.run_on_commit = []
        db.set_autocommit(True)


def orm_values(fields: tuple[Field[Any, Any], ...], values: Sequence[Any]) -> list[Any]:
    """A raw row's values as the ORM would load them into `fields` (each field's and the
    backend's converters applied: JSON parsed, encrypted fields decrypted), for
    `Model.from_db` after a hand-written query."""
    out = list(values)
    for index, col, converters in _converter_plan(fields):
        value = out[index]
        for converter in converters:
            value = converter(value, col, connection)
        out[index] = value
    return out


# id(fields) -> (fields, plan). Callers pass tuples they keep, so the plan is found by identity
# (hashing a tuple of fields would cost a Python __hash__ call per field on every row); the
# stored tuple keeps its id from being reused.
_Plan = tuple[tuple[int, Any, tuple[Callable[..., Any], ...]], ...]
_PLANS: dict[int, tuple[tuple[Field[Any, Any], ...], _Plan]] = {}


def _converter_plan(fields: tuple[Field[Any, Any], ...]) -> _Plan:
    """(position, column, converters) of the fields that have converters."""
    known = _PLANS.get(id(fields))
    if known is not None and known[0] is fields:
        return known[1]
    plan = []
    for index, field in enumerate(fields):
        col = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if converters:
            plan.append((index, col, tuple(converters)))
    _PLANS[id(fields)] = (fields, tuple(plan))
    return _PLANS[id(fields)][1]


def connections_release() -> None:
    """Close this thread's database connections unless a transaction is open in them: a call
    about to block on something else (a Redis BLPOP, a sleep) must not hold a connection
    meanwhile. The next query opens a fresh one."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()
