"""Database helpers shared by the domains."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def hot_cursor() -> Iterator:
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
    cached = getattr(db, "_hot_cursor", None)
    if cached is None or cached[0] is not pg or cached[1].closed:
        from django.db.backends.postgresql import base

        with db.wrap_database_errors:
            raw = base.ServerBindingCursor(pg)
            # As Django's own cursors: load timestamps in the connection's zone if it changed.
            loader = pg.adapters.get_loader(base.TIMESTAMPTZ_OID, base.Format.TEXT)
            if db.timezone != loader.timezone:
                base.register_tzloader(db.timezone, raw)
        cached = db._hot_cursor = (pg, raw)
    yield db.make_debug_cursor(cached[1]) if db.queries_logged else db.make_cursor(cached[1])
