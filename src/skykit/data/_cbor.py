"""DAG-CBOR encode/decode with the atproto rules, exact for links and byte strings.

libipld is the fast path, but it decodes a link to plain ``bytes`` and encodes any ``bytes``
that parse as a CID as a link. So each direction checks whether libipld's answer can be
trusted and otherwise falls back to cbor2, which keeps tag 42 apart from byte strings:

- decode: libipld decodes and re-encodes; equal bytes prove the input was canonical and
  that every CID-shaped byte string in the result was a link (libipld would have written a
  byte string as a link otherwise). Anything else goes through cbor2 and is then checked
  for canonical form by encoding it again.
- encode: values are lowered to what libipld expects (links as raw CID bytes); a genuine
  byte string that libipld would mistake for a link sends the value to cbor2 instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cbor2
import libipld

from skykit.data._cid import CID, check_binary_cid, is_link_shaped
from skykit.data._errors import DataModelError
from skykit.data._model import (
    MAX_DEPTH,
    MAX_INT,
    MIN_INT,
    Invalid,
    Value,
    check_int,
    check_typed_object,
)

_CID_TAG = 42

# libipld raises these for malformed input (RecursionError for very deep nesting).
_LIBIPLD_ERRORS = (ValueError, TypeError, OverflowError, RecursionError)


class _NeedsExactPath(Exception):
    """Internal: libipld's result is ambiguous here; use the exact cbor2 path."""


