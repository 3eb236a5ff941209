"""A pending authorization: what the callback needs to finish a flow, kept in the state
store under its ``state`` between the redirect and the callback."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from skykit.oauth._context import ClientContext
from skykit.oauth._errors import OAuthError, StateError
from skykit.oauth._keys import DpopKey
from skykit.oauth._metadata import AuthorizationServerMetadata

PENDING_FORMAT = "skykit.oauth.pending/1"


@dataclass(frozen=True)
class PendingAuthorization:
    """What the callback needs to finish a flow, kept in the state store under ``state``
    (the PKCE verifier and DPoP key are secrets: not in ``repr``)."""

    state: str
    server: AuthorizationServerMetadata = field(repr=False)
    dpop_key: DpopKey = field(repr=False)
    verifier: str = field(repr=False)
    redirect_uri: str
    scope: str
    created_at: float
    expected_did: str | None = None
    pds: str | None = None
    handle: str | None = None
    client_kid: str | None = None
    nonces: Mapping[str, str] = field(default_factory=dict, repr=False)
    app_state: Any = None

    @property
    def issuer(self) -> str:
        return self.server.issuer

    def export(self) -> dict[str, Any]:
        return {
            "format": PENDING_FORMAT,
            "state": self.state,
            "server": dict(self.server.raw),
            "issuer": self.issuer,
            "dpop_key": self.dpop_key.export(),
            "verifier": self.verifier,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "created_at": self.created_at,
            "expected_did": self.expected_did,
            "pds": self.pds,
            "handle": self.handle,
            "client_kid": self.client_kid,
            "nonces": dict(self.nonces),
            "app_state": self.app_state,
        }

    @classmethod
    def load(cls, raw: Mapping[str, Any], context: ClientContext) -> PendingAuthorization:
        if raw.get("format") != PENDING_FORMAT:
            raise StateError("the stored authorization is not one this client saved")
        try:
            return cls(
                state=str(raw["state"]),
                server=AuthorizationServerMetadata.parse(
                    raw["server"],
                    issuer=raw["issuer"],
                    allow_loopback_http=context.allow_loopback_http,
                ),
                dpop_key=DpopKey.load(raw["dpop_key"]),
                verifier=str(raw["verifier"]),
                redirect_uri=str(raw["redirect_uri"]),
                scope=str(raw["scope"]),
                created_at=float(raw["created_at"]),
                expected_did=raw.get("expected_did"),
                pds=raw.get("pds"),
                handle=raw.get("handle"),
                client_kid=raw.get("client_kid"),
                nonces=dict(raw.get("nonces") or {}),
                app_state=raw.get("app_state"),
            )
        except (KeyError, TypeError, ValueError, OAuthError) as exc:
            raise StateError(f"the stored authorization is unusable: {exc}") from None
