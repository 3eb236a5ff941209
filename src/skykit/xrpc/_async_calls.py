"""``AsyncXrpcCall`` and ``AsyncNamespace``: what generated async calls stand on.

A generated ``AsyncCall`` turns typed keyword arguments into an XRPC request and the
response into its typed ``Output``; the client it is bound to does the I/O
(``AsyncCaller``).
"""

# The sync twin, _sync_calls.py, is derived from this module by codegen/unasync.py.  # async only

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, overload

from skykit.xrpc._calls import (
    MAX_PAGES,
    AsyncByteStream,
    Body,
    CallOptions,
    ErrorMap,
    M,
    json_body,
    next_cursor,
    parse_output,
    present,
)

if TYPE_CHECKING:
    from skykit.models import LexModel


class AsyncCaller(Protocol):
    """The I/O an async client provides to generated calls."""

    async def xrpc_json(
        self,
        method: str,
        nsid: str,
        params: Mapping[str, Any],
        body: Any,
        encoding: str | None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> Any: ...

    async def xrpc_bytes(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> bytes: ...

    def xrpc_stream(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> AsyncByteStream: ...


class AsyncXrpcCall:
    """Base of generated async call classes; bound to an async client."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncCaller) -> None:
        self._client = client

    async def _query(
        self,
        nsid: str,
        params: Mapping[str, Any],
        output: type[M],
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> M:
        payload = await self._client.xrpc_json(
            "GET", nsid, present(params), None, None, errors, options
        )
        result: M = parse_output(output, payload, nsid)
        return result

    async def _query_bytes(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> bytes:
        return await self._client.xrpc_bytes(nsid, present(params), errors, options)

    def _query_stream(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> AsyncByteStream:
        return self._client.xrpc_stream(nsid, present(params), errors, options)

    @overload
    async def _procedure(
        self,
        nsid: str,
        params: Mapping[str, Any],
        input_model: type[LexModel] | None,
        values: Mapping[str, Any] | None,
        output: type[M],
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> M: ...

    @overload
    async def _procedure(
        self,
        nsid: str,
        params: Mapping[str, Any],
        input_model: type[LexModel] | None,
        values: Mapping[str, Any] | None,
        output: None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> None: ...

    async def _procedure(
        self,
        nsid: str,
        params: Mapping[str, Any],
        input_model: type[LexModel] | None,
        values: Mapping[str, Any] | None,
        output: type[M] | None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> M | None:
        body = json_body(input_model, values)
        encoding = "application/json" if body is not None else None
        payload = await self._client.xrpc_json(
            "POST", nsid, present(params), body, encoding, errors, options
        )
        result: M | None = parse_output(output, payload, nsid)
        return result

    @overload
    async def _procedure_bytes(
        self,
        nsid: str,
        params: Mapping[str, Any],
        data: Body,
        encoding: str,
        output: type[M],
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> M: ...

    @overload
    async def _procedure_bytes(
        self,
        nsid: str,
        params: Mapping[str, Any],
        data: Body,
        encoding: str,
        output: None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> None: ...

    async def _procedure_bytes(
        self,
        nsid: str,
        params: Mapping[str, Any],
        data: Body,
        encoding: str,
        output: type[M] | None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> M | None:
        payload = await self._client.xrpc_json(
            "POST", nsid, present(params), data, encoding, errors, options
        )
        result: M | None = parse_output(output, payload, nsid)
        return result

    async def _pages(
        self,
        nsid: str,
        params: Mapping[str, Any],
        output: type[M],
        max_items: int | None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> AsyncIterator[M]:
        query = dict(params)
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = await self._query(nsid, query, output, errors, options)
            yield page
            cursor = next_cursor(page, seen)
            if cursor is None:
                return
            query["cursor"] = cursor

    async def _paginate(
        self,
        nsid: str,
        params: Mapping[str, Any],
        output: type[M],
        field_name: str,
        max_items: int | None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> AsyncIterator[Any]:
        count = 0
        if max_items is not None and max_items <= 0:
            return
        async for page in self._pages(nsid, params, output, max_items, errors, options):
            for item in getattr(page, field_name):
                yield item
                count += 1
                if max_items is not None and count >= max_items:
                    return


class AsyncNamespace:
    """Base of generated async namespaces."""

    def __init__(self, client: AsyncCaller) -> None:
        self._client = client
