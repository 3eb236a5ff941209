"""``OAuthSession``: DPoP-bound tokens for one account, usable by ``skykit.Client`` and
``AsyncClient`` exactly like a password session (it is an ``Authenticator``).

Every request carries ``Authorization: DPoP <token>`` and a fresh proof bound to the token
(``ath``). A ``use_dpop_nonce`` answer is resent once with the new nonce; ``invalid_token``
makes the client refresh (once, even when many calls see it together); a refresh token is
never sent twice. Tokens and keys stay out of ``repr``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from skykit.oauth._context import ClientContext, Lineage
from skykit.oauth._dpop import body_error, challenge, challenge_error, proof, wants_new_nonce
from skykit.oauth._errors import (
    DpopError,
    InvalidGrantError,
    OAuthError,
    SessionEndedError,
    SessionLoadError,
    SubjectMismatchError,
    TokenError,
)
from skykit.oauth._keys import DpopKey
from skykit.oauth._metadata import AuthorizationServerMetadata
from skykit.oauth._ops import Plan
from skykit.oauth._scope_missing import ScopeMissingError
from skykit.oauth._tokens import grant, revoke_token
from skykit.xrpc._flow import Sleep

if TYPE_CHECKING:
    from skykit.xrpc._auth import Purpose
    from skykit.xrpc._flow import Action, HttpResult, Send, State

FORMAT = "skykit.oauth.session/1"
REFRESH_MARGIN = 60.0  # seconds before expiry at which a restored session is refreshed
WAIT_STEP = 0.05
WAIT_STEPS = 600  # at most 30 s waiting for another refresh of the same session


@dataclass(frozen=True)
class OAuthSession:
    """An OAuth session: the account (``did``, ``handle``), its PDS (``service``), the
    authorization server (``issuer``) and the granted ``scope``. Hand it to
    ``client.resume_session(session)`` or use ``OAuthClient.client(session)``."""

    did: str
    handle: str
    service: str
    issuer: str
    client_id: str
    scope: str
    server: AuthorizationServerMetadata = field(repr=False)
    dpop_key: DpopKey = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float | None = None
    client_kid: str | None = None
    _context: ClientContext | None = field(default=None, repr=False, compare=False)
    _lineage: Lineage = field(default_factory=Lineage, repr=False, compare=False)

    # -- Authenticator ---------------------------------------------------------------

    def authorize(self, send: Send, purpose: Purpose) -> Send:
        dpop = proof(
            self.dpop_key,
            send.method,
            send.url,
            nonce=self._lineage.nonces.get(send.url),
            access_token=self.access_token,
        )
        headers = {**send.headers, "Authorization": f"DPoP {self.access_token}", "DPoP": dpop}
        return replace(send, headers=headers)

    def retry_once(self, result: HttpResult) -> bool:
        self._raise_for(result)
        self._lineage.nonces.remember(self.service, result.headers)
        return wants_new_nonce(result.status, result.headers, result.content)

    def expired(self, result: HttpResult) -> bool:
        self._raise_for(result)
        if result.status != 401:
            return False
        reason = challenge_error(result.headers) or body_error(result.content)
        if reason in ("invalid_token", "InvalidToken", "ExpiredToken"):
            return True
        return self.expires_at is not None and self._now() >= self.expires_at

    def refresh(self, state: State) -> Generator[Action, Any, OAuthSession]:
        renewed = yield from refresh_session(self)  # type: ignore[misc]
        return renewed

    def revoke(self, state: State) -> Generator[Action, Any, None]:
        yield from revoke_session(self)  # type: ignore[misc]

    def export(self) -> dict[str, Any]:
        """The session as a JSON-ready dict: tokens and the DPoP private key included,
        so store it like a password."""
        return {
            "format": FORMAT,
            "did": self.did,
            "handle": self.handle,
            "service": self.service,
            "issuer": self.issuer,
            "client_id": self.client_id,
            "scope": self.scope,
            "server": dict(self.server.raw),
            "dpop_key": self.dpop_key.export(),
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "client_kid": self.client_kid,
        }

    # -- helpers ---------------------------------------------------------------------

    @classmethod
    def load(cls, data: str | Mapping[str, Any], context: ClientContext) -> OAuthSession:
        """A session from ``export()``'s dict (or its JSON text), bound to ``context``."""
        try:
            raw = json.loads(data) if isinstance(data, str) else dict(data)
        except ValueError:
            raise SessionLoadError("session text is not JSON") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise SessionLoadError("not an exported skykit OAuth session")
        if raw.get("client_id") != context.client_id:
            raise SessionLoadError(
                f"the session belongs to client {raw.get('client_id')!r}, not {context.client_id!r}"
            )
        try:
            server = AuthorizationServerMetadata.parse(
                raw["server"],
                issuer=raw["issuer"],
                allow_loopback_http=context.allow_loopback_http,
            )
            key = DpopKey.load(raw["dpop_key"])
            session = cls(
                did=str(raw["did"]),
                handle=str(raw["handle"]),
                service=str(raw["service"]),
                issuer=str(raw["issuer"]),
                client_id=str(raw["client_id"]),
                scope=str(raw["scope"]),
                server=server,
                dpop_key=key,
                access_token=str(raw["access_token"]),
                refresh_token=raw.get("refresh_token"),
                expires_at=raw.get("expires_at"),
                client_kid=raw.get("client_kid"),
                _context=context,
                _lineage=context.lineage(str(raw["did"]), key.thumbprint),
            )
        except (KeyError, TypeError) as exc:
            raise SessionLoadError(f"stored session lacks or mangles {exc}") from None
        except OAuthError as exc:
            raise SessionLoadError(f"stored session is unusable: {exc}") from None
        return session

    def needs_refresh(self, margin: float = REFRESH_MARGIN) -> bool:
        """Whether the access token expires within ``margin`` seconds."""
        return self.expires_at is not None and self._now() + margin >= self.expires_at

    def _now(self) -> float:
        return self._context.clock() if self._context is not None else time.time()

    def _raise_for(self, result: HttpResult) -> None:
        """Errors a PDS answer means for an OAuth session, raised in their own class."""
        error = body_error(result.content)
        if result.status == 403 and error == "ScopeMissingError":
            message = _message(result.content)
            raise ScopeMissingError(
                f"the session's scope ({self.scope}) does not allow this call: {message}",
                status=403,
                error=error,
                headers=result.headers,
            )
        if result.status != 401:
            return
        params = challenge(result.headers)
        reason = params.get("error_description", "")[:200]
        if params.get("error") == "invalid_dpop_proof" or (
            params.get("error") == "invalid_token" and "dpop" in reason.lower()
        ):
            # Refreshing would not help: a refresh with the wrong key ends the session.
            raise DpopError(
                f"{self.service} refused the session's DPoP proof ({reason or params['error']}): "
                "the DPoP key is not the one the tokens are bound to"
            )


