"""Reading response bodies within a size limit, and request bodies in chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import IO, Any

from skykit.xrpc._errors import InvalidResponseError

CHUNK = 64 * 1024


class BodyCollector:
    """Collects a response body, refusing to hold more than ``limit`` bytes."""

    def __init__(self, limit: int, nsid: str) -> None:
        self.limit = limit
        self.nsid = nsid
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise InvalidResponseError(
                f"response body is over the {self.limit}-byte limit (use stream() for large "
                "bodies, or raise max_response_bytes)",
                nsid=self.nsid,
            )
        self.parts.append(chunk)

    def value(self) -> bytes:
        return b"".join(self.parts)


def file_chunks(file: IO[bytes]) -> Iterator[bytes]:
    for _ in range(1 << 40):  # bounded only by the file's size
        chunk = file.read(CHUNK)
        if not chunk:
            return
        yield chunk


def sync_content(body: Any) -> Any:
    """What httpx.Client accepts for a binary body."""
    if hasattr(body, "read"):
        return file_chunks(body)
    return body


async def async_chunks(body: Iterable[bytes] | IO[bytes]) -> AsyncIterator[bytes]:
    import anyio.to_thread

    if hasattr(body, "read"):
        for _ in range(1 << 40):
            chunk = await anyio.to_thread.run_sync(body.read, CHUNK)
            if not chunk:
                return
            yield chunk
    else:
        for chunk in body:
            yield chunk


def async_content(body: Any) -> Any:
    """What httpx.AsyncClient accepts for a binary body."""
    if body is None or isinstance(body, bytes) or hasattr(body, "__aiter__"):
        return body
    return async_chunks(body)
