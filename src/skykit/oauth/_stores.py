"""Where an OAuth client keeps what must outlive one request: pending authorizations (by
``state``, between the redirect and the callback) and sessions (by DID, with their DPoP
key). Values are JSON-ready dicts that hold secrets: store them like passwords.

Stores are small synchronous key-value interfaces, so any database fits behind them; the
memory stores are the defaults, the SQLite stores persist across restarts and processes.
Calls are quick local operations, made from sync and async code alike.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from skykit.oauth._errors import OAuthError


class StoreError(OAuthError):
    """A store could not read or write (its database is unusable or the data is not ours)."""


@runtime_checkable
class StateStore(Protocol):
    """Pending authorizations, each read at most once."""

    def save(self, state: str, value: dict[str, Any]) -> None: ...

    def pop(self, state: str) -> dict[str, Any] | None:
        """The value saved under ``state``, removed in the same step (None if absent)."""
        ...


@runtime_checkable
class SessionStore(Protocol):
    """Sessions by account DID."""

    def get(self, did: str) -> dict[str, Any] | None: ...

    def save(self, did: str, value: dict[str, Any]) -> None: ...

    def delete(self, did: str) -> None: ...


class MemoryStateStore:
    """Pending authorizations in memory, forgotten after ``ttl`` seconds and bounded to
    ``max_entries`` (oldest dropped first)."""

    def __init__(self, ttl: float = 3600.0, max_entries: int = 10_000) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    def save(self, state: str, value: dict[str, Any]) -> None:
        now = time.monotonic()
        with self._lock:
            self._items[state] = (now, json.loads(json.dumps(value)))
            self._items.move_to_end(state)
            while self._items:
                oldest, (saved, _) = next(iter(self._items.items()))
                if len(self._items) <= self._max and now - saved <= self._ttl:
                    break
                del self._items[oldest]

    def pop(self, state: str) -> dict[str, Any] | None:
        with self._lock:
            item = self._items.pop(state, None)
        if item is None or time.monotonic() - item[0] > self._ttl:
            return None
        return item[1]

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<MemoryStateStore with {len(self._items)} pending>"


class MemorySessionStore:
    """Sessions in memory (lost when the process ends)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, str] = {}

    def get(self, did: str) -> dict[str, Any] | None:
        with self._lock:
            text = self._items.get(did)
        return json.loads(text) if text is not None else None

    def save(self, did: str, value: dict[str, Any]) -> None:
        text = json.dumps(value)
        with self._lock:
            self._items[did] = text

    def delete(self, did: str) -> None:
        with self._lock:
            self._items.pop(did, None)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<MemorySessionStore with {len(self._items)} session(s)>"


class _SQLite:
    """One table of a SQLite file created readable by its owner only."""

    _TABLE = ""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.exists():
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        with self._connect() as db:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {self._TABLE} "
                "(key TEXT PRIMARY KEY, value TEXT NOT NULL, saved REAL NOT NULL)"
            )

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {self.path}: {exc}") from None
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise StoreError(f"{self.path}: {exc}") from None
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    @staticmethod
    def _load(text: str) -> dict[str, Any]:
        try:
            value = json.loads(text)
        except ValueError:
            raise StoreError("a stored value is not JSON") from None
        if not isinstance(value, dict):
            raise StoreError("a stored value is not a JSON object")
        return value

    def _save(self, key: str, value: dict[str, Any]) -> None:
        with self._connect() as db:
            db.execute(
                f"INSERT OR REPLACE INTO {self._TABLE} (key, value, saved) VALUES (?, ?, ?)",
                (key, json.dumps(value), time.time()),
            )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self.path)!r}>"


class SQLiteStateStore(_SQLite):
    """Pending authorizations in a SQLite file; entries older than ``ttl`` seconds are
    dropped as new ones arrive."""

    _TABLE = "skykit_oauth_states"

    def __init__(self, path: str | os.PathLike[str], ttl: float = 3600.0) -> None:
        self._ttl = ttl
        super().__init__(path)

    def save(self, state: str, value: dict[str, Any]) -> None:
        self._save(state, value)
        with self._connect() as db:
            db.execute(f"DELETE FROM {self._TABLE} WHERE saved < ?", (time.time() - self._ttl,))

    def pop(self, state: str) -> dict[str, Any] | None:
        with self._connect() as db:
            row = db.execute(
                f"SELECT value, saved FROM {self._TABLE} WHERE key = ?", (state,)
            ).fetchone()
            db.execute(f"DELETE FROM {self._TABLE} WHERE key = ?", (state,))
        if row is None or time.time() - row[1] > self._ttl:
            return None
        return self._load(row[0])


class SQLiteSessionStore(_SQLite):
    """Sessions in a SQLite file: survives restarts, shared by processes on one machine."""

    _TABLE = "skykit_oauth_sessions"

    def get(self, did: str) -> dict[str, Any] | None:
        with self._connect() as db:
            row = db.execute(f"SELECT value FROM {self._TABLE} WHERE key = ?", (did,)).fetchone()
        return self._load(row[0]) if row is not None else None

    def save(self, did: str, value: dict[str, Any]) -> None:
        self._save(did, value)

    def delete(self, did: str) -> None:
        with self._connect() as db:
            db.execute(f"DELETE FROM {self._TABLE} WHERE key = ?", (did,))
