"""Keys and signatures of the AT Protocol: p256 and k256 ECDSA over SHA-256, low-S, with
public keys as ``did:key`` / Multikey strings.

``verify_signature(did_key, data, signature)`` is the one-call check; ``PublicKey`` parses
every form a key takes (did:key, Multikey, legacy DID document suites); ``Keypair`` signs.
The ``cryptography`` package is loaded on first use, not on import.
"""

from __future__ import annotations

from skykit.crypto._curves import CurveName
from skykit.crypto._errors import (
    CryptoError,
    InvalidInputError,
    InvalidKeyError,
    UnsupportedCurveError,
    UnsupportedKeyTypeError,
)
from skykit.crypto._keypair import Keypair
from skykit.crypto._public_key import PublicKey, verify_signature

__all__ = [
    "CryptoError",
    "CurveName",
    "InvalidInputError",
    "InvalidKeyError",
    "Keypair",
    "PublicKey",
    "UnsupportedCurveError",
    "UnsupportedKeyTypeError",
    "verify_signature",
]
