"""The lexicon ``cid`` format: a CID written as a string (atproto.com/specs/data-model).

This checks the *string* form only: a CIDv1 in a multibase encoding (a one-character base
prefix, then characters of that base). Decoding it into version, codec and hash, and
checking those, is the data model's job (``skykit.data``). The legacy CIDv0 form
(``Qm...``, bare base58) is not allowed in atproto.
"""

from __future__ import annotations

import re

from skykit.syntax._base import SyntaxStr

CID_MIN_LENGTH = 8
CID_MAX_LENGTH = 256

# Multibase prefix -> the characters of that base (padding '=' where the base has it).
_MULTIBASE_ALPHABETS = {
    "0": "01",  # base2
    "7": "0-7",  # base8
    "9": "0-9",  # base10
    "f": "0-9a-f",  # base16
    "F": "0-9A-F",  # base16upper
    "v": "0-9a-v",  # base32hex
    "V": "0-9A-V",  # base32hexupper
    "t": "0-9a-v=",  # base32hexpad
    "T": "0-9A-V=",  # base32hexpadupper
    "b": "a-z2-7",  # base32 (atproto's canonical CID form)
    "B": "A-Z2-7",  # base32upper
    "c": "a-z2-7=",  # base32pad
    "C": "A-Z2-7=",  # base32padupper
    "h": "ybndrfg8ejkmcpqxot1uwisza345h769",  # base32z
    "k": "0-9a-z",  # base36
    "K": "0-9A-Z",  # base36upper
    "z": "1-9A-HJ-NP-Za-km-z",  # base58btc
    "Z": "1-9a-km-zA-HJ-NP-Z",  # base58flickr
    "m": "A-Za-z0-9+/",  # base64
    "M": "A-Za-z0-9+/=",  # base64pad
    "u": "A-Za-z0-9_\\-",  # base64url
    "U": "A-Za-z0-9_\\-=",  # base64urlpad
}
_PAYLOAD_RE = {
    prefix: re.compile(f"[{alphabet}]+") for prefix, alphabet in _MULTIBASE_ALPHABETS.items()
}


def cid_problem(value: str) -> str | None:
    """What is wrong with `value` as a CID string, or None when it is valid."""
    if not CID_MIN_LENGTH <= len(value) <= CID_MAX_LENGTH:
        return f"length {len(value)} is outside {CID_MIN_LENGTH}-{CID_MAX_LENGTH} characters"
    if value.startswith("Qm") and len(value) == 46:
        return "CIDv0 ('Qm...') is not allowed; use a CIDv1 string"
    payload = _PAYLOAD_RE.get(value[0])
    if payload is None:
        return f"{value[0]!r} is not a multibase prefix"
    if payload.fullmatch(value, 1) is None:
        bad = next(char for char in value[1:] if payload.fullmatch(char) is None)
        return f"character {bad!r} is not in the base of multibase prefix {value[0]!r}"
    return None


class CidString(SyntaxStr, format_name="cid", find_problem=cid_problem):
    """A CID in string form (e.g. ``bafyrei...``), syntax-checked only and kept as given."""

    __slots__ = ()

    @property
    def multibase_prefix(self) -> str:
        """The multibase prefix character: ``"b"`` for base32, ``"z"`` for base58btc, ..."""
        return self[0]
