"""The two curves atproto uses and every name they go by.

Kept free of ``cryptography`` imports so that parsing names and multicodec prefixes is cheap.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from skykit.crypto._errors import InvalidInputError, UnsupportedCurveError
from skykit.crypto._inputs import shown

CurveName = Literal["p256", "k256"]


class CurveSpec(NamedTuple):
    """Constants of one curve, as atproto names and encodes it.

    (A NamedTuple rather than a dataclass: ``dataclasses`` would add ~8 ms to the import.)
    """

    name: CurveName
    jwt_alg: str
    multicodec: int
    prefix: bytes
    """The multicodec code as an unsigned varint, as it leads a multikey."""
    legacy_suite: str
    """The DID document verification method type of the pre-Multikey format."""
    order: int
    """The group order n; a signature's s must not exceed n // 2 (low-S)."""


P256 = CurveSpec(
    name="p256",
    jwt_alg="ES256",
    multicodec=0x1200,
    prefix=b"\x80\x24",
    legacy_suite="EcdsaSecp256r1VerificationKey2019",
    order=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
)
K256 = CurveSpec(
    name="k256",
    jwt_alg="ES256K",
    multicodec=0xE7,
    prefix=b"\xe7\x01",
    legacy_suite="EcdsaSecp256k1VerificationKey2019",
    order=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
)
CURVES: tuple[CurveSpec, ...] = (P256, K256)

_BY_NAME = {spec.name: spec for spec in CURVES} | {spec.jwt_alg: spec for spec in CURVES}
_BY_SUITE = {spec.legacy_suite: spec for spec in CURVES}
_BY_CODE = {spec.multicodec: spec for spec in CURVES}


def curve_spec(curve: object) -> CurveSpec:
    """The curve called ``curve``: ``"p256"``/``"k256"`` or JWT ``"ES256"``/``"ES256K"``."""
    if not isinstance(curve, str):
        raise InvalidInputError(f"curve must be a str, got {type(curve).__name__}")
    spec = _BY_NAME.get(curve)
    if spec is None:
        raise UnsupportedCurveError(
            f"unsupported curve {shown(curve)}: expected 'p256' or 'k256' "
            "(or the JWT names 'ES256' / 'ES256K')"
        )
    return spec


def curve_for_name(name: str) -> CurveSpec | None:
    """The curve called ``name``, or ``None``; ``curve_spec`` is the raising variant."""
    return _BY_NAME.get(name)


def curve_for_suite(suite: str) -> CurveSpec | None:
    """The curve of a legacy verification method type, or ``None`` when it is not one."""
    return _BY_SUITE.get(suite)


def curve_for_multicodec(code: int) -> CurveSpec | None:
    return _BY_CODE.get(code)


LEGACY_SUITES: tuple[str, ...] = tuple(_BY_SUITE)