def _message(content: bytes) -> str:
    try:
        payload = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return ""
    message = payload.get("message") if isinstance(payload, dict) else None
    return message[:300] if isinstance(message, str) else ""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _context_of(session: OAuthSession) -> ClientContext:
    if session._context is None:
        raise OAuthError("this session is not bound to an OAuth client (load it with one)")
    return session._context


def _adopt(session: OAuthSession) -> OAuthSession | None:
    """A newer session of the same line, refreshed by another call or process."""
    latest = session._lineage.latest
    if isinstance(latest, OAuthSession) and latest.refresh_token != session.refresh_token:
        return latest
    context = session._context
    stored = context.sessions.get(session.did) if context is not None else None
    if stored is None or stored.get("refresh_token") == session.refresh_token:
        return None
    if stored.get("dpop_key", {}).get("x") != session.dpop_key.public_jwk["x"]:
        return None  # another sign-in replaced this session: it cannot adopt those tokens
    assert context is not None
    return OAuthSession.load(stored, context)


def refresh_session(session: OAuthSession) -> Plan[OAuthSession]:
    """New tokens for ``session``: one refresh request per line of sessions, even when
    many calls ask at once (the others wait for it and take its result)."""
    lineage = session._lineage
    for _ in range(WAIT_STEPS):
        with lineage.lock:
            if not lineage.refreshing:
                lineage.refreshing = True
                break
        yield Sleep(WAIT_STEP)
    else:
        raise TokenError(f"gave up waiting for another refresh of the session of {session.did}")
    try:
        newer = _adopt(session)
        if newer is not None:
            lineage.latest = newer
            return newer
        renewed = yield from _refresh_now(session)
    finally:
        lineage.refreshing = False
    return renewed


def _refresh_now(session: OAuthSession) -> Plan[OAuthSession]:
    context = _context_of(session)
    lineage = session._lineage
    token = session.refresh_token
    if lineage.ended or token is None:
        raise SessionEndedError(
            f"the session of {session.did} has ended (no refresh token): sign in again"
        )
    digest = _digest(token)
    if digest in lineage.spent:
        raise SessionEndedError(
            f"the refresh token of {session.did}'s session was already used; it is never "
            "sent twice (that would end the session): restore the session from its store"
        )
    lineage.spent.add(digest)
    try:
        tokens = yield from grant(
            session.server.token_endpoint,
            {"grant_type": "refresh_token", "refresh_token": token},
            key=session.dpop_key,
            nonces=lineage.nonces,
            client_auth=context.client_auth(session.issuer, session.client_kid),
            what=f"refreshing the session of {session.did}",
            secrets=(token, session.access_token),
            clock=context.clock,
        )
    except InvalidGrantError as exc:
        lineage.ended = True
        _forget(context, session)
        raise SessionEndedError(
            f"{exc}; sign in again", error=exc.error, status=exc.status
        ) from None
    except TokenError as exc:
        if not exc.sent:
            lineage.spent.discard(digest)  # it never left: sending it later is no replay
        raise
    if tokens.sub != session.did:
        raise SubjectMismatchError(f"the refreshed tokens are for {tokens.sub}, not {session.did}")
    renewed = replace(
        session,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        scope=tokens.scope,
        expires_at=tokens.expires_at,
    )
    lineage.latest = renewed
    context.sessions.save(session.did, renewed.export())
    return renewed


def _forget(context: ClientContext, session: OAuthSession) -> None:
    stored = context.sessions.get(session.did)
    if (
        stored is not None
        and stored.get("dpop_key", {}).get("x") == session.dpop_key.public_jwk["x"]
    ):
        context.sessions.delete(session.did)


def revoke_session(session: OAuthSession) -> Plan[None]:
    """Sign out: revoke the tokens at the authorization server and forget the session."""
    context = _context_of(session)
    lineage = session._lineage
    latest = lineage.latest if isinstance(lineage.latest, OAuthSession) else session
    lineage.ended = True
    try:
        endpoint = session.server.revocation_endpoint
        if endpoint is not None:
            auth = context.client_auth(session.issuer, session.client_kid)
            for token in (latest.refresh_token, latest.access_token):
                if token is not None:
                    yield from revoke_token(
                        endpoint,
                        token,
                        key=session.dpop_key,
                        nonces=lineage.nonces,
                        client_auth=auth,
                    )
    finally:
        _forget(context, session)
