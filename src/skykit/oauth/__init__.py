"""OAuth for atproto (atproto.com/specs/oauth): sign users in without their password.

``OAuthClient`` (blocking) and ``AsyncOAuthClient`` (asyncio or trio) run the whole flow:
discovery from a handle, DID or server URL; PAR with PKCE (S256) and ``state``; the URL to
send the user to; the callback (``state``, ``iss``, token exchange, the ``sub`` check);
and sessions whose requests carry DPoP proofs. An :class:`OAuthSession` plugs into
``skykit.Client`` / ``AsyncClient`` like a password session::

    oauth = OAuthClient(ClientMetadata.loopback(scope="atproto transition:generic"))
    url = oauth.authorize("alice.example.com")      # send the user there
    session, _ = oauth.callback(redirect_query)      # when the browser comes back
    client = oauth.client(session)                   # a skykit.Client, DPoP-bound

Client kinds: ``ClientMetadata.loopback`` (``http://localhost`` ids for CLIs and local
apps), ``.web`` (public web clients) and ``.confidential`` (``private_key_jwt`` with
:class:`ClientKey` ES256 keys). Pending sign-ins and sessions go to pluggable stores
(memory by default; SQLite to persist). ``Scopes``/``parse_scope`` read and build scope
strings. ``login_with_browser`` runs a loopback redirect server for CLIs.

Every failure is an :class:`OAuthError` (a ``skykit.SkykitError``); tokens and keys never
appear in ``repr``, logs or error messages. Importing this package is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from skykit.oauth._errors import (
    AuthorizationDeniedError,
    AuthorizationError,
    ClientConfigError,
    ClientMetadataError,
    DiscoveryError,
    DpopError,
    InvalidGrantError,
    IssuerMismatchError,
    OAuthError,
    ScopeError,
    ServerMetadataError,
    SessionEndedError,
    SessionLoadError,
    SessionNotFoundError,
    StateError,
    SubjectMismatchError,
    TokenError,
)

if TYPE_CHECKING:
    from skykit.oauth._async_client import AsyncOAuthClient
    from skykit.oauth._authorize import CallbackResult
    from skykit.oauth._client import OAuthClient
    from skykit.oauth._client_metadata import ClientMetadata, loopback_client_id, validate_jwks
    from skykit.oauth._keys import ClientKey, DpopKey
    from skykit.oauth._loopback import (
        LoopbackServer,
        async_login_with_browser,
        login_with_browser,
    )
    from skykit.oauth._metadata import AuthorizationServerMetadata, ProtectedResourceMetadata
    from skykit.oauth._pending import PendingAuthorization
    from skykit.oauth._scope_missing import ScopeMissingError
    from skykit.oauth._scopes import (
        AccountPermission,
        BlobPermission,
        GenericScope,
        IdentityPermission,
        IncludePermission,
        RepoPermission,
        RpcPermission,
        Scopes,
        StaticScope,
        parse_scope,
    )
    from skykit.oauth._session import OAuthSession
    from skykit.oauth._stores import (
        MemorySessionStore,
        MemoryStateStore,
        SessionStore,
        SQLiteSessionStore,
        SQLiteStateStore,
        StateStore,
        StoreError,
    )

__all__ = [
    "AccountPermission",
    "AsyncOAuthClient",
    "AuthorizationDeniedError",
    "AuthorizationError",
    "AuthorizationServerMetadata",
    "BlobPermission",
    "CallbackResult",
    "ClientConfigError",
    "ClientKey",
    "ClientMetadata",
    "ClientMetadataError",
    "DiscoveryError",
    "DpopError",
    "DpopKey",
    "GenericScope",
    "IdentityPermission",
    "IncludePermission",
    "InvalidGrantError",
    "IssuerMismatchError",
    "LoopbackServer",
    "MemorySessionStore",
    "MemoryStateStore",
    "OAuthClient",
    "OAuthError",
    "OAuthSession",
    "PendingAuthorization",
    "ProtectedResourceMetadata",
    "RepoPermission",
    "RpcPermission",
    "SQLiteSessionStore",
    "SQLiteStateStore",
    "ScopeError",
    "ScopeMissingError",
    "Scopes",
    "ServerMetadataError",
    "SessionEndedError",
    "SessionLoadError",
    "SessionNotFoundError",
    "SessionStore",
    "StateError",
    "StateStore",
    "StaticScope",
    "StoreError",
    "SubjectMismatchError",
    "TokenError",
    "async_login_with_browser",
    "login_with_browser",
    "loopback_client_id",
    "parse_scope",
    "validate_jwks",
]

_LAZY = {
    "AsyncOAuthClient": "_async_client",
    "CallbackResult": "_authorize",
    "OAuthClient": "_client",
    "ClientMetadata": "_client_metadata",
    "loopback_client_id": "_client_metadata",
    "validate_jwks": "_client_metadata",
    "ClientKey": "_keys",
    "DpopKey": "_keys",
    "async_login_with_browser": "_loopback",
    "LoopbackServer": "_loopback",
    "login_with_browser": "_loopback",
    "AuthorizationServerMetadata": "_metadata",
    "ProtectedResourceMetadata": "_metadata",
    "PendingAuthorization": "_pending",
    "AccountPermission": "_scopes",
    "BlobPermission": "_scopes",
    "GenericScope": "_scopes",
    "IdentityPermission": "_scopes",
    "IncludePermission": "_scopes",
    "RepoPermission": "_scopes",
    "RpcPermission": "_scopes",
    "Scopes": "_scopes",
    "StaticScope": "_scopes",
    "parse_scope": "_scopes",
    "ScopeMissingError": "_scope_missing",
    "OAuthSession": "_session",
    "MemorySessionStore": "_stores",
    "MemoryStateStore": "_stores",
    "SessionStore": "_stores",
    "SQLiteSessionStore": "_stores",
    "SQLiteStateStore": "_stores",
    "StateStore": "_stores",
    "StoreError": "_stores",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'skykit.oauth' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"skykit.oauth.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
