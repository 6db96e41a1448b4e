"""Addresses and networks."""

from __future__ import annotations

import ipaddress


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
