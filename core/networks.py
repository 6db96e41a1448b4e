"""Addresses and networks."""

from __future__ import annotations

import ipaddress
import re


def ip_in_networks(ip: str, networks: list[str]) -> bool:
    """`ip` lies in one of `networks` (addresses or CIDRs; malformed entries never match)."""
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


_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def is_host(host: str) -> bool:
    """`host` is an IP address or a DNS name a resolver accepts: labels of letters, digits and
    inner hyphens (1..63 characters each, 253 in all), or an internationalised name that IDNA
    encodes to such labels. Nothing else is ever handed to getaddrinfo."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_name = host.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_name.split(".")
    return 0 < len(ascii_name) <= 253 and all(_LABEL.match(label) for label in labels)
