"""Field types that keep atproto data exact inside pydantic models.

Models read both atproto JSON (``{"$link": ...}``, ``{"$bytes": ...}``) and data model
values (``CID``, ``bytes``), hold the data model form, and write either form back:
``mode="json"`` dumps give atproto JSON, Python-mode dumps give data model values.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, SerializationInfo
from pydantic_core import PydanticCustomError, core_schema

from skykit.data import CID, DataModelError
from skykit.data._json import read_value, write_value


def _read_link(value: Any) -> CID:
    if type(value) is CID:
        return value
    if type(value) is dict and len(value) == 1:
        text = value.get("$link")
        if type(text) is str:
            try:
                return CID.decode(text)
            except DataModelError as exc:
                raise PydanticCustomError("cid_link", "{reason}", {"reason": str(exc)}) from None
    raise PydanticCustomError(
        "cid_link", "expected a link: a CID, or an object with a $link string"
    )


def _write_link(value: CID, info: SerializationInfo) -> Any:
    return {"$link": str(value)} if info.mode == "json" else value


def _read_bytes(value: Any) -> bytes:
    if type(value) is bytes:
        return value
    if type(value) is dict and len(value) == 1 and type(value.get("$bytes")) is str:
        try:
            decoded = read_value(value)
        except DataModelError as exc:
            raise PydanticCustomError("bytes", "{reason}", {"reason": str(exc)}) from None
        assert type(decoded) is bytes
        return decoded
    raise PydanticCustomError("bytes", "expected bytes, or an object with a base64 $bytes string")


def _write_bytes(value: bytes, info: SerializationInfo) -> Any:
    if info.mode == "json":
        return {"$bytes": base64.b64encode(value).decode("ascii").rstrip("=")}
    return value


def read_data(value: Any) -> Any:
    try:
        return read_value(value)
    except DataModelError as exc:
        raise PydanticCustomError("data_model", "{reason}", {"reason": str(exc)}) from None


def write_data(value: Any, info: SerializationInfo) -> Any:
    return write_value(value) if info.mode == "json" else value


class _CidLinkSchema:
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_plain_validator_function(
            _read_link,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _write_link, info_arg=True
            ),
        )


class _BytesSchema:
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_plain_validator_function(
            _read_bytes,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _write_bytes, info_arg=True
            ),
        )


class _DataSchema:
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_plain_validator_function(
            read_data,
            serialization=core_schema.plain_serializer_function_ser_schema(
                write_data, info_arg=True
            ),
        )


CidLink = Annotated[CID, _CidLinkSchema]
"""A lexicon ``cid-link``: a ``CID``; ``{"$link": "..."}`` in JSON."""

Bytes = Annotated[bytes, _BytesSchema]
"""A lexicon ``bytes`` value: ``bytes``; ``{"$bytes": "<base64>"}`` in JSON."""

DataValue = Annotated[Any, _DataSchema]
"""Any data model value, kept exactly (unknown fields, members of unknown union types)."""
