"""The shape of atproto data model values and the rules every encoding shares.

A data model value in Python is ``None``, ``bool``, ``int`` (64-bit signed), ``str``,
``bytes``, ``CID`` (a link), ``list`` of values, or ``dict`` with ``str`` keys. Floats do
not exist in atproto. Objects with a ``$type`` key need a non-empty string there, and
``$type: "blob"`` objects need a link ``ref``, a string ``mimeType`` and an integer ``size``.
"""

from __future__ import annotations

from typing import Final, TypeAlias

from skykit.data._cid import CID

Value: TypeAlias = bool | int | str | bytes | CID | list["Value"] | dict[str, "Value"] | None

MIN_INT: Final = -(2**63)
MAX_INT: Final = 2**63 - 1
MAX_DEPTH: Final = 128  # nesting of maps and lists; real records stay far below this


class Invalid(Exception):
    """Internal: why a value is invalid and where (keys/indices collected while unwinding)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str | int] = []

    def describe(self) -> str:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in reversed(self.path))
        return f"{self.reason} at {('$' + where)}"


def check_int(value: int) -> None:
    if not MIN_INT <= value <= MAX_INT:
        raise Invalid(f"integer {value} is outside the 64-bit signed range")


def check_typed_object(obj: dict[str, Value]) -> None:
    """The data model's rules for ``$type`` and blob objects (values already converted)."""
    kind = obj["$type"]
    if type(kind) is not str or not kind:
        raise Invalid(f"$type must be a non-empty string, got {kind!r}")
    if kind == "blob":
        if type(obj.get("ref")) is not CID:
            raise Invalid("blob needs a link in 'ref'")
        if type(obj.get("mimeType")) is not str:
            raise Invalid("blob needs a string 'mimeType'")
        if type(obj.get("size")) is not int:
            raise Invalid("blob needs an integer 'size'")
