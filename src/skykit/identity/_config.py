"""Every knob of a resolver in one frozen value, checked once, shared by sync and async."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from skykit import __version__
from skykit.identity._addresses import parse_ip
from skykit.identity._errors import IdentityError

if TYPE_CHECKING:
    import ssl

DEFAULT_PLC_URL: Final = "https://plc.directory"
MAX_REDIRECTS_LIMIT: Final = 20


class ResolverConfigError(IdentityError, ValueError):
    """A resolver option with an unusable value."""


@dataclass(frozen=True, slots=True)
class ResolverConfig:
    """Resolver settings. The defaults are safe for a server resolving identities on behalf
    of others; the ``allow_*`` and ``handle_base_url`` options exist for tests and local
    development and are off unless set.

    - ``plc_url``: the PLC directory (trusted: any address, http allowed).
    - ``timeout``: seconds allowed for each network lookup (one DNS query, or one HTTP
      fetch including its redirects). A resolution makes a few such lookups.
    - ``max_response_bytes``: largest body read (DID documents, audit logs); well-known
      handle answers are capped at 4 KiB regardless.
    - ``max_redirects``: redirect hops followed per fetch (never to another scheme).
    - ``dns_nameservers`` / ``dns_port``: nameserver IPs to ask, instead of the system's.
    - ``allow_loopback`` / ``allow_private``: let handle and did:web fetches reach loopback,
      or private/link-local/reserved, addresses (refused by default).
    - ``allow_localhost_did_web``: resolve ``did:web:localhost[%3A<port>]`` over http.
    - ``handle_base_url``: fetch every handle's ``/.well-known/atproto-did`` from this base
      URL (e.g. ``http://127.0.0.1:2583``), sending the handle as the Host header, instead
      of ``https://<handle>``. For a local PDS in tests; never set it in production.
    - ``cache_ttl``: seconds an answer is fresh. ``cache_stale_ttl``: further seconds it is
      served while being refreshed (stale-while-revalidate). ``negative_cache_ttl``: seconds
      a "not found" is remembered. ``cache_size``: entries kept (0 disables caching).
    - ``clock``: monotonic seconds for cache ages (inject a fake one in tests).
    - ``ssl_context``: TLS trust for https lookups (default: httpcore's, i.e. certifi's CA
      bundle); e.g. a private CA in a closed deployment or in tests.
    """

    plc_url: str = DEFAULT_PLC_URL
    timeout: float = 10.0
    max_response_bytes: int = 1 << 20
    max_redirects: int = 5
    dns_nameservers: tuple[str, ...] | None = None
    dns_port: int = 53
    allow_loopback: bool = False
    allow_private: bool = False
    allow_localhost_did_web: bool = False
    handle_base_url: str | None = None
    cache_ttl: float = 900.0
    cache_stale_ttl: float = 3600.0
    negative_cache_ttl: float = 60.0
    cache_size: int = 10_000
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    user_agent: str = f"skykit/{__version__} (+https://atproto.com)"
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        _check_base_url("plc_url", self.plc_url, allow_path=True)
        object.__setattr__(self, "plc_url", self.plc_url.removesuffix("/"))
        if self.handle_base_url is not None:
            _check_base_url("handle_base_url", self.handle_base_url)
            object.__setattr__(self, "handle_base_url", self.handle_base_url.removesuffix("/"))
        if not 0 < self.timeout <= 600:
            raise ResolverConfigError(f"timeout must be in (0, 600] seconds, got {self.timeout!r}")
        if not 1024 <= self.max_response_bytes <= 64 << 20:
            raise ResolverConfigError(
                f"max_response_bytes must be between 1 KiB and 64 MiB, got {self.max_response_bytes!r}"
            )
        if not 0 <= self.max_redirects <= MAX_REDIRECTS_LIMIT:
            raise ResolverConfigError(
                f"max_redirects must be 0..{MAX_REDIRECTS_LIMIT}, got {self.max_redirects!r}"
            )
        if self.dns_nameservers is not None:
            servers = tuple(self.dns_nameservers)
            bad = [s for s in servers if not isinstance(s, str) or parse_ip(s) is None]
            if bad or not servers:
                raise ResolverConfigError(
                    f"dns_nameservers must be a non-empty list of IP addresses, got {servers!r}"
                )
            object.__setattr__(self, "dns_nameservers", servers)
        if not 0 < self.dns_port < 65536:
            raise ResolverConfigError(f"dns_port must be 1..65535, got {self.dns_port!r}")
        for name in ("cache_ttl", "cache_stale_ttl", "negative_cache_ttl"):
            if getattr(self, name) < 0:
                raise ResolverConfigError(f"{name} must not be negative")
        if self.cache_size < 0:
            raise ResolverConfigError("cache_size must not be negative")


def _check_base_url(name: str, url: object, *, allow_path: bool = False) -> None:
    if not isinstance(url, str):
        raise ResolverConfigError(f"{name} must be a URL string, got {type(url).__name__}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise ResolverConfigError(f"{name} {url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ResolverConfigError(f"{name} must be an http(s) URL with a host, got {url!r}")
    path_ok = allow_path or parts.path in ("", "/")
    if not path_ok or parts.query or parts.fragment or parts.username:
        shape = "https://host[:port][/path]" if allow_path else "https://host[:port]"
        raise ResolverConfigError(f"{name} must look like {shape}, got {url!r}")
