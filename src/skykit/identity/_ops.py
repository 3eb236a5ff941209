"""The boundary between resolution logic and I/O.

Resolution is written once, as generators ("plans") that yield the I/O they need (a DNS
query, an HTTP GET, a background refresh) and receive its outcome. ``Resolver`` and
``AsyncResolver`` only execute those operations, so sync and async share every rule.
Outcomes are values, not exceptions: the plan decides what a failure means.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

T = TypeVar("T")

MAX_PLAN_STEPS: Final = 200
"""More I/O operations than any resolution needs (redirects and address fallbacks
included); a driver stops a plan that goes beyond it."""


@dataclass(frozen=True, slots=True)
class DnsQuery:
    """Look up ``rdtype`` records of ``name`` (absolute, without the trailing dot)."""

    name: str
    rdtype: Literal["TXT", "A", "AAAA"]
    timeout: float


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    """TXT records as text (character-strings joined), or addresses as text.
    ``exists`` is False for NXDOMAIN."""

    records: tuple[str, ...]
    exists: bool
    elapsed: float = 0.0


@dataclass(frozen=True, slots=True)
class HttpGet:
    """One GET without following redirects. ``url`` names the address to connect to (an IP
    literal once the plan has vetted it); ``host_header`` and ``sni_hostname`` name the
    server. The body is read up to ``max_bytes``; the whole exchange must end within
    ``timeout`` seconds."""

    url: str
    host_header: str
    sni_hostname: str | None
    timeout: float
    max_bytes: int
    accept: str


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed: float = 0.0

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive)."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Failure:
    """A DNS or HTTP operation that produced no answer."""

    kind: Literal["timeout", "network", "too_large"]
    detail: str
    elapsed: float = 0.0


@dataclass(frozen=True, slots=True)
class Refresh:
    """Run ``plan`` in the background if the driver can; the outcome says whether it did."""

    plan: Generator[Any, Any, Any]


Op = DnsQuery | HttpGet | Refresh
Outcome = DnsAnswer | HttpResponse | Failure | bool | None
Plan = Generator[Op, Outcome, T]


def dns(query: DnsQuery) -> Plan[DnsAnswer | Failure]:
    outcome = yield query
    if isinstance(outcome, DnsAnswer | Failure):
        return outcome
    raise TypeError(f"driver answered a DNS query with {type(outcome).__name__}")


def http(request: HttpGet) -> Plan[HttpResponse | Failure]:
    outcome = yield request
    if isinstance(outcome, HttpResponse | Failure):
        return outcome
    raise TypeError(f"driver answered an HTTP request with {type(outcome).__name__}")


def refresh(plan: Generator[Any, Any, Any]) -> Plan[bool]:
    outcome = yield Refresh(plan)
    return outcome is True
