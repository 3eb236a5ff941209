"""Blob uploads: what the caller gave, and its MIME type."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from typing import IO, Any

from skykit.errors import SkykitError

BlobSource = bytes | str | os.PathLike[str] | IO[bytes]

# Magic numbers of the media types atproto apps upload; enough to label bytes correctly.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"ftypavif", 4, "image/avif"),
    (b"ftypheic", 4, "image/heic"),
    (b"ftyp", 4, "video/mp4"),
)


class BlobInputError(SkykitError, ValueError):
    """A blob to upload could not be read or its type not told."""


def sniff_mime_type(head: bytes) -> str | None:
    for signature, offset, mime in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return mime
    return None


def blob_input(source: BlobSource, mime_type: str | None) -> tuple[Any, str, IO[bytes] | None]:
    """(content to send, its MIME type, a file to close afterwards or None)."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        return data, mime_type or sniff_mime_type(data[:16]) or "application/octet-stream", None
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            file = path.open("rb")
        except OSError as exc:
            raise BlobInputError(f"cannot read blob file {path}: {exc}") from exc
        guessed = mime_type or mimetypes.guess_type(path.name)[0]
        if guessed is None:
            guessed = sniff_mime_type(file.read(16)) or "application/octet-stream"
            file.seek(0)
        return file, guessed, file
    if hasattr(source, "read"):
        return source, mime_type or "application/octet-stream", None
    raise BlobInputError(f"cannot upload a {type(source).__name__} as a blob")
