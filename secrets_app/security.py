"""The security configuration: a typed view over the `security.*` registry settings."""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass

from .registry import settings_get_many

FIELDS = (
    "require_https",
    "trusted_proxies",
    "allowed_cidrs",
    "token_default_ttl",
    "token_max_ttl",
    "default_bound_cidrs",
    "lockout_threshold",
    "lockout_ip_threshold",
    "lockout_window",
    "password_min_length",
    "refresh_token_ttl",
)


@dataclass(frozen=True)
class SecurityConfig:
    require_https: bool
    trusted_proxies: list
    allowed_cidrs: list
    token_default_ttl: int
    token_max_ttl: int
    default_bound_cidrs: list
    lockout_threshold: int
    lockout_ip_threshold: int
    lockout_window: int
    password_min_length: int
    refresh_token_ttl: int

    def as_dict(self) -> dict:
        return asdict(self)


def security_config() -> SecurityConfig:
    values = settings_get_many(f"security.{name}" for name in FIELDS)
    return SecurityConfig(**{name: values[f"security.{name}"] for name in FIELDS})


def ip_in_networks(ip: str, networks: list) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for network in networks:
        try:
            if address in ipaddress.ip_network(str(network), strict=False):
                return True
        except ValueError:
            continue
    return False
