"""What the generated call classes share: call options, body types, and the steps that
turn keyword arguments into a request and a response into a typed ``Output``.

The call classes themselves are ``AsyncXrpcCall`` (``_async_calls``) and its sync twin
``XrpcCall`` (``_sync_calls``, derived from it by ``codegen/unasync.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, TypeVar

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


def present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def parse_output(output: type[M] | None, payload: Any, nsid: str) -> Any:
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


def json_body(input_model: type[LexModel] | None, values: Mapping[str, Any] | None) -> Any:
    if input_model is None:
        return None
    return input_model.model_validate(present(values or {})).to_json()


def next_cursor(page: Any, seen: set[str]) -> str | None:
    """The cursor of the next page, or None when pagination is over (no cursor, or a
    cursor the server already gave: a loop guard)."""
    cursor = getattr(page, "cursor", None)
    if not cursor or cursor in seen:
        return None
    seen.add(cursor)
    return str(cursor)
