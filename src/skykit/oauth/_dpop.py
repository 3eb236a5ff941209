"""DPoP (RFC 9449): a fresh proof JWT for every request, and the server nonces to put in
them, remembered per origin (the PDS and the authorization server may differ)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from skykit.oauth._jwt import ath, random_token, sign_jwt
from skykit.oauth._keys import DpopKey
from skykit.oauth._urls import origin

_CHALLENGE_PARAM = re.compile(r'\b([a-z_]+)\s*=\s*"([^"]*)"')
MAX_NONCE_LENGTH = 1024


class Nonces:
    """The latest ``DPoP-Nonce`` each origin sent. Shared by a session and the sessions
    that replace it on refresh, so a nonce learnt once is reused by every later request."""

    def __init__(self, initial: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._by_origin: dict[str, str] = dict(initial or {})

    def get(self, url: str) -> str | None:
        with self._lock:
            return self._by_origin.get(origin(url))

    def set(self, url: str, nonce: str) -> None:
        with self._lock:
            self._by_origin[origin(url)] = nonce

    def remember(self, url: str, headers: Mapping[str, str]) -> bool:
        """Record the response's ``DPoP-Nonce`` for ``url``'s origin; whether it changed."""
        nonce = _header(headers, "dpop-nonce")
        if not nonce or len(nonce) > MAX_NONCE_LENGTH or not nonce.isascii():
            return False
        with self._lock:
            key = origin(url)
            changed = self._by_origin.get(key) != nonce
            self._by_origin[key] = nonce
        return changed

    def snapshot(self) -> dict[str, str]:
        with self._lock:
            return dict(self._by_origin)

    def __repr__(self) -> str:
        return f"<Nonces for {len(self._by_origin)} origin(s)>"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # a plain dict of headers is case-sensitive
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def htu(url: str) -> str:
    """The ``htu`` claim: the request URL without query and fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def proof(
    key: DpopKey,
    method: str,
    url: str,
    *,
    nonce: str | None = None,
    access_token: str | None = None,
    now: float | None = None,
) -> str:
    """A DPoP proof for one request (``ath`` binds it to ``access_token`` for resource
    requests)."""
    claims: dict[str, object] = {
        "jti": random_token(16),
        "htm": method.upper(),
        "htu": htu(url),
        "iat": int(time.time() if now is None else now),
    }
    if nonce is not None:
        claims["nonce"] = nonce
    if access_token is not None:
        claims["ath"] = ath(access_token)
    return sign_jwt(key.keypair, {"typ": "dpop+jwt", "jwk": key.public_jwk}, claims)


def challenge(headers: Mapping[str, str]) -> dict[str, str]:
    """The parameters of a ``WWW-Authenticate: DPoP ...`` challenge (empty if none)."""
    value = _header(headers, "www-authenticate")
    if not value or not value.lstrip().lower().startswith("dpop"):
        return {}
    return dict(_CHALLENGE_PARAM.findall(value[:2000]))


def challenge_error(headers: Mapping[str, str]) -> str | None:
    """The ``error`` of a ``WWW-Authenticate: DPoP ...`` challenge, if there is one."""
    return challenge(headers).get("error")


def body_error(content: bytes) -> str | None:
    """The OAuth ``error`` (or XRPC ``error``) of a JSON error body."""
    try:
        payload = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    error = payload.get("error") if isinstance(payload, dict) else None
    return error if isinstance(error, str) else None


def wants_new_nonce(status: int, headers: Mapping[str, str], content: bytes) -> bool:
    """Whether a response asks for the request again with the nonce it carries: ``400``
    ``use_dpop_nonce`` from an authorization server, ``401`` with a DPoP challenge from a
    resource server."""
    if _header(headers, "dpop-nonce") is None:
        return False
    if status == 401 and challenge_error(headers) == "use_dpop_nonce":
        return True
    return status in (400, 401) and body_error(content) == "use_dpop_nonce"
