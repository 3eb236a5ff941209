"""atproto JSON ⇄ data model.

In JSON a link is ``{"$link": "<cid>"}`` and a byte string ``{"$bytes": "<base64>"}``
(standard alphabet, written without padding). Numbers must be integers; a float with an
integral value (``123.0``) is read as that integer.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

from skykit.data._cid import CID
from skykit.data._errors import DataModelError
from skykit.data._model import MAX_DEPTH, Invalid, Value, check_int, check_typed_object


def from_json(obj: Any) -> dict[str, Value]:
    """Read a parsed atproto JSON object (e.g. from ``json.loads``) into the data model.

    Values that are already data model values (``CID``, ``bytes``) are kept as they are.
    """
    if not isinstance(obj, dict):
        raise DataModelError(f"atproto JSON top-level value must be an object, got {obj!r:.80}")
    try:
        return _read_object(obj, 1)  # type: ignore[no-any-return]
    except Invalid as exc:
        raise DataModelError(f"invalid atproto JSON: {exc.describe()}") from None


def to_json(value: dict[str, Value]) -> dict[str, Any]:
    """Write a data model map as atproto JSON-ready Python objects (for ``json.dumps``)."""
    if not isinstance(value, dict):
        raise DataModelError(f"top-level value must be a dict, got {type(value).__name__}")
    try:
        return _write(value, 1)  # type: ignore[no-any-return]
    except Invalid as exc:
        raise DataModelError(f"cannot write as atproto JSON: {exc.describe()}") from None


def read_value(value: Any) -> Value:
    """Like ``from_json`` for a value of any kind (not only an object)."""
    try:
        return _read(value, 1)  # type: ignore[no-any-return]
    except Invalid as exc:
        raise DataModelError(f"invalid atproto JSON: {exc.describe()}") from None


def write_value(value: Value) -> Any:
    """Like ``to_json`` for a value of any kind (not only an object)."""
    try:
        return _write(value, 1)
    except Invalid as exc:
        raise DataModelError(f"cannot write as atproto JSON: {exc.describe()}") from None


def _read(value: Any, depth: int) -> Any:
    # CIDs and bytes are already data model values: reading is idempotent, so values that
    # mix both forms (JSON from the wire, data from DAG-CBOR) read the same.
    if isinstance(value, str | bool | CID | bytes) or value is None:
        return value
    if isinstance(value, int):
        check_int(value)
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise Invalid(f"number {value!r} is not an integer (atproto has no floats)")
        number = int(value)
        check_int(number)
        return number
    if isinstance(value, dict):
        return _read_object(value, depth)
    if isinstance(value, list):
        if depth > MAX_DEPTH:
            raise Invalid(f"nesting deeper than {MAX_DEPTH}")
        items = []
        for index, item in enumerate(value):
            try:
                items.append(_read(item, depth + 1))
            except Invalid as exc:
                exc.path.append(index)
                raise
        return items
    raise Invalid(f"unsupported JSON value of type {type(value).__name__}")


def _read_object(obj: dict[Any, Any], depth: int) -> Any:
    if "$link" in obj:
        return _read_link(obj)
    if "$bytes" in obj:
        return _read_bytes(obj)
    if depth > MAX_DEPTH:
        raise Invalid(f"nesting deeper than {MAX_DEPTH}")
    out: dict[str, Any] = {}
    for key, item in obj.items():
        if not isinstance(key, str):
            raise Invalid(f"object key {key!r} is not a string")
        try:
            out[key] = _read(item, depth + 1)
        except Invalid as exc:
            exc.path.append(key)
            raise
    if "$type" in out:
        check_typed_object(out)
    return out


def _read_link(obj: dict[Any, Any]) -> CID:
    text = obj["$link"]
    if len(obj) != 1:
        raise Invalid("a $link object must have no other keys")
    if not isinstance(text, str):
        raise Invalid(f"$link must be a CID string, got {text!r:.80}")
    try:
        return CID.decode(text)
    except DataModelError as exc:
        raise Invalid(str(exc)) from None


def _read_bytes(obj: dict[Any, Any]) -> bytes:
    text = obj["$bytes"]
    if len(obj) != 1:
        raise Invalid("a $bytes object must have no other keys")
    if not isinstance(text, str):
        raise Invalid(f"$bytes must be a base64 string, got {text!r:.80}")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"$bytes is not valid base64: {text!r:.80}") from None


def _write(value: Any, depth: int) -> Any:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int:
        check_int(value)
        return value
    if kind is CID:
        return {"$link": str(value)}
    if kind is bytes:
        return {"$bytes": base64.b64encode(value).decode("ascii").rstrip("=")}
    if isinstance(value, dict | list | tuple):
        if depth > MAX_DEPTH:
            raise Invalid(f"nesting deeper than {MAX_DEPTH}")
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise Invalid(f"map key {key!r} is not a string")
                try:
                    out[str(key)] = _write(item, depth + 1)
                except Invalid as exc:
                    exc.path.append(key)
                    raise
            if "$type" in value:
                check_typed_object(value)
            return out
        items = []
        for index, item in enumerate(value):
            try:
                items.append(_write(item, depth + 1))
            except Invalid as exc:
                exc.path.append(index)
                raise
        return items
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return _write(int(value), depth)
    if isinstance(value, bytearray | memoryview):
        return _write(bytes(value), depth)
    if kind is float:
        raise Invalid(f"float {value!r} is not allowed in atproto data")
    raise Invalid(f"cannot write a value of type {kind.__name__}")
