"""Which IP addresses an identity lookup may connect to.

Handles and did:web hosts are chosen by strangers. A server resolving them on someone's
behalf must not be steered into its own network (cloud metadata at 169.254.169.254, admin
ports on localhost, the office LAN). The check runs on the addresses actually connected to,
after DNS, so a name that resolves to a private address is refused too.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED_V4: Final = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """``allow_loopback`` admits 127.0.0.0/8 and ::1 (tests, local development);
    ``allow_private`` admits private, link-local, shared and other non-global ranges.
    Unspecified and multicast addresses are never allowed."""

    allow_loopback: bool = False
    allow_private: bool = False
    restricted: bool = True

    def problem(self, address: IPAddress) -> str | None:
        """Why ``address`` is refused, or ``None`` when it may be connected to."""
        if not self.restricted:
            return None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_unspecified or address.is_multicast:
            return "an unspecified or multicast address"
        if address.is_loopback:
            return None if self.allow_loopback else "a loopback address"
        if address.is_link_local:
            return None if self.allow_private else "a link-local address"
        if not address.is_global or (
            isinstance(address, ipaddress.IPv4Address) and address in _SHARED_V4
        ):
            return None if self.allow_private else "a private or reserved address"
        return None


UNRESTRICTED: Final = AddressPolicy(restricted=False)
"""For hosts the operator chose (the PLC directory): any address."""


def parse_ip(host: str) -> IPAddress | None:
    """The address when ``host`` is an IP literal (IPv6 with or without brackets)."""
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
