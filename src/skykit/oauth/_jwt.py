"""Compact ES256 JWS and P-256 JWKs: what DPoP proofs and client assertions are made of.

``skykit.crypto.Keypair`` already signs the way JWS wants (raw ``r || s``, low-S), so a JWT
here is three base64url parts and one ``sign`` call.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

from skykit.crypto import CryptoError, Keypair, PublicKey

ALG = "ES256"
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding; ``ValueError`` on anything else."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not unpadded base64url") from None


def random_token(size: int = 32) -> str:
    """A random URL-safe token of ``size`` bytes of entropy (state, jti, PKCE verifier)."""
    return secrets.token_urlsafe(size)


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def sign_jwt(key: Keypair, header: Mapping[str, Any], claims: Mapping[str, Any]) -> str:
    """A compact JWS of ``claims`` signed with ``key`` (ES256)."""
    signing_input = f"{b64url(_json({**header, 'alg': ALG}))}.{b64url(_json(claims))}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"


def public_jwk(public: PublicKey) -> dict[str, str]:
    """The JWK of a P-256 public key: ``kty``, ``crv``, ``x``, ``y`` (in thumbprint order)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public.compressed)
    numbers = point.public_numbers()
    return {
        "crv": "P-256",
        "kty": "EC",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def jwk_thumbprint(jwk: Mapping[str, str]) -> str:
    """The RFC 7638 SHA-256 thumbprint of an EC JWK."""
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    return b64url(hashlib.sha256(canonical).digest())


def check_public_jwk(jwk: Any) -> str | None:
    """Why ``jwk`` is not a usable P-256 public key, or None when it is."""
    if not isinstance(jwk, Mapping):
        return "a JWK must be a JSON object"
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        return f"only EC P-256 keys are supported (kty={jwk.get('kty')!r}, crv={jwk.get('crv')!r})"
    if "d" in jwk:
        return "a public JWK must not hold the private part 'd'"
    if jwk.get("alg") not in (None, ALG):
        return f"'alg' must be ES256, got {jwk.get('alg')!r}"
    if jwk.get("use") not in (None, "sig"):
        return f"'use' must be 'sig', got {jwk.get('use')!r}"
    try:
        x = b64url_decode(jwk.get("x", ""))
        y = b64url_decode(jwk.get("y", ""))
    except ValueError:
        return "'x' and 'y' must be base64url"
    if len(x) != 32 or len(y) != 32:
        return "'x' and 'y' must be 32 bytes each"
    try:
        _point_from_xy(x, y)
    except (ValueError, CryptoError):
        return "'x' and 'y' are not a point on P-256"
    return None


def _point_from_xy(x: bytes, y: bytes) -> PublicKey:
    return PublicKey(b"\x04" + x + y, "p256")


def keypair_from_d(d: str) -> Keypair:
    """The P-256 key whose private scalar is the base64url ``d``."""
    try:
        raw = b64url_decode(d)
        if len(raw) != 32:
            raise ValueError("'d' must be 32 bytes")
        return Keypair.from_private_bytes(raw, "p256")
    except (ValueError, CryptoError):
        raise ValueError("not a P-256 private key") from None


def ath(access_token: str) -> str:
    """The DPoP ``ath`` claim: base64url SHA-256 of the access token."""
    return b64url(hashlib.sha256(access_token.encode("ascii")).digest())
