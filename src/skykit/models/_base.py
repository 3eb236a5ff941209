"""``LexModel``, the base of every generated model, and the models every lexicon shares."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PrivateAttr,
    SerializationInfo,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import core_schema

from skykit.data import CID, Value, cid_of, encode_dag_cbor
from skykit.models._errors import ModelValidationError
from skykit.models._values import CidLink, DataValue, read_data, write_data


def _wrap(exc: ValidationError, model: type[BaseModel]) -> ModelValidationError:
    return ModelValidationError(
        f"invalid {model.__name__}: {exc}", [dict(error) for error in exc.errors()]
    )


class LexModel(BaseModel):
    """A lexicon object, record, params or body as a pydantic model.

    Reading (``model_validate``) accepts atproto JSON or data model values and is lenient
    as the protocol asks: unknown fields are kept, open unions keep unknown members, and
    the lexicon's value limits are not checked. Building a model in Python is strict: the
    new value is checked against its lexicon (lengths, graphemes, formats, enums...).
    ``to_json()`` and ``to_data()`` write back exactly what was read, plus what was set;
    passing ``None`` for an optional field when building one leaves that field out.
    """

    model_config = ConfigDict(
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        strict=True,
        defer_build=True,
    )
    __pydantic_extra__: dict[str, DataValue] = Field(init=False)

    LEXICON_ID: ClassVar[str] = ""
    """The lexicon def this model stands for: ``nsid`` for main defs, else ``nsid#name``."""
    IS_RECORD: ClassVar[bool] = False

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _wrap(exc, type(self)) from None
        fields = type(self).model_fields
        for name in [n for n in self.__pydantic_fields_set__ if getattr(self, n) is None]:
            if name in fields and fields[name].default is None:
                self.__pydantic_fields_set__.discard(name)  # `x=None` means "leave x out"
        if self.IS_RECORD:
            self.__pydantic_fields_set__.add("py_type")  # records always carry $type
        self.check()

    # Tells pydantic this is not a custom __init__, so reading data (model_validate) does
    # not call it for every nested object: only values built in Python are checked.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            raise _wrap(exc, cls) from None

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Self:
        try:
            return super().model_validate_json(json_data, **kwargs)
        except ValidationError as exc:
            raise _wrap(exc, cls) from None

    @classmethod
    def validate_strict(cls, obj: Any) -> Self:
        """Read ``obj`` and check it against the lexicon as a value about to be written."""
        model = cls.model_validate(obj)
        model.check()
        return model

    def check(self) -> None:
        """Check this value against its lexicon; raises ``LexiconValidationError``."""
        if self.LEXICON_ID:
            from skykit.registry import catalog

            catalog().validate(self.LEXICON_ID, self.to_data())

    def to_data(self) -> dict[str, Value]:
        """This value in the data model (``CID`` links, ``bytes``), as DAG-CBOR encodes it."""
        return self.model_dump(exclude_unset=True)

    def to_json(self) -> dict[str, Any]:
        """This value as atproto JSON (``$link``/``$bytes`` objects), ready for ``json.dumps``."""
        return self.model_dump(mode="json", exclude_unset=True)

    def to_dag_cbor(self) -> bytes:
        return encode_dag_cbor(self.to_data())

    def to_cid(self) -> CID:
        """The CID of this value's DAG-CBOR encoding (the CID of a record)."""
        return cid_of(self.to_data())


class UnknownObject(LexModel):
    """A union member of a type this version of the lexicons does not know, kept as data."""

    py_type: str = Field(validation_alias="$type", serialization_alias="$type")

    def check(self) -> None:
        return None  # nothing is known about it to check


class Blob(LexModel):
    """A reference to a blob: ``ref`` (its CID), ``mime_type`` and ``size`` in bytes.

    Early records wrote blobs as ``{"cid": "<cid>", "mimeType": ...}`` with no size; such a
    blob reads with ``size=None`` and ``legacy=True`` and is written back in that form, so
    the record keeps its bytes and CID.
    """

    py_type: Literal["blob"] = Field(
        default="blob", validation_alias="$type", serialization_alias="$type"
    )
    ref: CidLink
    mime_type: str = Field(validation_alias="mimeType", serialization_alias="mimeType")
    size: int | None = None
    _legacy: bool = PrivateAttr(default=False)

    @property
    def legacy(self) -> bool:
        return self._legacy

    @model_validator(mode="wrap")
    @classmethod
    def _read_legacy_form(cls, data: Any, handler: Any) -> Any:
        if type(data) is dict and "$type" not in data and "cid" in data:
            fields = {k: v for k, v in data.items() if k != "cid"}
            blob = handler({**fields, "ref": {"$link": data["cid"]}})
            blob._legacy = True
            return blob
        return handler(data)

    @model_serializer(mode="wrap")
    def _write(self, handler: Any, info: SerializationInfo) -> dict[str, Any]:
        out: dict[str, Any] = handler(self)
        if self._legacy:
            ref = out.pop("ref")
            out["cid"] = ref["$link"] if info.mode == "json" else str(ref)
        else:
            out["$type"] = "blob"  # a blob always carries its $type
        return out

    def check(self) -> None:
        return None  # checked by the object holding it, which knows the accepted types


class _UnknownSchema:
    """A lexicon ``unknown`` value: data, read as its generated model when its ``$type``
    names one (e.g. the ``record`` of a post view), and kept as plain data otherwise."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_plain_validator_function(
            _read_unknown,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _write_unknown, info_arg=True
            ),
        )


def _read_unknown(value: Any) -> Any:
    if isinstance(value, LexModel):
        return value
    kind = value.get("$type") if type(value) is dict else None
    if type(kind) is str:
        from skykit.registry import model_for_type

        model = model_for_type(kind)
        if model is not None:
            try:
                return model.model_validate(value)
            except ModelValidationError:
                pass  # not what its $type promises: keep it as data, unchanged
    return read_data(value)


def _write_unknown(value: Any, info: SerializationInfo) -> Any:
    if isinstance(value, LexModel):
        return value.to_json() if info.mode == "json" else value.to_data()
    return write_data(value, info)


Unknown = Annotated[Any, _UnknownSchema]
"""A lexicon ``unknown`` field: any object, typed when its ``$type`` is known."""
