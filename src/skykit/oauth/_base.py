"""What ``OAuthClient`` and ``AsyncOAuthClient`` share that involves no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skykit.oauth._client_metadata import ClientMetadata
from skykit.oauth._context import ClientContext
from skykit.oauth._errors import ClientConfigError, OAuthError
from skykit.oauth._keys import ClientKey, jwks
from skykit.oauth._ops import MAX_STEPS
from skykit.oauth._stores import (
    MemorySessionStore,
    MemoryStateStore,
    SessionStore,
    StateStore,
)

DEFAULT_TIMEOUT = 15.0
MAX_RESPONSE_BYTES = 1 << 20
STATE_TTL = 600.0


class OAuthClientBase:
    _context: ClientContext

    def _init_context(
        self,
        metadata: ClientMetadata,
        *,
        keys: Sequence[ClientKey],
        state_store: StateStore | None,
        session_store: SessionStore | None,
        allow_loopback_http: bool,
        state_ttl: float,
    ) -> None:
        if not isinstance(metadata, ClientMetadata):
            raise ClientConfigError(
                "metadata must be a ClientMetadata (ClientMetadata.loopback/web/confidential)"
            )
        self._context = ClientContext(
            metadata,
            keys,
            state_store if state_store is not None else MemoryStateStore(),
            session_store if session_store is not None else MemorySessionStore(),
            allow_loopback_http=allow_loopback_http,
            state_ttl=state_ttl,
        )

    @property
    def metadata(self) -> ClientMetadata:
        """The client metadata; serve ``metadata.to_json()`` at the ``client_id`` URL."""
        return self._context.metadata

    @property
    def jwks(self) -> dict[str, Any]:
        """The public JWKS of a confidential client (for its ``jwks_uri``)."""
        return jwks(self._context.keys)

    @property
    def state_store(self) -> StateStore:
        return self._context.states

    @property
    def session_store(self) -> SessionStore:
        return self._context.sessions

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._context.client_id}>"


def too_many_steps() -> OAuthError:
    return OAuthError(f"an OAuth step needed more than {MAX_STEPS} requests")
