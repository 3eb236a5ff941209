"""Unions of lexicon objects, told apart by ``$type``.

A union field is written ``Annotated[A | B | UnknownObject, union()]`` (open) or
``Annotated[A | B, union(closed=True)]``. Members are picked by ``$type`` (each member
model's ``py_type``). Open unions keep members of unknown types as ``UnknownObject``;
closed unions reject them. A member without ``$type`` (older servers send some) is matched
against each member in turn when reading; strict checks reject it. A member built in
Python always writes its ``$type``; a member read from data writes it only if it was there.
"""

from __future__ import annotations

from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

_UNKNOWN = "#unknown"
_UNTYPED = "#untyped"


class union:  # lower case: it reads as a call in annotations
    """Marks a union field as a lexicon union (open unless ``closed=True``)."""

    __slots__ = ("closed",)

    def __init__(self, *, closed: bool = False) -> None:
        self.closed = closed

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        choices: dict[str, Any] = {}
        members = get_args(source) if get_origin(source) in (Union, UnionType) else (source,)
        for member in members:
            field = getattr(member, "model_fields", {}).get("py_type")
            kind = field.default if field is not None else None
            if isinstance(kind, str):
                choices[kind] = handler.generate_schema(member)
            elif not self.closed:
                choices[_UNKNOWN] = handler.generate_schema(member)
        known = frozenset(k for k in choices if k != _UNKNOWN)
        if known:
            choices[_UNTYPED] = core_schema.union_schema([choices[k] for k in sorted(known)])
        closed = self.closed

        def tag(value: Any) -> str | None:
            kind = value.get("$type") if type(value) is dict else getattr(value, "py_type", None)
            if kind is None:
                return _UNTYPED
            if type(kind) is not str:
                return None
            if kind in known:
                return kind
            return None if closed else _UNKNOWN

        message = (
            f"expected an object whose $type is one of {', '.join(sorted(known))}"
            if closed
            else "expected an object with a string $type"
        )
        tagged = core_schema.tagged_union_schema(
            choices,
            discriminator=tag,
            custom_error_type="union_member",
            custom_error_message=message,
        )
        return core_schema.no_info_wrap_validator_function(_mark_built_members, tagged)


def _mark_built_members(value: Any, handler: Any) -> Any:
    result = handler(value)
    if type(value) is not dict:  # a model built in Python: it writes its $type
        fields_set = getattr(result, "__pydantic_fields_set__", None)
        if fields_set is not None:
            fields_set.add("py_type")
    return result
