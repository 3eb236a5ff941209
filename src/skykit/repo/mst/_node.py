"""MST node blocks: decode, check and encode ``{l, e: [{p, k, v, t}]}``; key heights.

A node holds a left subtree link ``l`` and entries: ``p`` bytes of the previous key in the
node are shared, ``k`` is the rest of the key, ``v`` links the record, ``t`` the subtree of
keys between this entry and the next. Links stay binary CIDs (``bytes``) here: the tree
makes ``CID`` objects only for what it hands out.

Decoding uses libipld, then re-encodes and compares: equal bytes prove the block was
canonical DAG-CBOR and, since libipld writes exactly the CID-shaped byte strings as links,
that ``l``/``v``/``t`` were links and ``k`` a byte string. Anything else goes through the
exact decoder of ``skykit.data``.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

import libipld

from skykit.data import CID, DataModelError, Value, decode_dag_cbor, encode_dag_cbor
from skykit.data._cid import check_binary_cid
from skykit.repo._errors import MstError

EMPTY_NODE: Final = libipld.encode_dag_cbor({"e": [], "l": None})
EMPTY_NODE_CID: Final = CID.compute(EMPTY_NODE).raw

Entry = tuple[int, bytes, bytes, bytes | None]
"""A decoded entry: (prefix length, key suffix, record CID, right subtree CID or None)."""

_LINK_PREFIX: Final = b"\x01\x71\x12\x20"
_NODE_KEYS: Final = frozenset(("e", "l"))
_LINKISH: Final = (b"\x01", b"\x12\x20")  # how a byte string libipld takes for a CID starts
_ABSENT: Final = object()
_ENTRY_KEYS: Final = frozenset(("k", "p", "t", "v"))


def key_height(key: bytes) -> int:
    """The layer of ``key``: leading zero bits of its SHA-256, counted in pairs (fanout 4)."""
    digest = int.from_bytes(hashlib.sha256(key).digest(), "big")
    return (256 - digest.bit_length()) // 2


def common_prefix_length(a: bytes, b: bytes) -> int:
    """How many leading bytes ``a`` and ``b`` share."""
    size = min(len(a), len(b))
    if a[:size] == b[:size]:
        return size
    diff = int.from_bytes(a[:size], "big") ^ int.from_bytes(b[:size], "big")
    return size - (diff.bit_length() + 7) // 8


def _is_link(value: object) -> bool:
    if type(value) is not bytes:
        return False
    if len(value) == 36 and value[:4] == _LINK_PREFIX:
        return True
    return check_binary_cid(value)


def decode_node(data: bytes, cid: CID | bytes) -> tuple[bytes | None, list[Entry]]:
    """The left link and entries of the node block ``data`` (whose CID is ``cid``)."""
    try:
        node = libipld.decode_dag_cbor(data)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise _bad(cid, f"not DAG-CBOR ({exc})") from None
    decoded = _read_fast(node) if libipld.encode_dag_cbor(node) == data else None
    return decoded if decoded is not None else _decode_exact(data, cid)


def _read_fast(node: Any) -> tuple[bytes | None, list[Entry]] | None:
    """The node when it is well-formed, else None (the exact path then says what is wrong).

    Only called when libipld's re-encoding matched the block, so a value passing the link
    checks was a link and a value that does not start like a CID was a byte string.
    """
    if type(node) is not dict or len(node) != 2:
        return None
    left = node.get("l", _ABSENT)
    entries = node.get("e")
    if type(entries) is not list or (left is not None and not _is_link(left)):
        return None
    out: list[Entry] = []
    append = out.append
    prefix_bytes = _LINK_PREFIX
    for entry in entries:
        # Four keys, all of them found: exactly k, p, t and v.
        if type(entry) is not dict or len(entry) != 4:
            return None
        try:
            prefix, suffix, value, right = entry["p"], entry["k"], entry["v"], entry["t"]
        except KeyError:
            return None
        if (
            type(prefix) is not int
            or prefix < 0
            or type(suffix) is not bytes
            or suffix.startswith(_LINKISH)
            or type(value) is not bytes
            or len(value) != 36
            or not value.startswith(prefix_bytes)
        ) and not _slow_entry_ok(prefix, suffix, value):
            return None
        if (
            right is not None
            and (type(right) is not bytes or len(right) != 36 or not right.startswith(prefix_bytes))
            and not _is_link(right)
        ):
            return None
        append((prefix, suffix, value, right))
    return left, out


def _slow_entry_ok(prefix: object, suffix: object, value: object) -> bool:
    """The entry checks for links other than the usual dag-cbor SHA-256 CID."""
    return (
        type(prefix) is int
        and prefix >= 0
        and type(suffix) is bytes
        and not suffix.startswith(_LINKISH)
        and _is_link(value)
    )


def _decode_exact(data: bytes, cid: CID | bytes) -> tuple[bytes | None, list[Entry]]:
    # Rare: non-canonical bytes or a key suffix that looks like a CID. The exact decoder
    # either rejects the block or tells links and byte strings apart.
    try:
        node: Any = decode_dag_cbor(data)
    except DataModelError as exc:
        raise _bad(cid, str(exc)) from None
    if node.keys() != _NODE_KEYS:
        raise _bad(cid, "must be a map with exactly the fields 'e' and 'l'")
    left, entries = node["l"], node["e"]
    if left is not None and type(left) is not CID:
        raise _bad(cid, "'l' must be a link or null")
    if type(entries) is not list:
        raise _bad(cid, "'e' must be a list")
    out: list[Entry] = []
    for index, entry in enumerate(entries):
        if type(entry) is not dict or entry.keys() != _ENTRY_KEYS:
            raise _bad(cid, f"entry {index} must be a map with exactly 'k', 'p', 't' and 'v'")
        prefix, suffix, value, right = entry["p"], entry["k"], entry["v"], entry["t"]
        if type(prefix) is not int or prefix < 0:
            raise _bad(cid, f"entry {index}: 'p' must be a non-negative integer")
        if type(suffix) is not bytes:
            raise _bad(cid, f"entry {index}: 'k' must be a byte string")
        if type(value) is not CID:
            raise _bad(cid, f"entry {index}: 'v' must be a link")
        if right is not None and type(right) is not CID:
            raise _bad(cid, f"entry {index}: 't' must be a link or null")
        out.append((prefix, suffix, value.raw, right.raw if right is not None else None))
    return (left.raw if left is not None else None), out


def _bad(cid: CID | bytes, reason: str) -> MstError:
    shown = cid if isinstance(cid, CID) else CID._trusted(cid)
    return MstError(f"MST node {shown} is malformed: {reason}")


def encode_node(
    left: bytes | None,
    keys: tuple[bytes, ...] | list[bytes],
    values: tuple[bytes, ...] | list[bytes],
    rights: tuple[bytes | None, ...] | list[bytes | None],
) -> bytes:
    """The canonical node block for these keys (sorted), values and subtree links."""
    entries: list[dict[str, Value]] = []
    previous = b""
    exact = False
    for key, value, right in zip(keys, values, rights, strict=True):
        prefix = common_prefix_length(previous, key)
        suffix = key[prefix:]
        exact = exact or suffix.startswith(_LINKISH)
        entries.append({"k": suffix, "p": prefix, "t": right, "v": value})
        previous = key
    if not exact:
        return bytes(libipld.encode_dag_cbor({"e": entries, "l": left}))
    # libipld would write a CID-shaped key suffix as a link: spell the links out instead.
    for entry, value, right in zip(entries, values, rights, strict=True):
        entry["v"] = CID._trusted(value)
        entry["t"] = CID._trusted(right) if right is not None else None
    return encode_dag_cbor(
        {"e": list[Value](entries), "l": CID._trusted(left) if left is not None else None}
    )
