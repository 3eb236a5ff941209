"""Blocking I/O for ``Resolver``: httpcore for HTTP, dnspython for DNS.

httpcore applies one timeout to each socket operation, so a server that trickles bytes
could stretch a request far past its timeout. Every read, write and connect here is cut to
the time left before the request's deadline instead.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from contextvars import ContextVar

import dns.exception
import dns.resolver
import httpcore

from skykit.identity._config import ResolverConfig
from skykit.identity._io_common import (
    HTTP_ERRORS,
    MAX_CONNECTIONS,
    BodyReader,
    dns_answer,
    dns_failure,
    dns_resolve_args,
    http_failure,
    new_dns_resolver,
    request_extensions,
    request_headers,
)
from skykit.identity._ops import DnsAnswer, DnsQuery, Failure, HttpGet, HttpResponse

_deadline: ContextVar[float | None] = ContextVar("skykit_identity_deadline", default=None)


class SyncHttp:
    def __init__(self, config: ResolverConfig) -> None:
        self._user_agent = config.user_agent
        self._pool = httpcore.ConnectionPool(
            ssl_context=config.ssl_context,
            max_connections=MAX_CONNECTIONS,
            retries=0,
            network_backend=_DeadlineBackend(),
        )

    def get(self, op: HttpGet) -> HttpResponse | Failure:
        started = time.monotonic()
        token = _deadline.set(started + op.timeout)
        try:
            with self._pool.stream(
                "GET",
                op.url,
                headers=request_headers(op, self._user_agent),
                extensions=request_extensions(op),
            ) as response:
                reader = BodyReader(op, response, started)
                failure = reader.declared_too_large()
                if failure is not None:
                    return failure
                for chunk in response.iter_stream():
                    failure = reader.add(chunk)
                    if failure is not None:
                        return failure
                return reader.response()
        except (httpcore.TimeoutException, *HTTP_ERRORS) as exc:
            return http_failure(exc, started)
        finally:
            _deadline.reset(token)

    def close(self) -> None:
        self._pool.close()


class SyncDns:
    def __init__(self, config: ResolverConfig) -> None:
        self._config = config
        self._resolver: dns.resolver.Resolver | None = None

    def query(self, op: DnsQuery) -> DnsAnswer | Failure:
        started = time.monotonic()
        try:
            if self._resolver is None:
                self._resolver = new_dns_resolver(dns.resolver.Resolver, self._config)
            answer = self._resolver.resolve(**dns_resolve_args(op))
        except dns.exception.DNSException as exc:
            return dns_failure(exc, started)
        except OSError as exc:
            return Failure("network", str(exc)[:300], time.monotonic() - started)
        return dns_answer(answer, op, started)


def _clamp(timeout: float | None, expired: type[httpcore.TimeoutException]) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise expired("the request's deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        clamped = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, clamped))

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        clamped = _clamp(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, clamped, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.UnsupportedProtocol("identity lookups use TCP only")

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, 1.0))
