"""Blob references, in the current form and the legacy one found in old records."""

from __future__ import annotations

from dataclasses import dataclass

from skykit.data._cid import CID
from skykit.data._errors import DataModelError
from skykit.data._model import Value


@dataclass(frozen=True, slots=True)
class BlobRef:
    """A reference to a blob: its CID, MIME type and size in bytes.

    Current records write ``{"$type": "blob", "ref": <link>, "mimeType", "size"}``. Early
    records wrote ``{"cid": "<cid string>", "mimeType"}`` with no size; such a ref has
    ``size=None`` and ``legacy=True``, and ``to_data()`` writes it back in that same form so
    that the record's bytes (and CID) do not change.
    """

    ref: CID
    mime_type: str
    size: int | None
    legacy: bool = False

    @classmethod
    def from_data(cls, value: Value) -> BlobRef:
        """Read either blob form from a data model value."""
        if not isinstance(value, dict):
            raise DataModelError(f"a blob must be an object, got {type(value).__name__}")
        mime_type = value.get("mimeType")
        if not isinstance(mime_type, str):
            raise DataModelError("a blob needs a string 'mimeType'")
        if value.get("$type") == "blob":
            ref, size = value.get("ref"), value.get("size")
            if not isinstance(ref, CID) or type(size) is not int:
                raise DataModelError("a blob needs a link 'ref' and an integer 'size'")
            return cls(ref, mime_type, size)
        cid = value.get("cid")
        if "$type" not in value and isinstance(cid, str):
            return cls(CID.decode(cid), mime_type, None, legacy=True)
        raise DataModelError("not a blob: expected $type 'blob' or the legacy {cid, mimeType}")

    def to_data(self) -> dict[str, Value]:
        if self.legacy:
            return {"cid": str(self.ref), "mimeType": self.mime_type}
        return {"$type": "blob", "ref": self.ref, "mimeType": self.mime_type, "size": self.size}
