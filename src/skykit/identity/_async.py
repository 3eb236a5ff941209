"""``AsyncResolver``: the anyio driver of the identity plans (asyncio or trio)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, TypeVar

from skykit.identity._base import ResolverBase
from skykit.identity._config import ResolverConfig
from skykit.identity._document import DidDocument
from skykit.identity._errors import IdentityError
from skykit.identity._identity import Identity
from skykit.identity._ops import MAX_PLAN_STEPS, DnsQuery, HttpGet, Op, Outcome, Plan
from skykit.syntax import DID

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

    from skykit.identity._async_io import AsyncDns, AsyncHttp
    from skykit.identity._plc_log import PlcAuditLog

T = TypeVar("T")


class AsyncResolver(ResolverBase):
    """Resolves handles and DIDs without blocking, on asyncio or trio.

    Use it as ``async with AsyncResolver(...) as resolver:`` so that stale cache entries are
    refreshed in the background (stale-while-revalidate) and connections are closed on exit.
    Outside such a block it still works, but refreshes a stale entry before answering
    (falling back to the stale answer if the refresh fails); call ``aclose()`` when done.
    """

    def __init__(self, plc_url: str | None = None, *, config: ResolverConfig | None = None) -> None:
        super().__init__(plc_url, config=config)
        self._http: AsyncHttp | None = None
        self._dns: AsyncDns | None = None
        self._task_group: TaskGroup | None = None
        self._closed = False

    async def resolve_handle(self, handle: str) -> DID:
        """See :meth:`Resolver.resolve_handle`."""
        return await self._run(self._core.resolve_handle(handle))

    async def resolve_did(self, did: str) -> DidDocument:
        """See :meth:`Resolver.resolve_did`."""
        return await self._run(self._core.resolve_did(did))

    async def resolve(self, identifier: str) -> Identity:
        """See :meth:`Resolver.resolve`."""
        return await self._run(self._core.resolve(identifier))

    async def resolve_plc_log(self, did: str) -> PlcAuditLog:
        """See :meth:`Resolver.resolve_plc_log`."""
        return await self._run(self._core.resolve_plc_log(did))

    async def __aenter__(self) -> AsyncResolver:
        import anyio

        group = anyio.create_task_group()
        await group.__aenter__()
        self._task_group = group
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        group, self._task_group = self._task_group, None
        try:
            if group is not None:
                group.cancel_scope.cancel()  # pending refreshes are not worth waiting for
                await group.__aexit__(None, None, None)
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Close connections. Safe to call twice."""
        self._closed = True
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    async def _run(self, plan: Plan[T]) -> T:
        outcome: Outcome = None
        try:
            for _ in range(MAX_PLAN_STEPS):
                try:
                    op = plan.send(outcome)
                except StopIteration as stop:
                    result: T = stop.value
                    return result
                outcome = await self._execute(op)
            raise IdentityError(f"resolution needed more than {MAX_PLAN_STEPS} network lookups")
        finally:
            plan.close()

    async def _execute(self, op: Op) -> Outcome:
        if isinstance(op, DnsQuery):
            return await self._io()[1].query(op)
        if isinstance(op, HttpGet):
            return await self._io()[0].get(op)
        if self._task_group is None or self._closed or not self._refresh_slots.acquire():
            return False
        self._task_group.start_soon(self._run_quietly, op.plan)
        return True

    def _io(self) -> tuple[AsyncHttp, AsyncDns]:
        if self._closed:
            raise IdentityError("this AsyncResolver is closed")
        if self._http is None or self._dns is None:
            from skykit.identity._async_io import AsyncDns, AsyncHttp

            self._http = AsyncHttp(self.config)
            self._dns = AsyncDns(self.config)
        return self._http, self._dns

    async def _run_quietly(self, plan: Plan[Any]) -> None:
        try:
            with contextlib.suppress(IdentityError):  # the plan keeps the stale answer
                await self._run(plan)
        finally:
            self._refresh_slots.release()
