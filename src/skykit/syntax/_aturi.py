"""AT-URI syntax as the lexicon ``at-uri`` format restricts it (atproto.com/specs/at-uri-scheme):
``at://AUTHORITY[/COLLECTION[/RKEY]]``, with no query, fragment or trailing slash."""

from __future__ import annotations

from typing import Self

from skykit.syntax._at_identifier import AtIdentifier, at_identifier_problem
from skykit.syntax._base import SyntaxStr
from skykit.syntax._errors import InvalidSyntaxError, not_a_str, show
from skykit.syntax._nsid import NSID, nsid_problem
from skykit.syntax._record_key import RecordKey, record_key_problem

ATURI_MAX_LENGTH = 8192
"""Maximum AT-URI length (8 KiB; the string is ASCII, so characters equal bytes)."""
_SCHEME = "at://"


def aturi_problem(value: str) -> str | None:
    """What is wrong with `value` as an AT-URI, or None when it is valid."""
    if len(value) > ATURI_MAX_LENGTH:
        return f"longer than {ATURI_MAX_LENGTH} characters"
    if not value.startswith(_SCHEME):
        return f"must start with {_SCHEME!r}"
    rest = value[len(_SCHEME) :]
    if "?" in rest or "#" in rest:
        return "query and fragment parts are not allowed"
    parts = rest.split("/")
    if len(parts) > 3:
        if parts[3:] == [""]:
            return "trailing '/' is not allowed"
        return "too many path segments (at most a collection and a record key)"
    authority = parts[0]
    if not authority:
        return "empty authority"
    problem = at_identifier_problem(authority)
    if problem is not None:
        return f"authority {show(authority)} is not a handle or DID: {problem}"
    if len(parts) == 1:
        return None
    collection = parts[1]
    if not collection:
        return "trailing '/' is not allowed" if len(parts) == 2 else "empty collection"
    problem = nsid_problem(collection)
    if problem is not None:
        return f"collection {show(collection)} is not an NSID: {problem}"
    if len(parts) == 2:
        return None
    rkey = parts[2]
    if not rkey:
        return "trailing '/' is not allowed"
    problem = record_key_problem(rkey)
    if problem is not None:
        return f"record key {show(rkey)} is invalid: {problem}"
    return None


class AtUri(SyntaxStr, format_name="at-uri", find_problem=aturi_problem):
    """An AT-URI such as ``at://did:plc:abc/app.bsky.feed.post/3jzfcijpj2z2a``.

    Kept exactly as given, so ``str(AtUri(s)) == s``. The parts are typed values:
    ``authority`` (handle or DID), ``collection`` and ``rkey`` (None when absent).
    """

    __slots__ = ()

    @classmethod
    def make(cls, authority: str, collection: str | None = None, rkey: str | None = None) -> Self:
        """Build and validate an AT-URI from its parts (a record key needs a collection)."""
        for part in (authority, collection, rkey):
            if part is not None and not isinstance(part, str):
                raise not_a_str(cls.format_name, part)
        if rkey is not None and collection is None:
            raise InvalidSyntaxError(
                cls.format_name, f"{_SCHEME}{authority}", f"record key {rkey!r} needs a collection"
            )
        path = [part for part in (authority, collection, rkey) if part is not None]
        return cls(_SCHEME + "/".join(path))

    def _parts(self) -> list[str]:
        return self[len(_SCHEME) :].split("/")

    @property
    def authority(self) -> AtIdentifier:
        """The repository: a handle or DID, as written."""
        return AtIdentifier._trusted(self._parts()[0])

    @property
    def collection(self) -> NSID | None:
        parts = self._parts()
        return NSID._trusted(parts[1]) if len(parts) > 1 else None

    @property
    def rkey(self) -> RecordKey | None:
        parts = self._parts()
        return RecordKey._trusted(parts[2]) if len(parts) > 2 else None
