"""What other layers accept when they need identities: the XRPC client (to find a PDS),
repo and firehose verification (to find a signing key). Typing against these instead of the
concrete classes lets callers inject a shared resolver, a caching layer of their own, or a
fake in tests."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from skykit.identity._document import DidDocument
from skykit.identity._identity import Identity
from skykit.syntax import DID


@runtime_checkable
class IdentityResolver(Protocol):
    """Blocking resolution; :class:`~skykit.identity.Resolver` implements it."""

    def resolve_handle(self, handle: str) -> DID: ...

    def resolve_did(self, did: str) -> DidDocument: ...

    def resolve(self, identifier: str) -> Identity: ...


@runtime_checkable
class AsyncIdentityResolver(Protocol):
    """Non-blocking resolution; :class:`~skykit.identity.AsyncResolver` implements it."""

    async def resolve_handle(self, handle: str) -> DID: ...

    async def resolve_did(self, did: str) -> DidDocument: ...

    async def resolve(self, identifier: str) -> Identity: ...
