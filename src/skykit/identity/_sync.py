"""``Resolver``: the blocking driver of the identity plans."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from skykit.identity._base import ResolverBase
from skykit.identity._config import ResolverConfig
from skykit.identity._document import DidDocument
from skykit.identity._errors import IdentityError
from skykit.identity._identity import Identity
from skykit.identity._ops import MAX_PLAN_STEPS, DnsQuery, HttpGet, Op, Outcome, Plan
from skykit.syntax import DID

if TYPE_CHECKING:
    from skykit.identity._plc_log import PlcAuditLog
    from skykit.identity._sync_io import SyncDns, SyncHttp

T = TypeVar("T")

REFRESH_WORKERS = 2


class Resolver(ResolverBase):
    """Resolves handles and DIDs, blocking. Thread-safe; reuse one per application and
    ``close()`` it (or use ``with``) when done.

    Stale cache entries are refreshed on a small background thread pool, so callers get
    the cached answer at once (stale-while-revalidate).
    """

    def __init__(self, plc_url: str | None = None, *, config: ResolverConfig | None = None) -> None:
        super().__init__(plc_url, config=config)
        self._lock = threading.Lock()
        self._http: SyncHttp | None = None
        self._dns: SyncDns | None = None
        self._refresher: ThreadPoolExecutor | None = None
        self._closed = False

    def resolve_handle(self, handle: str) -> DID:
        """The DID a handle points to (DNS TXT, then HTTPS well-known). Not verified
        against the DID document: use :meth:`resolve` for that."""
        return self._run(self._core.resolve_handle(handle))

    def resolve_did(self, did: str) -> DidDocument:
        """The current DID document of a ``did:plc`` or ``did:web``."""
        return self._run(self._core.resolve_did(did))

    def resolve(self, identifier: str) -> Identity:
        """A handle or DID → the identity. From a DID, ``handle`` is ``None`` unless it
        verifies both ways; from a handle, a document that does not claim the handle back
        raises ``HandleMismatchError``."""
        return self._run(self._core.resolve(identifier))

    def resolve_plc_log(self, did: str) -> PlcAuditLog:
        """The audit log of a ``did:plc``, with every operation verified."""
        return self._run(self._core.resolve_plc_log(did))

    def close(self) -> None:
        """Close connections and stop background refreshes. Safe to call twice."""
        with self._lock:
            self._closed = True
            http, self._http = self._http, None
            refresher, self._refresher = self._refresher, None
        if refresher is not None:
            refresher.shutdown(wait=False, cancel_futures=True)
        if http is not None:
            http.close()

    def __enter__(self) -> Resolver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self, plan: Plan[T]) -> T:
        outcome: Outcome = None
        try:
            for _ in range(MAX_PLAN_STEPS):
                try:
                    op = plan.send(outcome)
                except StopIteration as stop:
                    result: T = stop.value
                    return result
                outcome = self._execute(op)
            raise IdentityError(f"resolution needed more than {MAX_PLAN_STEPS} network lookups")
        finally:
            plan.close()

    def _execute(self, op: Op) -> Outcome:
        if isinstance(op, DnsQuery):
            return self._io()[1].query(op)
        if isinstance(op, HttpGet):
            return self._io()[0].get(op)
        return self._start_refresh(op.plan)

    def _io(self) -> tuple[SyncHttp, SyncDns]:
        with self._lock:
            if self._closed:
                raise IdentityError("this Resolver is closed")
            if self._http is None or self._dns is None:
                from skykit.identity._sync_io import SyncDns, SyncHttp

                self._http = SyncHttp(self.config)
                self._dns = SyncDns(self.config)
            return self._http, self._dns

    def _start_refresh(self, plan: Plan[Any]) -> bool:
        with self._lock:
            if self._closed or not self._refresh_slots.acquire():
                return False
            if self._refresher is None:
                self._refresher = ThreadPoolExecutor(
                    REFRESH_WORKERS, thread_name_prefix="skykit-identity-refresh"
                )
            try:
                self._refresher.submit(self._run_quietly, plan)
            except RuntimeError:  # shut down meanwhile
                self._refresh_slots.release()
                return False
            return True

    def _run_quietly(self, plan: Plan[Any]) -> None:
        try:
            with contextlib.suppress(IdentityError):  # the plan keeps the stale answer
                self._run(plan)
        finally:
            self._refresh_slots.release()
