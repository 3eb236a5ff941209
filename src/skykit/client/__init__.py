"""``Client`` and ``AsyncClient``: XRPC clients with every lexicon's calls attached.

``client.app.bsky.feed.get_timeline(limit=50)`` and the rest come from the generated
namespaces; sessions, retries and errors from ``skykit.xrpc``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skykit import lex
from skykit.client._blobs import BlobSource, blob_input
from skykit.xrpc._async_client import AsyncXrpcClient
from skykit.xrpc._client import XrpcClient

if TYPE_CHECKING:
    from skykit.models import Blob

DEFAULT_SERVICE = "https://bsky.social"

__all__ = ["DEFAULT_SERVICE", "AsyncClient", "Client"]


class Client(XrpcClient, lex.Namespace):
    """A sync atproto client: ``Client("https://pds.example").login(handle, password)``."""

    def __init__(self, service_url: str = DEFAULT_SERVICE, **options: Any) -> None:
        XrpcClient.__init__(self, service_url, **options)
        lex.Namespace.__init__(self, self)

    def upload_blob(self, source: BlobSource, *, mime_type: str | None = None) -> Blob:
        """Upload bytes, a file path or a binary file; returns the blob ref to put in a
        record. The MIME type is guessed from the file name or content when not given."""
        content, mime, opened = blob_input(source, mime_type)
        try:
            return self.com.atproto.repo.upload_blob(content, encoding=mime).blob
        finally:
            if opened is not None:
                opened.close()


class AsyncClient(AsyncXrpcClient, lex.AsyncNamespace):
    """An async atproto client for asyncio or trio; the twin of ``Client``."""

    def __init__(self, service_url: str = DEFAULT_SERVICE, **options: Any) -> None:
        AsyncXrpcClient.__init__(self, service_url, **options)
        lex.AsyncNamespace.__init__(self, self)

    async def upload_blob(self, source: BlobSource, *, mime_type: str | None = None) -> Blob:
        """Upload bytes, a file path or a binary file; returns the blob ref."""
        content, mime, opened = blob_input(source, mime_type)
        try:
            output = await self.com.atproto.repo.upload_blob(content, encoding=mime)
            return output.blob
        finally:
            if opened is not None:
                opened.close()
