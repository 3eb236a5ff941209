"""A logged-in session: who, where, and the tokens (which never show in repr or logs)."""

from __future__ import annotations

import json
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from skykit.xrpc._errors import XrpcError

if TYPE_CHECKING:
    from skykit.xrpc._auth import Purpose
    from skykit.xrpc._flow import Action, HttpResult, Send, State


class SessionError(XrpcError):
    """A session could not be used, resumed or refreshed."""


def pds_endpoint(did_doc: Any) -> str | None:
    """The ``#atproto_pds`` service endpoint of a DID document, if it has one."""
    if not isinstance(did_doc, Mapping):
        return None
    for service in did_doc.get("service") or []:
        if not isinstance(service, Mapping):
            continue
        ident = service.get("id")
        endpoint = service.get("serviceEndpoint")
        if isinstance(ident, str) and ident.endswith("#atproto_pds") and isinstance(endpoint, str):
            return endpoint.rstrip("/")
    return None


@dataclass(frozen=True)
class Session:
    """An authenticated session with a PDS.

    ``service`` is where calls go: the PDS named by the account's DID document when login
    went through another host (an entryway). Tokens are kept out of ``repr``.
    """

    did: str
    handle: str
    service: str
    access_jwt: str = field(repr=False)
    refresh_jwt: str = field(repr=False)
    email: str | None = None
    active: bool | None = None

    @classmethod
    def from_response(cls, payload: Mapping[str, Any], login_service: str) -> Session:
        """From a createSession/refreshSession response."""
        try:
            return cls(
                did=str(payload["did"]),
                handle=str(payload["handle"]),
                service=pds_endpoint(payload.get("didDoc")) or login_service.rstrip("/"),
                access_jwt=str(payload["accessJwt"]),
                refresh_jwt=str(payload["refreshJwt"]),
                email=payload.get("email"),
                active=payload.get("active"),
            )
        except KeyError as exc:
            raise SessionError(f"session response lacks {exc.args[0]!r}") from None

    def refreshed(self, payload: Mapping[str, Any]) -> Session:
        updated = Session.from_response({**self.export(), **payload}, self.service)
        return replace(updated, service=pds_endpoint(payload.get("didDoc")) or self.service)

    # -- Authenticator: bearer tokens from createSession ------------------------------

    def authorize(self, send: Send, purpose: Purpose) -> Send:
        token = self.refresh_jwt if purpose == "refresh" else self.access_jwt
        return replace(send, headers={**send.headers, "Authorization": f"Bearer {token}"})

    def retry_once(self, result: HttpResult) -> bool:
        return False

    def expired(self, result: HttpResult) -> bool:
        from skykit.xrpc._flow import error_name

        return result.status in (400, 401) and error_name(result) == "ExpiredToken"

    def refresh(self, state: State) -> Generator[Action, Any, Session]:
        from skykit.xrpc import _flow

        call = _flow.Call(
            "POST",
            "com.atproto.server.refreshSession",
            errors=_flow.session_errors(),
            auth="refresh",
        )
        payload = yield from _flow.run_call(state, call)
        if not isinstance(payload, dict):
            raise SessionError("refreshSession did not answer with a JSON object")
        return self.refreshed(payload)

    def revoke(self, state: State) -> Generator[Action, Any, None]:
        from skykit.xrpc import _flow

        call = _flow.Call(
            "POST",
            "com.atproto.server.deleteSession",
            errors=_flow.session_errors(),
            auth="refresh",
        )
        yield from _flow.run_call(state, call)

    def export(self) -> dict[str, Any]:
        """The session as a JSON-ready dict (contains the tokens: store it like a password)."""
        return {
            "did": self.did,
            "handle": self.handle,
            "service": self.service,
            "accessJwt": self.access_jwt,
            "refreshJwt": self.refresh_jwt,
            "email": self.email,
            "active": self.active,
        }

    @classmethod
    def load(cls, data: str | Mapping[str, Any]) -> Session:
        """A session from ``export()``'s dict or its JSON text."""
        try:
            raw = json.loads(data) if isinstance(data, str) else dict(data)
        except ValueError:
            raise SessionError("session text is not JSON") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("service"), str):
            raise SessionError("not an exported skykit session")
        return cls.from_response(raw, raw["service"])
