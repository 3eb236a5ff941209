# Generated from _async_calls.py by codegen/unasync.py. Do not edit by hand.
"""``XrpcCall`` and ``Namespace``: what generated calls stand on.

A generated ``Call`` turns typed keyword arguments into an XRPC request and the
response into its typed ``Output``; the client it is bound to does the I/O
(``Caller``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, overload

from skykit.xrpc._calls import (
    MAX_PAGES,
    Body,
    ByteStream,
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


class Caller(Protocol):
    """The I/O a client provides to generated calls."""

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


class XrpcCall:
    """Base of generated call classes; bound to a client."""

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
        payload = self._client.xrpc_json("GET", nsid, present(params), None, None, errors, options)
        result: M = parse_output(output, payload, nsid)
        return result

    def _query_bytes(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> bytes:
        return self._client.xrpc_bytes(nsid, present(params), errors, options)

    def _query_stream(
        self, nsid: str, params: Mapping[str, Any], errors: ErrorMap, options: CallOptions | None
    ) -> ByteStream:
        return self._client.xrpc_stream(nsid, present(params), errors, options)

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
        body = json_body(input_model, values)
        encoding = "application/json" if body is not None else None
        payload = self._client.xrpc_json(
            "POST", nsid, present(params), body, encoding, errors, options
        )
        result: M | None = parse_output(output, payload, nsid)
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
            "POST", nsid, present(params), data, encoding, errors, options
        )
        result: M | None = parse_output(output, payload, nsid)
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
            cursor = next_cursor(page, seen)
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


class Namespace:
    """Base of generated namespaces."""

    def __init__(self, client: Caller) -> None:
        self._client = client