def decode_dag_cbor(data: bytes) -> dict[str, Value]:
    """Decode one DAG-CBOR object (a map) with the atproto data model rules.

    Raises DataModelError for anything that is not canonical DAG-CBOR atproto data:
    truncated or trailing bytes, floats, tags other than 42, non-string or unsorted keys,
    non-minimal integers, invalid CIDs, bad ``$type``/blob objects, over-deep nesting.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DataModelError(f"DAG-CBOR input must be bytes, got {type(data).__name__}")
    data = bytes(data)
    try:
        raw = libipld.decode_dag_cbor(data)
    except _LIBIPLD_ERRORS as exc:
        raise DataModelError(f"invalid DAG-CBOR: {_libipld_reason(exc)}") from None
    if type(raw) is not dict:
        raise DataModelError(f"DAG-CBOR top-level value must be a map, got {type(raw).__name__}")
    try:
        if libipld.encode_dag_cbor(raw) != data:
            raise _NeedsExactPath
        _adopt_map(raw, 1)
        return raw
    except _NeedsExactPath:
        return _decode_exact(data)
    except Invalid as exc:
        raise DataModelError(f"invalid DAG-CBOR data: {exc.describe()}") from None


def encode_dag_cbor(value: dict[str, Value]) -> bytes:
    """Encode a data model map as canonical DAG-CBOR."""
    if not isinstance(value, dict):
        raise DataModelError(f"top-level value must be a dict, got {type(value).__name__}")
    try:
        try:
            return bytes(libipld.encode_dag_cbor(_lower(value, 1, _link_for_libipld, True)))
        except _NeedsExactPath:
            lowered = _lower(value, 1, _link_for_cbor2, False)
            return bytes(cbor2.dumps(lowered, canonical=True))
    except Invalid as exc:
        raise DataModelError(f"cannot encode as DAG-CBOR: {exc.describe()}") from None
    except (ValueError, TypeError, OverflowError, cbor2.CBOREncodeError) as exc:
        # e.g. a str holding a lone surrogate, which UTF-8 cannot represent
        raise DataModelError(f"cannot encode as DAG-CBOR: {exc}") from None


def _libipld_reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nesting too deep"
    return str(exc).removeprefix("Failed to decode DAG-CBOR. ")


# -- decoding: turn libipld's output into data model values, in place ------------------


def _adopt_link(raw: bytes) -> CID:
    # Called for byte strings libipld may have decoded from a link (see is_link_shaped).
    if len(raw) == 36 and raw[1] < 0x80 and raw[2] == 0x12 and raw[3] == 0x20:
        return CID._trusted(raw)  # the usual CIDv1 + sha2-256, checked without parsing
    if check_binary_cid(raw):
        return CID._trusted(raw)
    raise _NeedsExactPath  # libipld may have read a malformed link as bytes


def _adopt_scalar(value: Any) -> Any:
    kind = type(value)
    if kind is int:
        check_int(value)
        return value
    if kind is float:
        raise Invalid(f"float {value!r} is not allowed in atproto data")
    raise Invalid(f"unsupported value of type {kind.__name__}")


# The two walkers below are the hot loop of every decode: common types are tested first
# and inline, and a path is only assembled when something is wrong.


def _adopt_map(obj: dict[str, Any], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise Invalid(f"nesting deeper than {MAX_DEPTH}")
    for key, item in obj.items():
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        try:
            if kind is bytes:
                if item and (item[0] == 1 or item[:2] == b"\x12\x20"):
                    obj[key] = _adopt_link(item)
            elif kind is dict:
                _adopt_map(item, depth + 1)
            elif kind is list:
                _adopt_list(item, depth + 1)
            elif kind is not int or not MIN_INT <= item <= MAX_INT:
                _adopt_scalar(item)
        except Invalid as exc:
            exc.path.append(key)
            raise
    if "$type" in obj:
        check_typed_object(obj)


def _adopt_list(items: list[Any], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise Invalid(f"nesting deeper than {MAX_DEPTH}")
    for index, item in enumerate(items):
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        try:
            if kind is bytes:
                if item and (item[0] == 1 or item[:2] == b"\x12\x20"):
                    items[index] = _adopt_link(item)
            elif kind is dict:
                _adopt_map(item, depth + 1)
            elif kind is list:
                _adopt_list(item, depth + 1)
            elif kind is not int or not MIN_INT <= item <= MAX_INT:
                _adopt_scalar(item)
        except Invalid as exc:
            exc.path.append(index)
            raise


def _decode_exact(data: bytes) -> dict[str, Value]:
    # Only reached for input libipld accepted as one well-formed object, so cbor2 sees
    # bounded, single-object input; it keeps tag 42 apart from byte strings.
    try:
        parsed = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, RecursionError) as exc:
        raise DataModelError(f"invalid DAG-CBOR: {exc}") from None
    try:
        value = _from_cbor2(parsed, 1)
    except Invalid as exc:
        raise DataModelError(f"invalid DAG-CBOR data: {exc.describe()}") from None
    if encode_dag_cbor(value) != data:
        raise DataModelError("invalid DAG-CBOR: not in canonical form (e.g. a non-minimal integer)")
    return value  # type: ignore[no-any-return]


def _from_cbor2(value: Any, depth: int) -> Any:
    kind = type(value)
    if kind is str or kind is bool or kind is bytes or value is None:
        return value
    if kind is int:
        check_int(value)
        return value
    if kind is cbor2.CBORTag and value.tag == _CID_TAG:
        payload = value.value
        if type(payload) is not bytes or payload[:1] != b"\x00":
            raise Invalid("a link (tag 42) must hold bytes starting with 0x00")
        if not check_binary_cid(payload[1:]):
            raise Invalid("a link (tag 42) holds an invalid CID")
        return CID._trusted(payload[1:])
    if depth > MAX_DEPTH and kind in (dict, list):
        raise Invalid(f"nesting deeper than {MAX_DEPTH}")
    if kind is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise Invalid(f"map key {key!r} is not a string")
            try:
                out[key] = _from_cbor2(item, depth + 1)
            except Invalid as exc:
                exc.path.append(key)
                raise
        if "$type" in out:
            check_typed_object(out)
        return out
    if kind is list:
        items: list[Any] = []
        for index, item in enumerate(value):
            try:
                items.append(_from_cbor2(item, depth + 1))
            except Invalid as exc:
                exc.path.append(index)
                raise
        return items
    raise Invalid(f"unsupported CBOR value {value!r}")


# -- encoding: check values and lower them for the encoder ------------------------------


def _link_for_libipld(cid: CID) -> Any:
    return cid.raw


def _link_for_cbor2(cid: CID) -> Any:
    return cbor2.CBORTag(_CID_TAG, b"\x00" + cid.raw)


def _lower(value: Any, depth: int, link: Callable[[CID], Any], fast: bool) -> Any:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int:
        check_int(value)
        return value
    if kind is bytes:
        if fast and is_link_shaped(value):
            raise _NeedsExactPath  # libipld would write this byte string as a link
        return value
    if kind is CID:
        return link(value)
    if kind is dict or kind is list:
        if depth > MAX_DEPTH:
            raise Invalid(f"nesting deeper than {MAX_DEPTH}")
        if kind is list:
            out_list = []
            for index, item in enumerate(value):
                try:
                    out_list.append(_lower(item, depth + 1, link, fast))
                except Invalid as exc:
                    exc.path.append(index)
                    raise
            return out_list
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise Invalid(f"map key {key!r} is not a string")
            try:
                out[key] = _lower(item, depth + 1, link, fast)
            except Invalid as exc:
                exc.path.append(key)
                raise
        if "$type" in value:
            check_typed_object(value)
        return out
    # Subclasses (e.g. skykit.syntax's typed strings, IntEnum) and other containers
    # encode as their plain data model form.
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return _lower(int(value), depth, link, fast)
    if isinstance(value, bytearray | memoryview):
        return _lower(bytes(value), depth, link, fast)
    if isinstance(value, dict):
        return _lower(dict(value), depth, link, fast)
    if isinstance(value, tuple | list):
        return _lower(list(value), depth, link, fast)
    if kind is float:
        raise Invalid(f"float {value!r} is not allowed in atproto data")
    raise Invalid(f"cannot encode a value of type {kind.__name__}")
