"""Database helpers shared by the domains."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def hot_cursor() -> Iterator:
    """A cursor for the few hand-written queries on the hottest paths (a secret read, an audit
    append): on PostgreSQL it binds parameters on the server, so psycopg prepares a statement
    the connection has run a few times (DB_PREPARED_STATEMENTS) and PostgreSQL skips parsing
    and planning it again (about 0.1 ms of server time each). Django wraps it like any cursor:
    errors are translated and CaptureQueriesContext counts its queries.

    Use one statement per execute (no statement lists) with parameters typed by their values.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    from django.db.backends.postgresql import base

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = base.ServerBindingCursor(connection.connection)
        # As Django's own cursors: load timestamps in the connection's zone if it was changed.
        loader = connection.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, base.Format.TEXT)
        if connection.timezone != loader.timezone:
            base.register_tzloader(connection.timezone, raw)
    cursor = (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )
    connection.validate_thread_sharing()
    with cursor:
        yield cursor
