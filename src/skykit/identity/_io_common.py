"""What the sync and async drivers share about their libraries (httpcore, dnspython): how a
request is spelled, how a body is capped, and how library errors become outcomes.

Imported only when a resolver first does I/O, so ``import skykit.identity`` stays cheap.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

import dns.exception
import dns.resolver
import httpcore

from skykit.identity._config import ResolverConfig
from skykit.identity._ops import DnsAnswer, DnsQuery, Failure, HttpGet, HttpResponse

HTTP_ERRORS = (
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ProxyError,
    OSError,
)
MAX_CONNECTIONS = 20


def request_headers(op: HttpGet, user_agent: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"Host", op.host_header.encode("ascii")),
        (b"Accept", op.accept.encode("ascii")),
        (b"Accept-Encoding", b"identity"),
        (b"User-Agent", user_agent.encode("ascii", "replace")),
    ]


def request_extensions(op: HttpGet) -> dict[str, Any]:
    timeouts = {"connect": op.timeout, "read": op.timeout, "write": op.timeout, "pool": op.timeout}
    extensions: dict[str, Any] = {"timeout": timeouts}
    if op.sni_hostname is not None:
        extensions["sni_hostname"] = op.sni_hostname
    return extensions


class BodyReader:
    """Collects a response body, stopping once it passes ``max_bytes`` or the deadline."""

    def __init__(self, op: HttpGet, response: httpcore.Response, started: float) -> None:
        self._op = op
        self._started = started
        self._deadline = started + op.timeout
        self.status = response.status
        self.headers = tuple(
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers
        )
        self._body = bytearray()

    def declared_too_large(self) -> Failure | None:
        declared = next((v.strip() for k, v in self.headers if k.lower() == "content-length"), "")
        if declared.isdigit() and (len(declared) > 18 or int(declared) > self._op.max_bytes):
            return self.failure("too_large", f"Content-Length {declared[:20]}")
        return None

    def add(self, chunk: bytes) -> Failure | None:
        self._body += chunk
        if len(self._body) > self._op.max_bytes:
            return self.failure("too_large", f"more than {self._op.max_bytes} bytes")
        if time.monotonic() > self._deadline:
            return self.failure("timeout", "the body arrived too slowly")
        return None

    def response(self) -> HttpResponse:
        return HttpResponse(self.status, self.headers, bytes(self._body), self.elapsed())

    def failure(self, kind: Any, detail: str) -> Failure:
        return Failure(kind, detail, self.elapsed())

    def elapsed(self) -> float:
        return time.monotonic() - self._started


def http_failure(exc: BaseException, started: float) -> Failure:
    elapsed = time.monotonic() - started
    if isinstance(exc, httpcore.TimeoutException):
        return Failure("timeout", type(exc).__name__, elapsed)
    return Failure("network", _describe(exc)[:300], elapsed)


def _describe(exc: BaseException) -> str:
    """The first non-empty message along the exception's causes (trio's TLS errors arrive
    wrapped in an empty ``ConnectError``)."""
    current: BaseException | None = exc
    for _ in range(4):
        if current is None:
            break
        if str(current):
            return str(current)
        current = current.__cause__ or current.__context__
    return type(exc).__name__


R = TypeVar("R", bound=dns.resolver.BaseResolver)


def new_dns_resolver(kind: type[R], config: ResolverConfig) -> R:
    """A dnspython resolver (sync or async class) asking the configured nameservers, or the
    system's (``/etc/resolv.conf``) when none are configured."""
    resolver = kind(configure=config.dns_nameservers is None)
    if config.dns_nameservers is not None:
        resolver.nameservers = list(config.dns_nameservers)
    resolver.port = config.dns_port
    resolver.cache = None
    resolver.retry_servfail = False
    resolver.timeout = config.timeout
    return resolver


def dns_resolve_args(op: DnsQuery) -> dict[str, Any]:
    return {
        "qname": op.name + ".",
        "rdtype": op.rdtype,
        "lifetime": op.timeout,
        "raise_on_no_answer": False,
        "search": False,
    }


def dns_answer(answer: Any, op: DnsQuery, started: float) -> DnsAnswer:
    records: list[str] = []
    if answer.rrset is not None:
        for rdata in list(answer.rrset)[:64]:
            if op.rdtype == "TXT":
                records.append(b"".join(rdata.strings).decode("utf-8", "replace"))
            else:
                records.append(str(rdata.address))
    return DnsAnswer(tuple(records), True, time.monotonic() - started)


def dns_failure(exc: Exception, started: float) -> DnsAnswer | Failure:
    elapsed = time.monotonic() - started
    if isinstance(exc, dns.resolver.NXDOMAIN):
        return DnsAnswer((), False, elapsed)
    if isinstance(exc, dns.resolver.NoAnswer):
        return DnsAnswer((), True, elapsed)
    if isinstance(exc, dns.exception.Timeout):
        return Failure("timeout", "no answer in time", elapsed)
    if isinstance(exc, dns.resolver.NoNameservers):
        return Failure("network", "no nameserver answered (SERVFAIL or refused)", elapsed)
    return Failure("network", (str(exc) or type(exc).__name__)[:300], elapsed)
