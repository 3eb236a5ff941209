"""The authorization-code flow as plans: start (discovery, PKCE, PAR → the URL to send the
user to), finish (callback checks, token exchange, the ``sub`` check), and restore a
stored session."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from skykit.oauth._context import ClientContext
from skykit.oauth._discovery import Discovered, check_subject, discover, is_server_url
from skykit.oauth._dpop import Nonces
from skykit.oauth._errors import (
    AuthorizationDeniedError,
    AuthorizationError,
    ClientConfigError,
    IssuerMismatchError,
    OAuthError,
    ScopeError,
    SessionNotFoundError,
    StateError,
    SubjectMismatchError,
)
from skykit.oauth._jwt import b64url, random_token
from skykit.oauth._keys import DpopKey
from skykit.oauth._ops import Plan
from skykit.oauth._pending import PendingAuthorization
from skykit.oauth._scopes import Scopes
from skykit.oauth._session import OAuthSession, refresh_session
from skykit.oauth._tokens import grant, push_authorization, revoke_token

MAX_CALLBACK_PARAM = 4096
Prompt = Literal["login", "consent", "select_account", "create", "none"]


def pkce_challenge(verifier: str) -> str:
    """The S256 PKCE challenge of ``verifier`` (RFC 7636)."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


class CallbackResult(NamedTuple):
    """What a finished flow gives: the session, and the ``app_state`` passed to
    ``authorize`` (e.g. the page to return to)."""

    session: OAuthSession
    app_state: Any


def _scope_for(context: ClientContext, scope: str | None) -> str:
    declared = Scopes.parse(context.metadata.scope, strict=False)
    if scope is None:
        return str(declared)
    try:
        asked = Scopes.parse(scope, strict=False)
    except ScopeError as exc:
        raise ClientConfigError(f"scope: {exc}") from None
    if not asked.has_atproto:
        raise ClientConfigError(f"the scope {scope!r} must include 'atproto'")
    if not asked.issubset(declared):
        extra = sorted(set(asked.items) - set(declared.items))
        raise ClientConfigError(
            f"the scope asks for {extra[0]!r}, which the client metadata does not declare"
        )
    return str(asked)


def _redirect_for(context: ClientContext, redirect_uri: str | None) -> str:
    uri = redirect_uri or context.metadata.redirect_uris[0]
    if not context.metadata.redirect_uri_allowed(uri):
        raise ClientConfigError(f"redirect URI {uri!r} is not declared in the client metadata")
    return uri


def begin(
    context: ClientContext,
    target: str,
    *,
    redirect_uri: str | None = None,
    scope: str | None = None,
    prompt: Prompt | None = None,
    app_state: Any = None,
) -> Plan[str]:
    """Discover, push the authorization request, save it, and return the URL to send the
    user to."""
    if not isinstance(target, str) or not target.strip():
        raise ClientConfigError("authorize() needs a handle, DID or server URL")
    target = target.strip()
    uri = _redirect_for(context, redirect_uri)
    wanted = _scope_for(context, scope)
    found: Discovered = yield from discover(target, allow_loopback_http=context.allow_loopback_http)
    server = found.server
    key = DpopKey.generate()
    verifier = random_token(48)
    state = random_token(32)
    signing = context.signing_key()
    fields = {
        "response_type": "code",
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
        "redirect_uri": uri,
        "scope": wanted,
        "state": state,
    }
    if not is_server_url(target):
        fields["login_hint"] = target.removeprefix("@")
    if prompt is not None:
        fields["prompt"] = prompt
    pending = PendingAuthorization(
        state=state,
        server=server,
        dpop_key=key,
        verifier=verifier,
        redirect_uri=uri,
        scope=wanted,
        created_at=context.clock(),
        expected_did=found.identity.did if found.identity is not None else None,
        pds=found.pds,
        handle=found.identity.handle if found.identity is not None else None,
        client_kid=signing.kid if signing is not None else None,
        app_state=app_state,
    )
    nonces = Nonces()
    request_uri = yield from push_authorization(
        server.pushed_authorization_request_endpoint,
        fields,
        key=key,
        nonces=nonces,
        client_auth=context.client_auth(server.issuer, pending.client_kid),
    )
    pending = replace(pending, nonces=nonces.snapshot())
    context.states.save(state, pending.export())
    query = urlencode({"client_id": context.client_id, "request_uri": request_uri})
    return f"{server.authorization_endpoint}?{query}"


