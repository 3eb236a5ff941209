"""What ``Resolver`` and ``AsyncResolver`` share: construction, configuration and the cache
controls that need no I/O."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Final

from skykit.identity._config import ResolverConfig
from skykit.identity._core import IdentityCore

MAX_PENDING_REFRESHES: Final = 64
"""Background refreshes queued at once; past this a stale entry is refreshed inline
(backpressure rather than an unbounded queue)."""


class RefreshSlots:
    """Counts background refreshes in flight, for both drivers."""

    def __init__(self, limit: int = MAX_PENDING_REFRESHES) -> None:
        self._limit = limit
        self._taken = 0
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        with self._lock:
            if self._taken >= self._limit:
                return False
            self._taken += 1
            return True

    def release(self) -> None:
        with self._lock:
            self._taken = max(0, self._taken - 1)


class ResolverBase:
    """Holds the I/O-free core; subclasses only execute what its plans ask for."""

    def __init__(self, plc_url: str | None = None, *, config: ResolverConfig | None = None) -> None:
        """``plc_url`` overrides ``config.plc_url``; ``config`` holds every other setting
        (see :class:`ResolverConfig`). The defaults are the public PLC directory and
        production-safe limits."""
        config = config or ResolverConfig()
        if plc_url is not None:
            config = replace(config, plc_url=plc_url)
        self._core = IdentityCore(config)
        self._refresh_slots = RefreshSlots()

    @property
    def config(self) -> ResolverConfig:
        return self._core.config

    def purge(self, identifier: str) -> None:
        """Forget what is cached for a handle or DID, e.g. after a firehose ``#identity``
        event says it changed."""
        self._core.purge(identifier)

    def clear_cache(self) -> None:
        self._core.clear()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(plc_url={self.config.plc_url!r})"
