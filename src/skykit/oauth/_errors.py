"""Exceptions of ``skykit.oauth``, named by what went wrong.

Messages name the document, URL or parameter at fault and what was expected. They never hold
a token, a code, a PKCE verifier or a key: server text is passed through ``redact`` first.
"""

from __future__ import annotations

from collections.abc import Iterable

from skykit.errors import SkykitError


class OAuthError(SkykitError):
    """Base class of every error raised by ``skykit.oauth``."""


class ClientConfigError(OAuthError, ValueError):
    """The client's own configuration is unusable: metadata, keys, redirect URIs, scope."""


class ClientMetadataError(ClientConfigError):
    """A client metadata document breaks the atproto OAuth profile (the reason says which
    field and why)."""


class ScopeError(OAuthError, ValueError):
    """A scope string is not valid atproto scope syntax, or not a valid permission."""


class DiscoveryError(OAuthError):
    """The account's PDS or authorization server could not be found or fetched."""


class ServerMetadataError(DiscoveryError):
    """A protected-resource or authorization-server metadata document breaks the atproto
    OAuth profile (wrong issuer, a missing endpoint, PAR or DPoP ES256 not offered...)."""


class AuthorizationError(OAuthError):
    """The authorization request or its callback failed."""


class StateError(AuthorizationError):
    """The callback's ``state`` is missing, unknown, expired or already used."""


class IssuerMismatchError(AuthorizationError):
    """The callback's ``iss`` is missing or not the authorization server the flow began
    with (a mix-up attack, or a stale callback)."""


class AuthorizationDeniedError(AuthorizationError):
    """The user or the server refused the request (``error`` in the callback)."""

    def __init__(self, message: str, error: str = "access_denied") -> None:
        super().__init__(message)
        self.error = error


class SubjectMismatchError(AuthorizationError):
    """The token's ``sub`` is not the account the flow was for, or its PDS does not name
    this authorization server: the server is not authoritative for that account."""


class TokenError(OAuthError):
    """The authorization server answered a token, PAR or revocation request with an error,
    or with a response the atproto profile does not allow.

    ``error`` is the OAuth error code (``invalid_grant``...) when the server gave one,
    ``status`` the HTTP status (0 when no response arrived), ``sent`` False when the request
    provably never reached the server (the connection was refused).
    """

    def __init__(
        self, message: str, *, error: str | None = None, status: int = 0, sent: bool = True
    ) -> None:
        super().__init__(message)
        self.error = error
        self.status = status
        self.sent = sent  # False only when the request provably never reached the server


class InvalidGrantError(TokenError):
    """``invalid_grant``: the code or refresh token is no longer valid (used, expired,
    revoked, replayed, or bound to another DPoP key)."""


class SessionEndedError(InvalidGrantError):
    """A refresh failed for good: the session was revoked, expired, or killed by the server
    (for instance after a refresh token was replayed). Sign in again."""


class SessionLoadError(OAuthError):
    """Stored session data is not a session this client can use (another format, another
    client, a damaged record)."""


class SessionNotFoundError(OAuthError, LookupError):
    """No session is stored for that account: sign in first."""


class DpopError(OAuthError):
    """A DPoP proof was refused (``invalid_dpop_proof``), or a session's DPoP key cannot be
    used."""


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret in ``secrets`` replaced, so server messages that echo a
    request cannot leak a token into an exception or a log."""
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, "[redacted]")
    return text