def callback_params(callback: str | Mapping[str, str]) -> dict[str, str]:
    """The callback's query parameters, from a mapping, a query string or the whole URL;
    a repeated or oversized parameter is refused."""
    if isinstance(callback, Mapping):
        pairs = list(callback.items())
    elif isinstance(callback, str):
        query = urlsplit(callback).query if "://" in callback else callback.lstrip("?")
        pairs = parse_qsl(query, keep_blank_values=True)
    else:
        raise AuthorizationError("the callback must be a URL, a query string or a mapping")
    params: dict[str, str] = {}
    for name, value in pairs:
        if not isinstance(value, str) or len(value) > MAX_CALLBACK_PARAM:
            raise AuthorizationError(f"callback parameter {name!r} is not a usable string")
        if name in params:
            raise AuthorizationError(f"callback parameter {name!r} is repeated")
        params[name] = value
    return params


def finish(context: ClientContext, callback: str | Mapping[str, str]) -> Plan[CallbackResult]:
    """Check the callback, exchange the code, check ``sub``, store and return the session."""
    params = callback_params(callback)
    state = params.get("state")
    if not state:
        raise StateError("the callback has no 'state': it does not answer a request of ours")
    raw = context.states.pop(state)
    if raw is None:
        raise StateError(
            "the callback's 'state' is unknown, expired or already used: start the sign-in again"
        )
    pending = PendingAuthorization.load(raw, context)
    if context.clock() - pending.created_at > context.state_ttl:
        raise StateError("the authorization request expired: start the sign-in again")
    iss = params.get("iss")
    if iss != pending.issuer:
        raise IssuerMismatchError(
            f"the callback's 'iss' is {iss!r}, but the request went to {pending.issuer!r}"
        )
    if "error" in params:
        description = params.get("error_description", "")[:300]
        raise AuthorizationDeniedError(
            f"the authorization server refused: {params['error']}"
            + (f" ({description})" if description else ""),
            error=params["error"],
        )
    code = params.get("code")
    if not code:
        raise AuthorizationError("the callback has neither 'code' nor 'error'")
    key = pending.dpop_key
    lineage_nonces = Nonces(pending.nonces)
    auth = context.client_auth(pending.issuer, pending.client_kid)
    tokens = yield from grant(
        pending.server.token_endpoint,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": pending.redirect_uri,
            "code_verifier": pending.verifier,
        },
        key=key,
        nonces=lineage_nonces,
        client_auth=auth,
        what="the token request",
        secrets=(code, pending.verifier),
        clock=context.clock,
    )
    try:
        if pending.expected_did is not None:
            if tokens.sub != pending.expected_did:
                raise SubjectMismatchError(
                    f"the tokens are for {tokens.sub}, but the sign-in was for "
                    f"{pending.expected_did}"
                )
            did, handle, pds = pending.expected_did, pending.handle, pending.pds
        else:
            identity, pds = yield from check_subject(
                tokens.sub, pending.issuer, allow_loopback_http=context.allow_loopback_http
            )
            did, handle = identity.did, identity.handle
    except SubjectMismatchError:
        yield from _discard(context, pending, tokens.refresh_token or tokens.access_token)
        raise
    assert pds is not None
    lineage = context.lineage(did, key.thumbprint)
    for origin_url, nonce in lineage_nonces.snapshot().items():
        lineage.nonces.set(origin_url, nonce)
    session = OAuthSession(
        did=did,
        handle=handle or "handle.invalid",
        service=pds,
        issuer=pending.issuer,
        client_id=context.client_id,
        scope=tokens.scope,
        server=pending.server,
        dpop_key=key,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        client_kid=pending.client_kid,
        _context=context,
        _lineage=lineage,
    )
    lineage.latest = session
    context.sessions.save(did, session.export())
    return CallbackResult(session, pending.app_state)


def _discard(context: ClientContext, pending: PendingAuthorization, token: str) -> Plan[None]:
    """Revoke tokens we will not use (best effort: the flow fails either way)."""
    endpoint = pending.server.revocation_endpoint
    if endpoint is None:
        return
    with contextlib.suppress(OAuthError):
        yield from revoke_token(
            endpoint,
            token,
            key=pending.dpop_key,
            nonces=Nonces(pending.nonces),
            client_auth=context.client_auth(pending.issuer, pending.client_kid),
        )


def restore(
    context: ClientContext, did: str, *, refresh: bool | Literal["auto"] = "auto"
) -> Plan[OAuthSession]:
    """The stored session of ``did``; refreshed first when ``refresh`` is True, or when
    its access token is about to expire (``"auto"``)."""
    stored = context.sessions.get(did)
    if stored is None:
        raise SessionNotFoundError(f"no OAuth session is stored for {did}: sign in first")
    session = OAuthSession.load(stored, context)
    latest = session._lineage.latest
    if isinstance(latest, OAuthSession) and latest.refresh_token == session.refresh_token:
        session = latest
    if refresh is True or (refresh == "auto" and session.needs_refresh()):
        session = yield from refresh_session(session)
    return session
