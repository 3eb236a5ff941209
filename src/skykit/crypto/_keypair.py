"""``Keypair``: a private signing key that signs the way atproto requires."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn, final

from skykit.crypto import _ecdsa
from skykit.crypto._curves import CurveName, CurveSpec, curve_spec
from skykit.crypto._errors import CryptoError, InvalidInputError
from skykit.crypto._inputs import BytesLike, as_bytes
from skykit.crypto._public_key import PublicKey

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey


@final
class Keypair:
    """A p256 or k256 private key with its public key.

    Make one with ``Keypair.generate(curve)``, ``Keypair.from_private_bytes(raw, curve)``,
    or ``Keypair(key)`` around an existing ``cryptography`` EC private key. Signatures are
    raw 64-byte ``r || s`` over SHA-256 of the data, always low-S. ``repr`` shows only the
    curve and the public did:key: the private key is a secret.
    """

    __slots__ = ("_key", "_public", "_spec")

    _key: EllipticCurvePrivateKey
    _public: PublicKey
    _spec: CurveSpec

    def __init__(self, private_key: EllipticCurvePrivateKey) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        if not isinstance(private_key, ec.EllipticCurvePrivateKey):
            raise InvalidInputError(
                "Keypair() takes a cryptography EllipticCurvePrivateKey, got "
                f"{type(private_key).__name__}; use Keypair.generate or "
                "Keypair.from_private_bytes"
            )
        self._spec = _ecdsa.spec_of(private_key)
        self._key = private_key
        self._public = PublicKey._from_cryptography(private_key.public_key())

    @classmethod
    def generate(cls, curve: str = "k256") -> Keypair:
        """A new random key on ``curve`` (``"p256"``/``"k256"`` or ``"ES256"``/``"ES256K"``);
        k256 by default, as the reference implementation does."""
        return cls(_ecdsa.generate(curve_spec(curve)))

    @classmethod
    def from_private_bytes(cls, raw: BytesLike, curve: str) -> Keypair:
        """The key whose private scalar is the 32-byte big-endian ``raw`` on ``curve``."""
        spec = curve_spec(curve)
        return cls(_ecdsa.derive(spec, as_bytes(raw, "raw")))

    @property
    def curve(self) -> CurveName:
        """``"p256"`` or ``"k256"``."""
        return self._spec.name

    @property
    def jwt_alg(self) -> str:
        """The JWT ``alg`` of this key's signatures: ``"ES256"`` or ``"ES256K"``."""
        return self._spec.jwt_alg

    @property
    def public_key(self) -> PublicKey:
        return self._public

    def did_key(self) -> str:
        """The ``did:key:z...`` of the public key."""
        return self._public.did_key()

    def private_bytes(self) -> bytes:
        """The 32-byte big-endian private scalar. A secret: store it like a password."""
        return _ecdsa.private_scalar(self._key)

    def sign(self, data: BytesLike) -> bytes:
        """A raw 64-byte low-S ``r || s`` signature over SHA-256(``data``)."""
        return _ecdsa.sign(self._key, self._spec, as_bytes(data, "data"))

    def verify(self, data: BytesLike, signature: BytesLike) -> bool:
        """``self.public_key.verify(data, signature)``."""
        return self._public.verify(data, signature)

    def __repr__(self) -> str:
        return f"Keypair(curve={self.curve!r}, did_key={self.did_key()!r})"

    def __copy__(self) -> Keypair:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, object]) -> Keypair:
        return self

    def __reduce__(self) -> NoReturn:
        # A pickle would carry the private key wherever it goes (logs, queues, caches).
        raise CryptoError(
            "a Keypair is not picklable; store Keypair.private_bytes() deliberately instead"
        )
