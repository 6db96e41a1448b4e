"""The security configuration: the `security.*` registry settings and a typed view over them.

They govern the HTTP layer (HTTPS, trusted proxies, allowed networks) and identity (token
lifetimes, login lockout, passwords); admins change them at run time (API and admin).
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings

from core.durations import DURATION_SCHEMA, POSITIVE_DURATION_PATTERN
from core.ints import INT64_MAX
from core.registry import definition, register, settings_get_many

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
# An IP address or network as _cidr_list accepts it, for the API schema: IPv4 exactly, IPv6 by
# its alphabet (ipaddress has the last word).
NETWORK_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": rf"^{_OCTET}(\.{_OCTET}){{3}}(/(3[0-2]|[12]?[0-9]))?$"},
        {
            "type": "string",
            "pattern": r"^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?$",
            "maxLength": 49,
        },
    ],
    "description": "an IP address or CIDR network (`10.0.0.0/8`, `2001:db8::/32`)",
}


def _cidr_list(value: Any) -> None:
    if not isinstance(value, list):
        raise ValueError("expected a list of IP addresses or CIDR networks")
    for item in value:
        try:
            ipaddress.ip_network(str(item), strict=False)
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or CIDR network") from None


register(
    "security.require_https",
    "bool",
    False,
    "Refuse plain-HTTP API calls (403) and redirect pages to HTTPS.",
)
register(
    "security.trusted_proxies",
    "json",
    lambda: list(settings.TRUSTED_PROXIES),
    "Networks whose X-Forwarded-For / X-Forwarded-Proto headers are believed.",
    validator=_cidr_list,
)
register(
    "security.allowed_cidrs",
    "json",
    list,
    "Networks allowed to call the API; empty = everywhere.",
    validator=_cidr_list,
)
register(
    "security.token_default_ttl",
    "duration",
    lambda: settings.TOKEN_DEFAULT_TTL,
    "TTL of a new token when the request names none.",
    min_value=1,
)
register(
    "security.token_max_ttl",
    "duration",
    lambda: settings.TOKEN_MAX_TTL,
    "Longest lifetime a token may have, renewals included.",
    min_value=1,
)
register(
    "security.default_bound_cidrs",
    "json",
    list,
    "Networks new tokens are bound to when the request names none.",
    validator=_cidr_list,
)
register(
    "security.lockout_threshold",
    "int",
    lambda: settings.LOCKOUT_THRESHOLD,
    "Failed logins of one user from one address within the window before that user is locked "
    "out for that address (other addresses are not affected).",
    min_value=1,
)
register(
    "security.lockout_account_threshold",
    "int",
    lambda: settings.LOCKOUT_THRESHOLD * 20,
    "Failed logins of one user from all addresses together within the window before the user "
    "is locked out everywhere (a ceiling much higher than the per-address threshold).",
    min_value=1,
)
register(
    "security.lockout_ip_threshold",
    "int",
    lambda: settings.LOCKOUT_THRESHOLD * 4,
    "Failed logins from one IP address within the window before the address is locked out.",
    min_value=1,
)
register(
    "security.lockout_window",
    "duration",
    lambda: settings.LOCKOUT_WINDOW,
    "Seconds over which failed logins are counted, and how long a lockout lasts.",
    min_value=1,
)
register(
    "security.signup_limit",
    "int",
    10,
    "Sign-ups (POST /users) allowed from one address within the sign-up window.",
    min_value=1,
)
register(
    "security.signup_window",
    "duration",
    3600,
    "Seconds over which sign-ups per address are counted.",
    min_value=1,
)
register(
    "security.password_min_length",
    "int",
    lambda: settings.PASSWORD_MIN_LENGTH,
    "Minimum length of a user's password.",
    min_value=8,
    max_value=128,
)
register(
    "security.refresh_token_ttl",
    "duration",
    lambda: settings.REFRESH_TOKEN_TTL,
    "Lifetime of a refresh token.",
    min_value=60,
)


FIELDS = (
    "require_https",
    "trusted_proxies",
    "allowed_cidrs",
    "token_default_ttl",
    "token_max_ttl",
    "default_bound_cidrs",
    "lockout_threshold",
    "lockout_account_threshold",
    "lockout_ip_threshold",
    "lockout_window",
    "password_min_length",
    "refresh_token_ttl",
    "signup_limit",
    "signup_window",
)


@dataclass(frozen=True)
class SecurityConfig:
    require_https: bool
    trusted_proxies: list[str]
    allowed_cidrs: list[str]
    token_default_ttl: int
    token_max_ttl: int
    default_bound_cidrs: list[str]
    lockout_threshold: int
    lockout_account_threshold: int
    lockout_ip_threshold: int
    lockout_window: int
    password_min_length: int
    refresh_token_ttl: int
    signup_limit: int
    signup_window: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def security_field_schema(name: str) -> dict[str, Any]:
    """The OpenAPI schema of the security field `name`, from its registry definition."""
    defn = definition(f"security.{name}")
    low = defn.min_value if defn.min_value is not None else 0
    if defn.validator is _cidr_list:
        return {"type": "array", "items": NETWORK_SCHEMA}
    if defn.type == "bool":
        return {"type": "boolean"}
    if defn.type == "int":
        high = defn.max_value if defn.max_value is not None else INT64_MAX
        return {"type": "integer", "minimum": low, "maximum": high}
    if defn.type == "duration":
        number, text = DURATION_SCHEMA["oneOf"]
        if low >= 1:
            text = {**text, "pattern": POSITIVE_DURATION_PATTERN}
        return {"oneOf": [{**number, "minimum": low}, text]}
    return {}


def security_config() -> SecurityConfig:
    values = settings_get_many(f"security.{name}" for name in FIELDS)
    return SecurityConfig(**{name: values[f"security.{name}"] for name in FIELDS})
