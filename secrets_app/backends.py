"""Username/password authentication under the login lockout, for every login path.

The API's password grant, the admin login and the pages' login all end in Django's
`authenticate()`; doing the lockout here (instead of in one view) means no path escapes it.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from core.context import current_actor

from .services.users import login_attempt_checked
from .usernames import username_normalize


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get("username")
        if username is None or password is None:
            return None
        username = username_normalize(username)  # as the names were stored (NFKC)
        ip = current_actor().ip  # settled once by the entry point
        outcome = login_attempt_checked(
            username=username,
            ip=ip,
            check=lambda: super(LockoutModelBackend, self).authenticate(
                request, username=username, password=password, **kwargs
            ),
        )
        if outcome == "locked":
            raise PermissionDenied  # stops authenticate() from trying the other backends
        return outcome
