"""Sessions in the database, cached in Redis, that survive a Redis outage.

Django's `cached_db` store already reads the database when the cache fails, but then fails
the request while putting the row back in the cache. Here: a read falls back to the database
and skips the cache while Redis is down; a deletion (sign-out) drops the cached copy first, so
a sign-out Redis cannot record is refused (503) instead of leaving a session that Redis would
serve again once it is back.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

from core.redis import OUTAGE_ERRORS, redis_fallback


class SessionStore(CachedDBStore):
    def _store(self) -> Any:
        return self  # Django's private cache and row helpers are not in its type stubs

    def load(self) -> dict[str, Any]:
        store = self._store()
        try:
            data = store._cache.get(self.cache_key)
        except OUTAGE_ERRORS as exc:
            redis_fallback("sessions", exc)
            return self._load_from_db(cache=False)
        except Exception:  # an invalid key, as Django's own store treats it
            data = None
        if data is None:
            return self._load_from_db(cache=True)
        return dict(data)

    def _load_from_db(self, *, cache: bool) -> dict[str, Any]:
        store = self._store()
        row = store._get_session_from_db()
        if not row:
            return {}
        data: dict[str, Any] = self.decode(row.session_data)
        if cache:
            try:
                store._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
            except OUTAGE_ERRORS as exc:
                redis_fallback("sessions", exc)
        return data

    def exists(self, session_key: str) -> bool:
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._store()._cache:
                return True
        except OUTAGE_ERRORS as exc:
            redis_fallback("sessions", exc)
        return DBStore.exists(self, session_key)

    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)
        store = self._store()
        try:
            store._cache.set(self.cache_key, store._session, self.get_expiry_age())
        except OUTAGE_ERRORS as exc:
            # The row is saved. Sign-in and sign-out change the session key, which deletes
            # the old one (refused while Redis is down, below), so a copy Redis kept holds no
            # authentication this save changed.
            redis_fallback("sessions", exc)

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        # Raises while Redis is down: the sign-out is refused, the session stays as it was.
        self._store()._cache.delete(self.cache_key_prefix + session_key)
        DBStore.delete(self, session_key)
