"""Exceptions of ``skykit.crypto``, named by what went wrong.

A failed signature check is not an error (``verify`` returns ``False``); these are raised for
inputs that cannot be used at all: a malformed key, a key type atproto does not support, an
unknown curve name, or an argument of the wrong type.
"""

from __future__ import annotations

from skykit.errors import SkykitError


class CryptoError(SkykitError):
    """Base class of every error raised by ``skykit.crypto``."""


class InvalidKeyError(CryptoError):
    """A key could not be parsed: bad ``did:key`` syntax, bad multibase, wrong length,
    a point that is not on its curve, or a private scalar out of range."""


class UnsupportedKeyTypeError(InvalidKeyError):
    """A well-formed key of a type atproto does not use (e.g. an ed25519 ``did:key``, or a
    DID document verification method type other than Multikey and the two legacy suites)."""


class UnsupportedCurveError(CryptoError):
    """A curve name other than ``p256``/``k256`` (or their JWT names ``ES256``/``ES256K``)."""


class InvalidInputError(CryptoError):
    """An argument has the wrong type, e.g. ``str`` where bytes are expected.

    Deliberately not a ``TypeError``: callers catch ``SkykitError`` for every bad input.
    """
