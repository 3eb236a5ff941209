"""The two kinds of P-256 keys OAuth uses: a session's DPoP key, and a confidential
client's signing key (``private_key_jwt``). Both are secrets: ``repr`` shows only the
public thumbprint or ``kid``, and pickling is refused by the underlying ``Keypair``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skykit.crypto import Keypair
from skykit.oauth._errors import ClientConfigError
from skykit.oauth._jwt import b64url, jwk_thumbprint, keypair_from_d, public_jwk


class _P256Key:
    __slots__ = ("_jwk", "_keypair")

    def __init__(self, keypair: Keypair) -> None:
        if keypair.curve != "p256":
            raise ClientConfigError("OAuth keys must be P-256 (ES256) keys")
        self._keypair = keypair
        self._jwk = public_jwk(keypair.public_key)

    @property
    def keypair(self) -> Keypair:
        return self._keypair

    @property
    def thumbprint(self) -> str:
        """The RFC 7638 thumbprint of the public key."""
        return jwk_thumbprint(self._jwk)

    def _private_jwk(self) -> dict[str, str]:
        return {**self._jwk, "d": b64url(self._keypair.private_bytes())}

    @staticmethod
    def _keypair_from(jwk: Any, what: str) -> Keypair:
        if not isinstance(jwk, Mapping) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
            raise ClientConfigError(f"{what} must be an EC P-256 private JWK")
        d = jwk.get("d")
        if not isinstance(d, str):
            raise ClientConfigError(f"{what} has no private part 'd'")
        try:
            keypair = keypair_from_d(d)
        except ValueError:
            raise ClientConfigError(f"{what} has an invalid private part 'd'") from None
        if {"x": jwk.get("x"), "y": jwk.get("y")} != {
            k: public_jwk(keypair.public_key)[k] for k in ("x", "y")
        }:
            raise ClientConfigError(f"{what}: 'x'/'y' do not belong to 'd'")
        return keypair

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _P256Key)
            and type(other) is type(self)
            and other.thumbprint == self.thumbprint
        )

    def __hash__(self) -> int:
        return hash(self.thumbprint)


class DpopKey(_P256Key):
    """The key that binds a session's tokens to this client instance (RFC 9449). One per
    session, kept with it in the session store."""

    __slots__ = ()

    @classmethod
    def generate(cls) -> DpopKey:
        return cls(Keypair.generate("p256"))

    @property
    def public_jwk(self) -> dict[str, str]:
        return dict(self._jwk)

    def export(self) -> dict[str, str]:
        """The private JWK, for a session store (a secret)."""
        return self._private_jwk()

    @classmethod
    def load(cls, jwk: Any) -> DpopKey:
        return cls(cls._keypair_from(jwk, "the DPoP key"))

    def __repr__(self) -> str:
        return f"DpopKey(thumbprint={self.thumbprint!r})"


class ClientKey(_P256Key):
    """A confidential client's signing key: it signs ``private_key_jwt`` client assertions;
    its public half goes in the client's JWKS under ``kid``.

    Make one with ``ClientKey.generate("key-1")``, store ``export()`` (a private JWK) as a
    secret, and load it back with ``ClientKey.load(jwk)``.
    """

    __slots__ = ("_kid",)

    def __init__(self, keypair: Keypair, kid: str) -> None:
        if not isinstance(kid, str) or not kid or len(kid) > 256:
            raise ClientConfigError("a client key needs a non-empty 'kid' string")
        super().__init__(keypair)
        self._kid = kid

    @classmethod
    def generate(cls, kid: str) -> ClientKey:
        return cls(Keypair.generate("p256"), kid)

    @property
    def kid(self) -> str:
        return self._kid

    @property
    def public_jwk(self) -> dict[str, str]:
        """The public JWK for the client's JWKS."""
        return {**self._jwk, "kid": self._kid, "alg": "ES256", "use": "sig"}

    def export(self) -> dict[str, str]:
        """The private JWK (with ``kid``), to store as a secret."""
        return {**self._private_jwk(), "kid": self._kid, "alg": "ES256", "use": "sig"}

    @classmethod
    def load(cls, jwk: Any) -> ClientKey:
        keypair = cls._keypair_from(jwk, "the client key")
        kid = jwk.get("kid")
        if not isinstance(kid, str):
            raise ClientConfigError("the client key JWK has no 'kid'")
        return cls(keypair, kid)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClientKey) and (other.kid, other.thumbprint) == (
            self.kid,
            self.thumbprint,
        )

    def __hash__(self) -> int:
        return hash((self._kid, self.thumbprint))

    def __repr__(self) -> str:
        return f"ClientKey(kid={self._kid!r})"


def jwks(keys: list[ClientKey] | tuple[ClientKey, ...]) -> dict[str, list[dict[str, str]]]:
    """The public JWKS document of a confidential client."""
    return {"keys": [key.public_jwk for key in keys]}
