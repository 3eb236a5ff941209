"""A bounded, thread-safe answer cache with freshness, stale-while-revalidate and negative
entries. It decides only what an entry is worth; fetching and refreshing belong to the
resolution plans. Time comes from an injected monotonic clock."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from skykit.identity._errors import IdentityError

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class CacheHit(Generic[V]):
    """A usable entry: a value or a remembered "not found" error; ``fresh`` is False when
    the value is past its TTL but still inside the stale window."""

    value: V | None
    error: IdentityError | None
    fresh: bool


@dataclass(slots=True)
class _Entry(Generic[V]):
    value: V | None
    error: IdentityError | None
    stored_at: float


class AnswerCache(Generic[K, V]):
    """LRU-bounded to ``max_entries``; ``max_entries == 0`` stores nothing."""

    def __init__(
        self,
        *,
        ttl: float,
        stale_ttl: float,
        negative_ttl: float,
        max_entries: int,
        clock: Callable[[], float],
    ) -> None:
        self._ttl = ttl
        self._stale_ttl = stale_ttl
        self._negative_ttl = negative_ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._refreshing: set[K] = set()
        self._lock = threading.Lock()

    def get(self, key: K) -> CacheHit[V] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            age = self._clock() - entry.stored_at
            if entry.error is not None:
                usable, fresh = age < self._negative_ttl, True
            else:
                usable, fresh = age < self._ttl + self._stale_ttl, age < self._ttl
            if not usable:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return CacheHit(entry.value, entry.error, fresh)

    def put(self, key: K, value: V) -> None:
        self._store(key, _Entry(value, None, self._clock()))

    def put_error(self, key: K, error: IdentityError) -> None:
        """Remember a definitive negative answer (e.g. not found) for ``negative_ttl``."""
        if self._negative_ttl > 0:
            self._store(key, _Entry(None, error, self._clock()))

    def start_refresh(self, key: K) -> bool:
        """Claim the refresh of ``key``; False when one is already under way."""
        with self._lock:
            if key in self._refreshing:
                return False
            self._refreshing.add(key)
            return True

    def end_refresh(self, key: K) -> None:
        with self._lock:
            self._refreshing.discard(key)

    def discard(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _store(self, key: K, entry: _Entry[V]) -> None:
        if self._max_entries <= 0:
            return
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:  # at most one pass per insert
                self._entries.popitem(last=False)
