"""Non-blocking I/O for ``AsyncResolver`` on anyio (asyncio or trio): httpcore's async pool
for HTTP, dnspython's async resolver for DNS. Deadlines are anyio cancel scopes, which
cover every await inside them."""

from __future__ import annotations

import asyncio
import time

import anyio
import dns.asyncbackend
import dns.asyncresolver
import dns.exception
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

# dnspython's answers arrive within its own lifetime; the scope is a backstop.
_DNS_GRACE = 0.5


class AsyncHttp:
    def __init__(self, config: ResolverConfig) -> None:
        self._user_agent = config.user_agent
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=config.ssl_context, max_connections=MAX_CONNECTIONS, retries=0
        )

    async def get(self, op: HttpGet) -> HttpResponse | Failure:
        started = time.monotonic()
        with anyio.move_on_after(op.timeout):
            try:
                return await self._get(op, started)
            except (httpcore.TimeoutException, *HTTP_ERRORS) as exc:
                return http_failure(exc, started)
        return Failure("timeout", "deadline passed", time.monotonic() - started)

    async def _get(self, op: HttpGet, started: float) -> HttpResponse | Failure:
        async with self._pool.stream(
            "GET",
            op.url,
            headers=request_headers(op, self._user_agent),
            extensions=request_extensions(op),
        ) as response:
            reader = BodyReader(op, response, started)
            failure = reader.declared_too_large()
            if failure is not None:
                return failure
            async for chunk in response.aiter_stream():
                failure = reader.add(chunk)
                if failure is not None:
                    return failure
            return reader.response()

    async def aclose(self) -> None:
        await self._pool.aclose()


class AsyncDns:
    def __init__(self, config: ResolverConfig) -> None:
        self._config = config
        self._resolver: dns.asyncresolver.Resolver | None = None

    async def query(self, op: DnsQuery) -> DnsAnswer | Failure:
        started = time.monotonic()
        with anyio.move_on_after(op.timeout + _DNS_GRACE):
            try:
                if self._resolver is None:
                    self._resolver = new_dns_resolver(dns.asyncresolver.Resolver, self._config)
                backend = dns.asyncbackend.get_backend(_async_library())
                answer = await self._resolver.resolve(**dns_resolve_args(op), backend=backend)
            except dns.exception.DNSException as exc:
                return dns_failure(exc, started)
            except OSError as exc:
                return Failure("network", str(exc)[:300], time.monotonic() - started)
            return dns_answer(answer, op, started)
        return Failure("timeout", "no answer in time", time.monotonic() - started)


def _async_library() -> str:
    """dnspython needs its backend named: it caches the first one it detects process-wide,
    which would break a program that runs both asyncio and trio."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return "trio"
    return "asyncio"
