"""The result of a full resolution: what a client needs to talk to an account and to check
what it signs."""

from __future__ import annotations

from dataclasses import dataclass

from skykit.crypto import PublicKey
from skykit.identity._document import DidDocument
from skykit.syntax import DID, INVALID_HANDLE, Handle


@dataclass(frozen=True, slots=True)
class Identity:
    """A DID with its document. ``handle`` is set only when verified both ways (the handle
    resolves to this DID and the document claims the handle); ``pds_endpoint`` and
    ``signing_key`` are ``None`` when the document has no valid entry (a broken account)."""

    did: DID
    handle: Handle | None
    pds_endpoint: str | None
    signing_key: PublicKey | None
    document: DidDocument

    @property
    def display_handle(self) -> str:
        """The verified handle, or ``handle.invalid`` as the spec says to show instead."""
        return self.handle if self.handle is not None else INVALID_HANDLE

    @classmethod
    def of(cls, document: DidDocument, handle: Handle | None) -> Identity:
        return cls(document.did, handle, document.pds_endpoint, document.signing_key, document)
