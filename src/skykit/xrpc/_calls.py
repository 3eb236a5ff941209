"""What generated call classes stand on: ``XrpcCall``/``AsyncXrpcCall`` and namespaces.

A generated ``Call`` turns typed keyword arguments into an XRPC request and the response
into its typed ``Output``; the client it is bound to does the I/O (``Caller``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Protocol, TypeVar, overload

from skykit.xrpc._errors import InvalidResponseError, XrpcError

if TYPE_CHECKING:
    from skykit.models import LexModel

M = TypeVar("M", bound="LexModel")
ErrorMap = Mapping[str, type[XrpcError]]

Body = bytes | IO[bytes] | Iterator[bytes]
"""A binary request body: bytes, a binary file object, or an iterator of chunks."""

ByteStream = AbstractContextManager[Iterator[bytes]]
AsyncByteStream = AbstractAsyncContextManager[AsyncIterator[bytes]]

MAX_PAGES = 100_000  # a bound on any pagination loop, whatever the server does


@dataclass(frozen=True)
class CallOptions:
    """Per-call settings: extra ``headers``, a ``timeout`` in seconds, service proxying
    (``proxy``, the ``atproto-proxy`` header, e.g. ``"did:web:api.bsky.chat#bsky_chat"``),
    ``labelers`` for ``atproto-accept-labelers``, and ``retries`` to override the client's
    retry count for this call."""

    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float | None = None
    proxy: str | None = None
    labelers: tuple[str, ...] | None = None
    retries: int | None = None


class Caller(Protocol):
    """The I/O a sync client provides to generated calls."""

    def xrpc_json(
        self,
        method: str,
        nsid: str,
        params: Mapping[str, Any],
        body: Any,
        encoding: str | None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> Any: ...

    def xrpc_bytes(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> bytes: ...

    def xrpc_stream(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> ByteStream: ...


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


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _parse(output: type[M] | None, payload: Any, nsid: str) -> Any:
    if output is None:
        return None
    if not isinstance(payload, dict):
        raise InvalidResponseError(
            f"expected a JSON object, got {type(payload).__name__}", nsid=nsid
        )
    from skykit.models import ModelValidationError

    try:
        return output.model_validate(payload)
    except ModelValidationError as exc:
        raise InvalidResponseError(
            f"response does not match the lexicon: {exc}", nsid=nsid
        ) from exc


def _json_body(input_model: type[LexModel] | None, values: Mapping[str, Any] | None) -> Any:
    if input_model is None:
        return None
    return input_model.model_validate(_present(values or {})).to_json()


def _page_state(page: Any, seen: set[str]) -> str | None:
    """The cursor of the next page, or None when pagination is over (no cursor, or a
    cursor the server already gave: a loop guard)."""
    cursor = getattr(page, "cursor", None)
    if not cursor or cursor in seen:
        return None
    seen.add(cursor)
    return str(cursor)


class XrpcCall:
    """Base of generated sync call classes; bound to a client."""

    __slots__ = ("_client",)

    def __init__(self, client: Caller) -> None:
        self._client = client

    def _query(
        self,
        nsid: str,
        params: Mapping[str, Any],
        output: type[M],
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> M:
        payload = self._client.xrpc_json("GET", nsid, _present(params), None, None, errors, options)
        result: M = _parse(output, payload, nsid)
        return result

    def _query_bytes(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> bytes:
        return self._client.xrpc_bytes(nsid, _present(params), errors, options)

    def _query_stream(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> ByteStream:
        return self._client.xrpc_stream(nsid, _present(params), errors, options)

    @overload
    def _procedure(
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
    def _procedure(
        self,
        nsid: str,
        params: Mapping[str, Any],
        input_model: type[LexModel] | None,
        values: Mapping[str, Any] | None,
        output: None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> None: ...

    def _procedure(
        self,
        nsid: str,
        params: Mapping[str, Any],
        input_model: type[LexModel] | None,
        values: Mapping[str, Any] | None,
        output: type[M] | None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> M | None:
        body = _json_body(input_model, values)
        encoding = "application/json" if body is not None else None
        payload = self._client.xrpc_json(
            "POST", nsid, _present(params), body, encoding, errors, options
        )
        result: M | None = _parse(output, payload, nsid)
        return result

    @overload
    def _procedure_bytes(
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
    def _procedure_bytes(
        self,
        nsid: str,
        params: Mapping[str, Any],
        data: Body,
        encoding: str,
        output: None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> None: ...

    def _procedure_bytes(
        self,
        nsid: str,
        params: Mapping[str, Any],
        data: Body,
        encoding: str,
        output: type[M] | None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> M | None:
        payload = self._client.xrpc_json(
            "POST", nsid, _present(params), data, encoding, errors, options
        )
        result: M | None = _parse(output, payload, nsid)
        return result

    def _pages(
        self,
        nsid: str,
        params: Mapping[str, Any],
        output: type[M],
        max_items: int | None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> Iterator[M]:
        query = dict(params)
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self._query(nsid, query, output, errors, options)
            yield page
            cursor = _page_state(page, seen)
            if cursor is None:
                return
            query["cursor"] = cursor

    def _paginate(
        self,
        nsid: str,
        params: Mapping[str, Any],
        output: type[M],
        field_name: str,
        max_items: int | None,
        errors: ErrorMap,
        options: CallOptions | None,
    ) -> Iterator[Any]:
        count = 0
        if max_items is not None and max_items <= 0:
            return
        for page in self._pages(nsid, params, output, max_items, errors, options):
            for item in getattr(page, field_name):
                yield item
                count += 1
                if max_items is not None and count >= max_items:
                    return


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
            "GET", nsid, _present(params), None, None, errors, options
        )
        result: M = _parse(output, payload, nsid)
        return result

    async def _query_bytes(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> bytes:
        return await self._client.xrpc_bytes(nsid, _present(params), errors, options)

    def _query_stream(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> AsyncByteStream:
        return self._client.xrpc_stream(nsid, _present(params), errors, options)

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
        body = _json_body(input_model, values)
        encoding = "application/json" if body is not None else None
        payload = await self._client.xrpc_json(
            "POST", nsid, _present(params), body, encoding, errors, options
        )
        result: M | None = _parse(output, payload, nsid)
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
            "POST", nsid, _present(params), data, encoding, errors, options
        )
        result: M | None = _parse(output, payload, nsid)
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
            cursor = _page_state(page, seen)
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


class Namespace:
    """Base of generated sync namespaces (``client.app.bsky.feed``)."""

    def __init__(self, client: Caller) -> None:
        self._client = client


class AsyncNamespace:
    """Base of generated async namespaces."""

    def __init__(self, client: AsyncCaller) -> None:
        self._client = client
