"""Users: creation, deletion, password login with lockout per user and per IP."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from core.audit import audit_record
from core.context import current_actor
from core.errors import Conflict, InvalidArgument, NotFound, ResourceExhausted, Unauthenticated
from core.models import AuditEvent
from core.security import security_config

from ..models import Role, Token, User
from .tokens import tokens_forget


def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    role: str = Role.USER,
    actor: Any = None,
) -> User:
    """Create a user after the password policy; 422 for a taken name or a weak password."""
    if role not in Role.values:
        raise InvalidArgument(f"role must be one of {', '.join(Role.values)}.", field="role")
    if User.objects.filter(username__iexact=username).exists():
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
    except ProtectedError:
        raise Conflict(
            f"User {username!r} has orders or ledger entries that must be kept; deactivate the "
            "user instead (is_active = false)."
        ) from None
    tokens_forget(digests)


# --- login lockout ---------------------------------------------------------------------------


def _key_user(username: str) -> str:
    return f"lockout:user:{username.strip().lower()}"


def _key_ip(ip: str) -> str:
    return f"lockout:ip:{ip}"


def _bump(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def lockout_state(*, username: str = "", ip: str = "") -> dict:
    config = security_config()
    counts = cache.get_many([_key_user(username), _key_ip(ip)])
    user_failures = counts.get(_key_user(username), 0) if username else 0
    ip_failures = counts.get(_key_ip(ip), 0) if ip else 0
    return {
        "user_failures": user_failures,
        "ip_failures": ip_failures,
        "user_locked": user_failures >= config.lockout_threshold,
        "ip_locked": ip_failures >= config.lockout_ip_threshold,
        "window": config.lockout_window,
    }


def lockout_clear(*, username: str = "", ip: str = "") -> None:
    keys = ([_key_user(username)] if username else []) + ([_key_ip(ip)] if ip else [])
    cache.delete_many(keys)


def login_attempt_checked(*, username: str, ip: str, check) -> Any:
    """Run one password check (`check()` → user or None) under the lockout: "locked" when the
    user or the address is locked out (check not run), else the user or None. Failures are
    counted per user and per IP; a success clears the user's count. All outcomes audited."""
    state = lockout_state(username=username, ip=ip)
    if state["user_locked"] or state["ip_locked"]:
        audit_record(
            action="login.locked_out",
            target_type="user",
            target=username,
            ip=ip,
            outcome=AuditEvent.Outcome.DENIED,
            data={"by": "user" if state["user_locked"] else "ip"},
        )
        return "locked"
    user = check()
    if user is None:
        _bump(_key_user(username), state["window"])
        if ip:
            _bump(_key_ip(ip), state["window"])
        audit_record(
            action="login.failure",
            target_type="user",
            target=username,
            ip=ip,
            outcome=AuditEvent.Outcome.DENIED,
        )
        return None
    lockout_clear(username=username)
    audit_record(
        action="login.success", target_type="user", target=user.username, actor=user, ip=ip
    )
    return user


def password_login(*, username: str, password: str) -> User:
    """Check a username and password. Refused with 429 while the user or the caller's address
    (the actor context's) is locked out, 401 on bad credentials (counted per user and per
    address, both audited by the authentication backend,
    `secrets_app.backends.LockoutModelBackend`)."""
    ip = current_actor().ip
    state = lockout_state(username=username, ip=ip)
    if state["user_locked"] or state["ip_locked"]:
        login_attempt_checked(username=username, ip=ip, check=lambda: None)  # audits the refusal
        raise ResourceExhausted(
            f"Too many failed logins; try again in up to {state['window']} seconds."
        )
    user = authenticate(request=None, username=username, password=password)
    if user is None:
        raise Unauthenticated("Invalid username or password.")
    return user
