"""Identity: handles, DIDs and DID documents (atproto.com/specs/did, /specs/handle).

``Resolver`` (blocking) and ``AsyncResolver`` (asyncio or trio) turn a handle or DID into a
verified :class:`Identity`: the DID, the handle when it checks out both ways, the PDS
endpoint and the signing key. Handles resolve through DNS TXT ``_atproto.<handle>`` and
HTTPS ``/.well-known/atproto-did``; DIDs through a PLC directory (``did:plc``) or the host
itself (``did:web``). Answers are cached with a TTL, a size bound and stale-while-revalidate.

Lookups on behalf of others are safe by default: handle and did:web fetches refuse private,
loopback and link-local addresses, cap response size and redirects, never change scheme on a
redirect, and time out. :class:`ResolverConfig` holds the knobs, including the explicit
development options for a local PDS.

``IdentityResolver`` / ``AsyncIdentityResolver`` are the protocols other layers (the XRPC
client, repo and firehose verification) accept, so a resolver can be shared or replaced.

``PlcAuditLog`` parses a did:plc audit log and verifies its chain of signed operations;
``DidDocument`` reads a DID document by the atproto rules. Every failure is an
:class:`IdentityError` (a ``skykit.SkykitError``).

Importing this package is cheap: the HTTP and DNS libraries load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from skykit.identity._errors import (
    AmbiguousHandleError,
    DidDeactivatedError,
    DidDocumentMismatchError,
    DidNotFoundError,
    FetchError,
    ForbiddenAddressError,
    HandleMismatchError,
    HandleNotFoundError,
    HttpStatusError,
    IdentityError,
    InvalidDidDocumentError,
    InvalidPlcLogError,
    NetworkError,
    PlcVerificationError,
    RedirectError,
    ResolutionTimeoutError,
    ResponseTooLargeError,
    UnsupportedDidError,
    UnsupportedHandleError,
)

if TYPE_CHECKING:
    from skykit.identity._async import AsyncResolver
    from skykit.identity._config import DEFAULT_PLC_URL, ResolverConfig, ResolverConfigError
    from skykit.identity._document import DidDocument, Service, VerificationMethod
    from skykit.identity._identity import Identity
    from skykit.identity._plc_log import PlcAuditLog, PlcLogEntry
    from skykit.identity._plc_op import PlcOperation, PlcService
    from skykit.identity._protocols import AsyncIdentityResolver, IdentityResolver
    from skykit.identity._sync import Resolver

__all__ = [
    "DEFAULT_PLC_URL",
    "AmbiguousHandleError",
    "AsyncIdentityResolver",
    "AsyncResolver",
    "DidDeactivatedError",
    "DidDocument",
    "DidDocumentMismatchError",
    "DidNotFoundError",
    "FetchError",
    "ForbiddenAddressError",
    "HandleMismatchError",
    "HandleNotFoundError",
    "HttpStatusError",
    "Identity",
    "IdentityError",
    "IdentityResolver",
    "InvalidDidDocumentError",
    "InvalidPlcLogError",
    "NetworkError",
    "PlcAuditLog",
    "PlcLogEntry",
    "PlcOperation",
    "PlcService",
    "PlcVerificationError",
    "RedirectError",
    "ResolutionTimeoutError",
    "Resolver",
    "ResolverConfig",
    "ResolverConfigError",
    "ResponseTooLargeError",
    "Service",
    "UnsupportedDidError",
    "UnsupportedHandleError",
    "VerificationMethod",
]

_LAZY = {
    "AsyncResolver": "_async",
    "DEFAULT_PLC_URL": "_config",
    "ResolverConfig": "_config",
    "ResolverConfigError": "_config",
    "DidDocument": "_document",
    "Service": "_document",
    "VerificationMethod": "_document",
    "Identity": "_identity",
    "PlcAuditLog": "_plc_log",
    "PlcLogEntry": "_plc_log",
    "PlcOperation": "_plc_op",
    "PlcService": "_plc_op",
    "Resolver": "_sync",
    "IdentityResolver": "_protocols",
    "AsyncIdentityResolver": "_protocols",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'skykit.identity' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"skykit.identity.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
