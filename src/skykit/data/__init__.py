"""The atproto data model: CIDs, DAG-CBOR and atproto JSON.

Values are plain Python: ``None``, ``bool``, ``int``, ``str``, ``bytes``, ``list``,
``dict`` with ``str`` keys, and ``CID`` for links. Links and byte strings stay distinct,
so decoding and re-encoding gives back the exact bytes (and so the same CID).
"""

from __future__ import annotations

from skykit.data._blob import BlobRef
from skykit.data._cbor import decode_dag_cbor, encode_dag_cbor
from skykit.data._cid import CID, DAG_CBOR, RAW, SHA2_256
from skykit.data._errors import DataModelError
from skykit.data._json import from_json, to_json
from skykit.data._model import MAX_DEPTH, Value

__all__ = [
    "CID",
    "DAG_CBOR",
    "MAX_DEPTH",
    "RAW",
    "SHA2_256",
    "BlobRef",
    "DataModelError",
    "Value",
    "cid_of",
    "decode_dag_cbor",
    "encode_dag_cbor",
    "from_json",
    "to_json",
]


def cid_of(value: dict[str, Value]) -> CID:
    """The CIDv1 (dag-cbor, SHA-256) of a data model map."""
    return CID.compute(encode_dag_cbor(value))
