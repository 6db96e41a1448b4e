"""Users: creation (username rules), sign-up (throttled per address), deletion, password login
under the lockout (services/lockout.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from core.audit import audit_record
from core.context import current_actor
from core.errors import Conflict, InvalidArgument, NotFound, ResourceExhausted, Unauthenticated
from core.models import AuditEvent
from core.security import security_config

from ..models import Role, Token, User
from ..usernames import username_clean, username_lookalike_taken, username_normalize
from .lockout import (
    login_attempt_release,
    login_attempt_reserve,
    login_refusal_forget,
    login_refused_by,
    signup_reserve,
)
from .tokens import tokens_forget


def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    role: str = Role.USER,
    actor: Any = None,
) -> User:
    """Create a user after the username rules (services/usernames.py: NFKC, no invisible or
    direction characters, no mixed scripts, no look-alike of an existing name) and the password
    policy; 422 for a refused or taken name or a weak password."""
    if role not in Role.values:
        raise InvalidArgument(f"role must be one of {', '.join(Role.values)}.", field="role")
    username = username_clean(username)
    if User.objects.filter(username__iexact=username).exists() or username_lookalike_taken(
        username
    ):
        raise InvalidArgument(
            "A user with that username already exists.", field="username", code="unique"
        )
    candidate = User(username=username, email=email, role=role)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise InvalidArgument(
            errors=[
                {"loc": ["body", "password"], "msg": msg, "type": "password_policy"}
                for msg in exc.messages
            ]
        ) from None
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
            audit_record(
                action="user.create",
                target_type="user",
                target=username,
                actor=actor,
                data={"role": role, "email_set": bool(email)},
            )
    except IntegrityError:
        raise InvalidArgument(
            "A user with that username already exists.", field="username", code="unique"
        ) from None
    return candidate


def user_delete(*, username: str, actor: Any = None) -> None:
    """Delete a user and, with them, every token of theirs (at once in every process).

    Raises NotFound for an unknown user and Conflict when records that must be kept (shop
    orders, ledger entries) belong to the user: then nothing changes, and the user can be
    deactivated instead, which also refuses all of their tokens.
    """
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    digests = list(Token.objects.filter(user=user).values_list("token_hash", flat=True))
    try:
        with transaction.atomic():
            audit_record(
                action="user.delete",
                target_type="user",
                target=username,
                actor=actor,
                data={"role": user.role, "tokens": len(digests)},
            )
            user.delete()
            # Inside the transaction: a Redis that cannot take the tombstones refuses the
            # deletion (503) rather than keep the tokens' cached state alive.
            tokens_forget(digests)
    except ProtectedError:
        raise Conflict(
            f"User {username!r} has orders or ledger entries that must be kept; deactivate the "
            "user instead (is_active = false)."
        ) from None


# --- login ------------------------------------------------------------------------------------


def login_attempt_checked(*, username: str, ip: str, check: Callable[[], Any]) -> Any:
    """Run one password check (`check()` → user or None) under the lockout
    (services/lockout.py): "locked" when a limit refuses the attempt (the check is not run),
    else the user or None. The attempt is reserved before the check, so parallel guesses check
    at most the threshold. All outcomes audited."""
    refused = login_attempt_reserve(username=username, ip=ip)
    if refused:
        audit_record(
            action="login.locked_out",
            target_type="user",
            target=username[:150],
            ip=ip,
            outcome=AuditEvent.Outcome.DENIED,
            data={"by": refused},
        )
        return "locked"
    user = check()
    if user is None:
        audit_record(
            action="login.failure",
            target_type="user",
            target=username[:150],
            ip=ip,
            outcome=AuditEvent.Outcome.DENIED,
        )
        return None
    login_attempt_release(username=username, ip=ip)
    audit_record(
        action="login.success", target_type="user", target=user.username, actor=user, ip=ip
    )
    return user


def password_login(*, username: str, password: str) -> User:
    """Check a username (NFKC-normalised) and password. 429 while the lockout refuses this
    account from the caller's address (the actor context's), the account everywhere or the
    address; 401 on bad credentials. Every path ends in the authentication backend
    (`secrets_app.backends.LockoutModelBackend`), which reserves and audits the attempt."""
    login_refusal_forget()
    user = authenticate(request=None, username=username_normalize(username), password=password)
    if user is not None:
        return user
    if login_refused_by():
        window = security_config().lockout_window
        raise ResourceExhausted(f"Too many failed logins; try again in up to {window} seconds.")
    raise Unauthenticated("Invalid username or password.")


def user_signup(*, username: str, password: str, email: str = "") -> User:
    """Self-service sign-up (view statistics' `POST /users`): a `user`, counted per address
    (the actor context's) before anything is validated or hashed; 429 past the allowance."""
    if not signup_reserve(ip=current_actor().ip):
        raise ResourceExhausted("Too many sign-ups from your address; try again later.")
    return user_create(username=username, password=password, email=email, role=Role.USER)
