"""Syntax of atproto identifiers and lexicon string formats: strict checks and typed values.

``validate(format, value)`` checks a value against a lexicon string format by name.
The typed values (:class:`DID`, :class:`Handle`, :class:`NSID`, :class:`AtUri`, ...) are
``str`` subclasses validated on construction, so they can go anywhere a string goes.
All rejections raise :class:`InvalidSyntaxError` (a ``SkykitError`` and a ``ValueError``).

This module imports only the standard library, so it is cheap to load.
"""

from __future__ import annotations

from skykit.syntax._at_identifier import AtIdentifier
from skykit.syntax._aturi import ATURI_MAX_LENGTH, AtUri
from skykit.syntax._cid import CidString
from skykit.syntax._datetime import DATETIME_MAX_LENGTH, Datetime, now
from skykit.syntax._did import DID, DID_MAX_LENGTH
from skykit.syntax._errors import InvalidSyntaxError, OutOfRangeError, UnknownFormatError
from skykit.syntax._handle import (
    DISALLOWED_TLDS,
    HANDLE_MAX_LENGTH,
    INVALID_HANDLE,
    Handle,
    is_disallowed_tld,
)
from skykit.syntax._language import Language
from skykit.syntax._nsid import NSID, NSID_MAX_LENGTH
from skykit.syntax._record_key import RECORD_KEY_MAX_LENGTH, RecordKey
from skykit.syntax._tid import TID
from skykit.syntax._tid_clock import TidClock, next_tid
from skykit.syntax._uri import URI_MAX_BYTES, Uri
from skykit.syntax._validate import FORMATS, is_valid, validate

__all__ = [
    "ATURI_MAX_LENGTH",
    "DATETIME_MAX_LENGTH",
    "DID",
    "DID_MAX_LENGTH",
    "DISALLOWED_TLDS",
    "FORMATS",
    "HANDLE_MAX_LENGTH",
    "INVALID_HANDLE",
    "NSID",
    "NSID_MAX_LENGTH",
    "RECORD_KEY_MAX_LENGTH",
    "TID",
    "URI_MAX_BYTES",
    "AtIdentifier",
    "AtUri",
    "CidString",
    "Datetime",
    "Handle",
    "InvalidSyntaxError",
    "Language",
    "OutOfRangeError",
    "RecordKey",
    "TidClock",
    "UnknownFormatError",
    "Uri",
    "is_disallowed_tld",
    "is_valid",
    "next_tid",
    "now",
    "validate",
]
