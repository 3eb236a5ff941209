"""Records of a repo as a walk hands them out: path, CID, and the value read on demand.

Listing a repo needs only the MST, so a record's block is read (hashed against its CID)
and decoded only when ``value`` is first asked for; ``model()`` reads it into the
generated typed model of its ``$type``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skykit.data import CID, DataModelError, Value, decode_dag_cbor
from skykit.repo._errors import MissingBlockError, RecordError
from skykit.repo.blocks import BlockSource

if TYPE_CHECKING:
    from skykit.models import LexModel

__all__ = ["RepoRecord"]


class RepoRecord:
    """One record of a repo: ``collection``, ``rkey``, ``cid``, and ``value`` (the data
    model map), read from the repo's blocks the first time it is used."""

    __slots__ = ("_blocks", "_value", "cid", "collection", "rkey")

    def __init__(self, collection: str, rkey: str, cid: CID, blocks: BlockSource) -> None:
        self.collection = collection
        self.rkey = rkey
        self.cid = cid
        self._blocks = blocks
        self._value: dict[str, Value] | None = None

    @property
    def path(self) -> str:
        """The MST key: ``collection/rkey``."""
        return f"{self.collection}/{self.rkey}"

    @property
    def value(self) -> dict[str, Value]:
        """The record as data model values (``CID`` links, ``bytes``), exactly as stored.

        ``MissingBlockError`` when the repo (e.g. a firehose slice) lacks the block,
        ``RecordError`` when the block is not valid atproto data.
        """
        value = self._value
        if value is None:
            data = self._blocks.get_raw(self.cid.raw)
            if data is None:
                raise MissingBlockError(self.cid, f"record {self.path}")
            try:
                value = decode_dag_cbor(data)
            except DataModelError as exc:
                raise RecordError(f"record {self.path} ({self.cid}) is invalid: {exc}") from None
            self._value = value
        return value

    def model(self) -> LexModel | None:
        """The record read into its generated model, found by its ``$type``; None when no
        registered lexicon describes that type (or it has none). Reading is lenient:
        unknown fields and union members are kept."""
        kind = self.value.get("$type")
        if type(kind) is not str:
            return None
        read = _READERS.get(kind) or _reader_for(kind)
        return read(self.value) if read is not None else None

    def __repr__(self) -> str:
        return f"RepoRecord({self.path!r}, cid={str(self.cid)!r})"


_READERS: dict[str, Callable[[Any], LexModel]] = {}


def _reader_for(kind: str) -> Callable[[Any], LexModel] | None:
    """A fast reader for the model of ``kind``: the model's pydantic validator called
    directly (half the cost of ``model_validate``), with its errors worded the same way."""
    from pydantic import ValidationError

    import skykit.lex  # noqa: F401 - registers the official lexicons
    from skykit.models import ModelValidationError, model_for_type

    model = model_for_type(kind)
    if model is None:
        return None  # not cached: a lexicon registered later may describe it
    model.model_rebuild()
    validate = model.__pydantic_validator__.validate_python

    def read(value: Any) -> LexModel:
        try:
            return validate(value)  # type: ignore[no-any-return]
        except ValidationError as exc:
            raise ModelValidationError(
                f"invalid {model.__name__}: {exc}", [dict(error) for error in exc.errors()]
            ) from None

    _READERS[kind] = read
    return read
