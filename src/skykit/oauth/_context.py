"""What every plan of one OAuth client needs: its metadata and keys, its stores, its
development options, and the per-session state shared between sessions in this process."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from skykit.oauth._client_metadata import ClientMetadata
from skykit.oauth._dpop import Nonces
from skykit.oauth._errors import ClientConfigError
from skykit.oauth._jwt import random_token, sign_jwt
from skykit.oauth._keys import ClientKey
from skykit.oauth._stores import SessionStore, StateStore
from skykit.oauth._tokens import ClientAuth

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 60
MAX_LINEAGES = 10_000


class Lineage:
    """What a session shares with the sessions that replace it on refresh: the DPoP
    nonces, the newest session, whether a refresh is running, and the refresh tokens
    already spent (never sent twice)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.nonces = Nonces()
        self.latest: object | None = None  # the newest OAuthSession of this line
        self.refreshing = False
        self.spent: set[str] = set()
        self.ended = False

    def __repr__(self) -> str:
        return f"<Lineage refreshing={self.refreshing} ended={self.ended}>"


class ClientContext:
    def __init__(
        self,
        metadata: ClientMetadata,
        keys: Sequence[ClientKey],
        states: StateStore,
        sessions: SessionStore,
        *,
        allow_loopback_http: bool,
        state_ttl: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if metadata.is_confidential and not keys:
            raise ClientConfigError("a confidential client needs its signing keys (keys=[...])")
        if not metadata.is_confidential and keys:
            raise ClientConfigError(
                "keys were given but the client metadata is public "
                "(token_endpoint_auth_method 'none')"
            )
        if metadata.jwks is not None:
            from skykit.oauth._jwt import jwk_thumbprint

            published = {k.get("kid"): jwk_thumbprint(k) for k in metadata.jwks.get("keys", [])}
            for key in keys:
                if key.kid not in published:
                    raise ClientConfigError(f"key {key.kid!r} is not in the metadata's jwks")
                if published[key.kid] != key.thumbprint:
                    raise ClientConfigError(
                        f"key {key.kid!r} is not the public key the metadata's jwks publishes"
                    )
        self.metadata = metadata
        self.keys = tuple(keys)
        self.states = states
        self.sessions = sessions
        self.allow_loopback_http = allow_loopback_http
        self.state_ttl = state_ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._lineages: OrderedDict[tuple[str, str], Lineage] = OrderedDict()

    @property
    def client_id(self) -> str:
        return self.metadata.client_id

    def signing_key(self, kid: str | None = None) -> ClientKey | None:
        """The key that authenticates this client (None for a public client): ``kid``'s,
        or the first one for a new session."""
        if not self.metadata.is_confidential:
            return None
        if kid is None:
            return self.keys[0]
        for key in self.keys:
            if key.kid == kid:
                return key
        raise ClientConfigError(
            f"the session was authorized with client key {kid!r}, which this client no "
            "longer has (the server requires the same key for refreshes)"
        )

    def client_auth(self, issuer: str, kid: str | None) -> ClientAuth:
        key = self.signing_key(kid)
        client_id = self.client_id
        if key is None:
            return lambda: {"client_id": client_id}

        def assertion() -> dict[str, str]:
            now = int(self.clock())
            claims = {
                "iss": client_id,
                "sub": client_id,
                "aud": issuer,
                "jti": random_token(16),
                "iat": now,
                "exp": now + ASSERTION_LIFETIME,
            }
            return {
                "client_id": client_id,
                "client_assertion_type": JWT_BEARER,
                "client_assertion": sign_jwt(key.keypair, {"typ": "JWT", "kid": key.kid}, claims),
            }

        return assertion

    def lineage(self, did: str, dpop_thumbprint: str) -> Lineage:
        """The shared state of the session of ``did`` bound to that DPoP key."""
        with self._lock:
            key = (did, dpop_thumbprint)
            found = self._lineages.get(key)
            if found is None:
                found = self._lineages[key] = Lineage()
                while len(self._lineages) > MAX_LINEAGES:
                    self._lineages.popitem(last=False)
            self._lineages.move_to_end(key)
            return found
