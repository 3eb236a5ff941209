"""MST keys: repo paths ``collection/rkey`` as ASCII bytes, and their checks."""

from __future__ import annotations

import re
from typing import Final

from skykit.repo._errors import MstError, MstKeyError

MAX_KEY_LENGTH: Final = 1024  # an NSID (317) + "/" + a record key (512) fits with room
_KEY: Final = re.compile(rb"[A-Za-z0-9._~:-]+/[A-Za-z0-9._~:-]+")


def is_valid_key(key: str) -> bool:
    """Whether ``key`` is a valid MST key: ``<collection>/<record key>`` in the allowed
    ASCII characters, both parts non-empty, at most ``MAX_KEY_LENGTH`` bytes."""
    if type(key) is not str or not key.isascii() or len(key) > MAX_KEY_LENGTH:
        return False
    return _KEY.fullmatch(key.encode("ascii")) is not None


def check_key(key: str) -> bytes:
    """``key`` as bytes; ``MstKeyError`` if it is not a valid MST key."""
    if not is_valid_key(key):
        raise MstKeyError(
            f"invalid MST key {key!r:.120}: expected '<collection>/<record key>' in ASCII "
            f"letters, digits and . _ ~ : - (at most {MAX_KEY_LENGTH} bytes)"
        )
    return key.encode("ascii")


def key_text(key: bytes, where: str) -> str:
    """A stored key as ``str``; keys are ASCII, so anything else is a malformed node."""
    try:
        return key.decode("ascii")
    except UnicodeDecodeError:
        raise MstError(f"{where} holds a key that is not ASCII: {key[:120]!r}") from None
