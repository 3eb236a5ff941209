"""Exceptions of ``skykit.identity``, named by what went wrong.

Every message names the identifier being resolved and, for network failures, the URL or DNS
name that failed. ``FetchError`` and its subclasses are transport failures (worth retrying
later); the others are answers (not found, ambiguous, mismatched) or bad data.
"""

from __future__ import annotations

from typing import Any

from skykit.errors import SkykitError


class IdentityError(SkykitError):
    """Base class of every error raised by ``skykit.identity``.

    ``identifier`` is the handle or DID whose resolution failed, when there is one.
    """

    def __init__(self, message: str, identifier: str | None = None) -> None:
        super().__init__(message)
        self.identifier = identifier

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.identifier))


class UnsupportedDidError(IdentityError, ValueError):
    """A syntactically valid DID that cannot be resolved: a method other than ``plc`` and
    ``web``, or a ``did:web`` form atproto does not allow (paths, ports off localhost,
    special-use TLDs, ``localhost`` without the development opt-in)."""


class UnsupportedHandleError(IdentityError, ValueError):
    """A syntactically valid handle that must not be resolved (a special-use TLD such as
    ``.local`` or ``.onion``)."""


class DidNotFoundError(IdentityError):
    """The DID's registry (PLC directory, did:web host) says there is no such DID."""


class DidDeactivatedError(DidNotFoundError):
    """The DID exists but was deactivated (a PLC tombstone, HTTP 410)."""


class HandleNotFoundError(IdentityError):
    """Neither DNS (``_atproto.<handle>`` TXT) nor HTTPS (``/.well-known/atproto-did``)
    names a DID for the handle."""


class AmbiguousHandleError(IdentityError):
    """DNS holds several ``did=`` TXT records with different DIDs for the handle; the spec
    says resolution fails."""


class HandleMismatchError(IdentityError):
    """The handle points to a DID whose document does not claim the handle back, so the
    handle is not verified (bidirectional check)."""


class InvalidDidDocumentError(IdentityError):
    """A DID document that is not valid JSON or lacks the required shape."""


class DidDocumentMismatchError(InvalidDidDocumentError):
    """A DID document whose ``id`` is another DID than the one requested."""


class InvalidPlcLogError(IdentityError):
    """A PLC audit log or operation that does not have the shape the did:plc spec defines."""


class PlcVerificationError(InvalidPlcLogError):
    """A PLC audit log whose operations do not verify: wrong CID, bad signature, a broken
    ``prev`` chain, a genesis that does not hash to the DID, or an unjustified nullification."""


class FetchError(IdentityError):
    """A network lookup failed. ``url`` is the URL (or DNS name) that failed."""

    def __init__(self, message: str, identifier: str | None = None, url: str | None = None) -> None:
        super().__init__(message, identifier)
        self.url = url

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.identifier, self.url))


class NetworkError(FetchError):
    """Connecting or talking to a server failed (refused, reset, TLS, DNS server failure)."""


class ResolutionTimeoutError(FetchError, TimeoutError):
    """A lookup took longer than the resolver's ``timeout``."""


class ResponseTooLargeError(FetchError):
    """A response body exceeded the resolver's size limit."""


class RedirectError(FetchError):
    """A redirect that is not followed: too many hops, another scheme, or no Location."""


class ForbiddenAddressError(FetchError):
    """A host resolved only to addresses the resolver refuses (private, loopback,
    link-local, ...) unless explicitly allowed."""


class HttpStatusError(FetchError):
    """A server answered with an unexpected HTTP status (e.g. 500). ``status`` holds it."""

    def __init__(
        self,
        message: str,
        identifier: str | None = None,
        url: str | None = None,
        status: int = 0,
    ) -> None:
        super().__init__(message, identifier, url)
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.identifier, self.url, self.status))
