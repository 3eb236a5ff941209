"""Requests to the authorization server: PAR, the code and refresh grants, revocation.

Each carries a DPoP proof (with the server's latest nonce, retried once when the server
asks for a new one) and, for a confidential client, a fresh ``private_key_jwt`` assertion.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from skykit.oauth._dpop import Nonces, body_error, proof, wants_new_nonce
from skykit.oauth._errors import (
    DpopError,
    InvalidGrantError,
    ScopeError,
    TokenError,
    redact,
)
from skykit.oauth._keys import DpopKey
from skykit.oauth._ops import Plan, failure_text, json_body, post_form
from skykit.oauth._scopes import Scopes
from skykit.syntax._did import did_problem
from skykit.xrpc._flow import HttpResult

MAX_TOKEN_LENGTH = 16 * 1024
log = logging.getLogger("skykit.oauth")

ClientAuth = Callable[[], dict[str, str]]
"""Makes the client-authentication form fields for one request (fresh each time)."""


@dataclass(frozen=True)
class TokenSet:
    """What a token response granted. ``expires_at`` is Unix seconds (None: unknown)."""

    sub: str
    scope: str
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float | None = None

    @classmethod
    def parse(cls, payload: Any, what: str, now: float) -> TokenSet:
        if not isinstance(payload, Mapping):
            raise TokenError(f"{what}: the token response is not a JSON object")
        access = payload.get("access_token")
        refresh = payload.get("refresh_token")
        kind = payload.get("token_type")
        sub = payload.get("sub")
        scope = payload.get("scope")
        if not isinstance(access, str) or not 0 < len(access) <= MAX_TOKEN_LENGTH:
            raise TokenError(f"{what}: the response has no usable 'access_token'")
        if refresh is not None and (
            not isinstance(refresh, str) or not 0 < len(refresh) <= MAX_TOKEN_LENGTH
        ):
            raise TokenError(f"{what}: 'refresh_token' is not a usable string")
        if not isinstance(kind, str) or kind.lower() != "dpop":
            raise TokenError(f"{what}: 'token_type' must be DPoP, got {kind!r}")
        if not isinstance(sub, str) or did_problem(sub):
            raise TokenError(f"{what}: 'sub' must be the account's DID, got {sub!r}")
        if not isinstance(scope, str):
            raise TokenError(f"{what}: the response has no 'scope'")
        try:
            granted = Scopes.parse(scope, strict=False)
        except ScopeError as exc:
            raise TokenError(f"{what}: the granted scope is malformed: {exc}") from None
        if not granted.has_atproto:
            raise TokenError(f"{what}: the granted scope {scope!r} lacks 'atproto'")
        expires_in = payload.get("expires_in")
        expires_at = None
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
            seconds = float(expires_in)
            if math.isfinite(seconds) and seconds > 0:
                expires_at = now + seconds
        return cls(sub, scope, access, refresh, expires_at)


def server_error(result: HttpResult, what: str, secrets: tuple[str | None, ...]) -> TokenError:
    """The exception for an error answer of the authorization server."""
    error = body_error(result.content)
    description = ""
    try:
        payload = json.loads(result.content)
        if isinstance(payload, dict) and isinstance(payload.get("error_description"), str):
            description = payload["error_description"][:500]
    except (ValueError, UnicodeDecodeError):
        pass
    detail = redact(f"{error or 'an error'}{f': {description}' if description else ''}", secrets)
    message = f"{what} failed with HTTP {result.status}: {detail}"
    if error == "invalid_grant":
        return InvalidGrantError(message, error=error, status=result.status)
    if error in ("invalid_dpop_proof", "use_dpop_nonce"):
        return DpopTokenError(message, error=error, status=result.status)
    return TokenError(message, error=error, status=result.status)


def _never_sent(failure: Exception) -> bool:
    import httpx

    return isinstance(failure, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


class DpopTokenError(TokenError, DpopError):
    """The authorization server refused the request's DPoP proof."""


def server_request(
    url: str,
    fields: Mapping[str, str],
    *,
    key: DpopKey,
    nonces: Nonces,
    client_auth: ClientAuth,
    what: str,
    secrets: tuple[str | None, ...],
    ok: tuple[int, ...] = (200,),
) -> Plan[HttpResult]:
    """POST a form to the authorization server with DPoP; resend once with a new nonce
    when asked. Returns the successful result, raises ``TokenError`` otherwise."""
    result: HttpResult | None = None
    for attempt in range(2):
        headers = {"DPoP": proof(key, "POST", url, nonce=nonces.get(url))}
        result = yield post_form(url, {**fields, **client_auth()}, headers)
        if result.failure is not None:
            raise TokenError(
                f"{what}: no answer from {url}: {failure_text(result)}",
                sent=not _never_sent(result.failure),
            )
        log.debug("%s: POST %s answered HTTP %d", what, url, result.status)
        nonces.remember(url, result.headers)
        if attempt == 0 and wants_new_nonce(result.status, result.headers, result.content):
            continue
        break
    assert result is not None
    if result.status not in ok:
        raise server_error(result, what, secrets)
    return result


def push_authorization(
    url: str,
    fields: Mapping[str, str],
    *,
    key: DpopKey,
    nonces: Nonces,
    client_auth: ClientAuth,
) -> Plan[str]:
    """PAR (RFC 9126): send the authorization request, get its ``request_uri``."""
    what = "the pushed authorization request"
    result = yield from server_request(
        url,
        fields,
        key=key,
        nonces=nonces,
        client_auth=client_auth,
        what=what,
        secrets=(),
        ok=(200, 201),
    )
    payload = json_body(result, what, TokenError)
    request_uri = payload.get("request_uri") if isinstance(payload, dict) else None
    if not isinstance(request_uri, str) or not request_uri:
        raise TokenError(f"{what}: the response has no 'request_uri'")
    return request_uri


def grant(
    url: str,
    fields: Mapping[str, str],
    *,
    key: DpopKey,
    nonces: Nonces,
    client_auth: ClientAuth,
    what: str,
    secrets: tuple[str | None, ...],
    clock: Callable[[], float] = time.time,
) -> Plan[TokenSet]:
    """A token request (code or refresh grant) and its validated response."""
    result = yield from server_request(
        url,
        fields,
        key=key,
        nonces=nonces,
        client_auth=client_auth,
        what=what,
        secrets=secrets,
    )
    return TokenSet.parse(json_body(result, what, TokenError), what, clock())


def revoke_token(
    url: str,
    token: str,
    *,
    key: DpopKey,
    nonces: Nonces,
    client_auth: ClientAuth,
) -> Plan[None]:
    """RFC 7009 revocation of one token."""
    yield from server_request(
        url,
        {"token": token},
        key=key,
        nonces=nonces,
        client_auth=client_auth,
        what="token revocation",
        secrets=(token,),
    )
