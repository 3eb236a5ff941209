"""One HTTP fetch as a plan: resolve the host, vet its addresses, GET without following
redirects, then follow them here, by the rules: a bounded number of hops, never to another
scheme, every new host vetted again, all within one time budget."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult, urljoin, urlsplit

from skykit.identity._addresses import AddressPolicy, IPAddress, parse_ip
from skykit.identity._errors import (
    FetchError,
    ForbiddenAddressError,
    NetworkError,
    RedirectError,
    ResolutionTimeoutError,
    ResponseTooLargeError,
)
from skykit.identity._ops import DnsQuery, Failure, HttpGet, HttpResponse, Plan, dns, http

REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
MAX_ADDRESSES_TRIED: Final = 3
DEFAULT_PORTS: Final = {"http": 80, "https": 443}
LOOPBACK: Final = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))


@dataclass(frozen=True, slots=True)
class FetchSpec:
    """What to fetch and under which limits. ``context`` starts every error message (e.g.
    "resolving did:web:example.com"); ``host_header`` replaces the Host header for the
    first origin (the development ``handle_base_url`` mode). A ``None`` policy means the host
    is trusted: it is connected to by name, without vetting its addresses."""

    url: str
    context: str
    identifier: str
    policy: AddressPolicy | None
    timeout: float
    max_bytes: int
    max_redirects: int
    accept: str
    host_header: str | None = None


def fetch(spec: FetchSpec) -> Plan[HttpResponse]:
    """The first non-redirect response, or a ``FetchError`` subclass."""
    url = spec.url
    host_header = spec.host_header
    budget = spec.timeout
    for _hop in range(spec.max_redirects + 1):
        if budget <= 0:
            raise _fail(ResolutionTimeoutError, spec, url, f"timed out after {spec.timeout:g} s")
        parts = urlsplit(url)
        response, elapsed = yield from _get_once(spec, parts, host_header, budget)
        budget -= elapsed
        if response.status not in REDIRECT_STATUSES:
            return response
        location = response.header("location")
        if not location:
            raise _fail(RedirectError, spec, url, f"answered {response.status} without Location")
        target, target_parts = _redirect_target(url, location)
        if target_parts is None:
            raise _fail(RedirectError, spec, url, f"redirects to an invalid URL {location[:200]!r}")
        if target_parts.scheme != parts.scheme:
            raise _fail(RedirectError, spec, url, f"redirects to {target[:200]!r}, another scheme")
        if _origin(target_parts) != _origin(parts):
            host_header = None
        url = target
    raise _fail(RedirectError, spec, url, f"redirected more than {spec.max_redirects} times")


def _get_once(
    spec: FetchSpec, parts: SplitResult, host_header: str | None, budget: float
) -> Plan[tuple[HttpResponse, float]]:
    url = parts.geturl()
    try:
        host, port = parts.hostname, parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        host, port = None, None
    if parts.scheme not in DEFAULT_PORTS or not host or port is None:
        raise _fail(NetworkError, spec, url, "is not an http(s) URL with a host")
    header = host_header or _host_header(host, port, parts.scheme)
    if spec.policy is None:
        request = _request(spec, url, header, None, budget)
        outcome = yield from http(request)
        return _response(spec, url, outcome), outcome.elapsed
    addresses, elapsed = yield from _addresses(spec, host, url, budget)
    allowed = [a for a in addresses if spec.policy.problem(a) is None]
    if not allowed:
        problem = spec.policy.problem(addresses[0])
        raise _fail(
            ForbiddenAddressError,
            spec,
            url,
            f"is refused: {host} resolves to {addresses[0]}, {problem} "
            "(see allow_loopback / allow_private)",
        )
    sni = host if parts.scheme == "https" and parse_ip(host) is None else None
    last: Failure | None = None
    for address in allowed[:MAX_ADDRESSES_TRIED]:
        remaining = budget - elapsed
        if remaining <= 0:
            break
        request = _request(spec, _with_address(parts, address, port), header, sni, remaining)
        outcome = yield from http(request)
        elapsed += outcome.elapsed
        if isinstance(outcome, HttpResponse) or outcome.kind != "network":
            return _response(spec, url, outcome), elapsed
        last = outcome
    if last is None:
        raise _fail(ResolutionTimeoutError, spec, url, f"timed out after {spec.timeout:g} s")
    raise _error_for(last, spec, url)


def _addresses(
    spec: FetchSpec, host: str, url: str, budget: float
) -> Plan[tuple[list[IPAddress], float]]:
    literal = parse_ip(host)
    if literal is not None:
        return [literal], 0.0
    if host == "localhost":
        return list(LOOPBACK), 0.0
    elapsed = 0.0
    for rdtype in ("A", "AAAA"):
        remaining = budget - elapsed
        if remaining <= 0:
            raise _fail(ResolutionTimeoutError, spec, url, f"timed out after {spec.timeout:g} s")
        outcome = yield from dns(DnsQuery(host, rdtype, remaining))
        elapsed += outcome.elapsed
        if isinstance(outcome, Failure):
            raise _error_for(outcome, spec, url, f"looking up {host}")
        found = [ip for record in outcome.records if (ip := parse_ip(record)) is not None]
        if found:
            return found, elapsed
        if not outcome.exists:
            break  # NXDOMAIN: no other record type will exist either
    raise _fail(NetworkError, spec, url, f"failed: {host} has no A or AAAA record")


def _request(
    spec: FetchSpec, url: str, host_header: str, sni: str | None, timeout: float
) -> HttpGet:
    return HttpGet(url, host_header, sni, max(timeout, 0.001), spec.max_bytes, spec.accept)


def _response(spec: FetchSpec, url: str, outcome: HttpResponse | Failure) -> HttpResponse:
    if isinstance(outcome, Failure):
        raise _error_for(outcome, spec, url)
    return outcome


def _error_for(failure: Failure, spec: FetchSpec, url: str, doing: str = "") -> FetchError:
    action = f"{doing} for GET {url}" if doing else f"GET {url}"
    message = f"{spec.context}: {action}"
    if failure.kind == "timeout":
        return ResolutionTimeoutError(
            f"{message} timed out after {spec.timeout:g} s", spec.identifier, url
        )
    if failure.kind == "too_large":
        return ResponseTooLargeError(
            f"{message}: response larger than {spec.max_bytes} bytes", spec.identifier, url
        )
    return NetworkError(f"{message} failed: {failure.detail}", spec.identifier, url)


def _fail(kind: type[FetchError], spec: FetchSpec, url: str, problem: str) -> FetchError:
    return kind(f"{spec.context}: GET {url} {problem}", spec.identifier, url)


def _redirect_target(url: str, location: str) -> tuple[str, SplitResult | None]:
    """The absolute redirect target, or no parts when it is not a usable URL (non-ASCII,
    spaces or control characters, a malformed host or port)."""
    location = location.strip()
    if not location.isascii() or any(char <= " " or char == "\x7f" for char in location):
        return location, None
    try:
        target = urljoin(url, location)
        parts = urlsplit(target)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return location, None
    return target, parts


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if DEFAULT_PORTS[scheme] == port else f"{shown}:{port}"


def _with_address(parts: SplitResult, address: IPAddress, port: int) -> str:
    host = f"[{address}]" if address.version == 6 else str(address)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{host}:{port}{parts.path or '/'}{query}"


def _origin(parts: SplitResult) -> tuple[str, str | None, int | None]:
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        port = None
    return (parts.scheme, parts.hostname, port)
