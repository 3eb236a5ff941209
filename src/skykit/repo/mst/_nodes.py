"""In-memory MST nodes, and loading them from blocks with every structure rule checked.

A subtree reference (``Ref``) is a loaded ``Node``, the binary CID of a node not loaded
yet, or None. Nodes are never changed once built (only their CID and block are filled in
when first computed), so trees can share them.
"""

from __future__ import annotations

from typing import Final

from skykit.data import CID
from skykit.repo._errors import MissingBlockError, MstError
from skykit.repo.blocks import BlockSource
from skykit.repo.mst._node import EMPTY_NODE, EMPTY_NODE_CID, decode_node, encode_node, key_height


class Node:
    """Keys of one layer with the subtrees around them: ``left``, then after each key its
    ``rights[i]`` subtree. ``layer`` is the height of the keys (of the layer, for a node
    with no keys)."""

    __slots__ = ("block", "cid", "keys", "layer", "left", "rights", "values")

    def __init__(
        self,
        layer: int,
        left: Ref,
        keys: tuple[bytes, ...],
        values: tuple[bytes, ...],
        rights: tuple[Ref, ...],
        cid: bytes | None = None,
        block: bytes | None = None,
    ) -> None:
        self.layer = layer
        self.left = left
        self.keys = keys
        self.values = values
        self.rights = rights
        self.cid = cid
        self.block = block

    def child(self, index: int) -> Ref:
        """The subtree before key ``index`` (``len(keys)`` for the last one)."""
        return self.left if index == 0 else self.rights[index - 1]


Ref = Node | bytes | None

EMPTY_ROOT_LAYER: Final = 0


def empty_node() -> Node:
    """The one node of an empty tree (``{l: null, e: []}``)."""
    return Node(EMPTY_ROOT_LAYER, None, (), (), (), EMPTY_NODE_CID, EMPTY_NODE)


def expand_keys(entries: list[tuple[int, bytes, bytes, bytes | None]], cid: bytes) -> list[bytes]:
    """The full keys of a node's entries, checking prefix compression and key order."""
    keys: list[bytes] = []
    previous = b""
    for index, (prefix, suffix, _, _) in enumerate(entries):
        if prefix > len(previous):
            raise MstError(
                f"MST node {CID._trusted(cid)}: entry {index} claims {prefix} shared bytes "
                f"with a previous key of {len(previous)}"
            )
        if prefix < len(previous) and suffix[:1] == previous[prefix : prefix + 1]:
            raise MstError(
                f"MST node {CID._trusted(cid)}: entry {index} has prefix length {prefix}, "
                "less than the bytes it shares with the previous key"
            )
        key = previous[:prefix] + suffix
        if not key:
            raise MstError(f"MST node {CID._trusted(cid)}: entry {index} has an empty key")
        if index and key <= previous:
            raise MstError(
                f"MST node {CID._trusted(cid)}: keys out of order: {key[:120]!r} after "
                f"{previous[:120]!r}"
            )
        keys.append(key)
        previous = key
    return keys


class Loader:
    """Loads nodes by CID from a block source, checking each against the layer it must sit
    in, caching what it decoded, and (when ``touched`` is a set) recording every node an
    operation reads: that set is the proof a consumer needs to repeat the operation."""

    __slots__ = ("cache", "source", "touched")

    def __init__(
        self,
        source: BlockSource | None,
        cache: dict[bytes, Node] | None = None,
        touched: dict[bytes, bytes] | None = None,
    ) -> None:
        self.source = source
        self.cache: dict[bytes, Node] = {} if cache is None else cache
        self.touched = touched

    def traced(self) -> Loader:
        """A loader sharing this one's blocks and cache that records what it reads."""
        return Loader(self.source, self.cache, {})

    def resolve(self, ref: Node | bytes, layer: int | None, needed_by: str) -> Node:
        if type(ref) is Node:
            # A node with a CID was in the tree when tracing began; edits make nodes
            # without one (they are encoded only when the new root is asked for).
            if self.touched is not None and ref.cid is not None and ref.block is not None:
                self.touched[ref.cid] = ref.block
            return ref
        assert type(ref) is bytes
        return self.load(ref, layer, needed_by)

    def load(
        self,
        cid: bytes,
        layer: int | None,
        needed_by: str,
        *,
        root: bool = False,
        keep: bool = True,
    ) -> Node:
        """The node ``cid``; ``layer`` None lets the node's keys say (for a root)."""
        node = self.cache.get(cid)
        if node is None:
            data = self.source.get_raw(cid) if self.source is not None else None
            if data is None:
                raise MissingBlockError(CID._trusted(cid), needed_by)
            node = _parse(cid, data, layer, root)
            if keep:
                self.cache[cid] = node
        if self.touched is not None and node.block is not None:
            self.touched[cid] = node.block
        if layer is not None and node.layer != layer:
            raise MstError(
                f"MST node {CID._trusted(cid)} holds keys of layer {node.layer} where the tree "
                f"needs layer {layer}"
            )
        return node


def _parse(cid: bytes, data: bytes, layer: int | None, root: bool) -> Node:
    left, entries = decode_node(data, cid)
    keys = expand_keys(entries, cid)
    if keys:
        found = key_height(keys[0])
        for key in keys:
            height = key_height(key)
            if height != found:
                raise MstError(
                    f"MST node {CID._trusted(cid)} mixes layers: key {key[:120]!r} has height "
                    f"{height}, the node's first key {found}"
                )
        layer = found
    elif left is None:
        if not root:
            raise MstError(
                f"MST node {CID._trusted(cid)} is empty (only an empty tree's root may be)"
            )
        layer = EMPTY_ROOT_LAYER
    elif root:
        raise MstError(
            f"MST root {CID._trusted(cid)} has no keys but a subtree: the tree was not trimmed"
        )
    if layer is None:
        raise MstError(f"MST node {CID._trusted(cid)} has no keys to tell its layer")
    rights = tuple(entry[3] for entry in entries)
    if layer == 0 and (left is not None or any(r is not None for r in rights)):
        raise MstError(f"MST node {CID._trusted(cid)} is at layer 0 but links subtrees")
    values = tuple(entry[2] for entry in entries)
    return Node(layer, left, tuple(keys), values, rights, cid, data)


def store(node: Node, out: dict[bytes, bytes] | None = None) -> bytes:
    """The binary CID of ``node``, encoding it (and new nodes below it) on first use;
    newly encoded blocks are added to ``out`` when given."""
    if node.cid is not None:
        return node.cid
    left = _link(node.left, out)
    rights = tuple(_link(right, out) for right in node.rights)
    block = encode_node(left, node.keys, node.values, rights)
    cid = CID.compute(block).raw
    node.block = block
    node.cid = cid
    if out is not None:
        out[cid] = block
    return cid


def _link(ref: Ref, out: dict[bytes, bytes] | None) -> bytes | None:
    return store(ref, out) if type(ref) is Node else ref  # type: ignore[return-value]


def make(
    layer: int,
    left: Ref,
    keys: tuple[bytes, ...],
    values: tuple[bytes, ...],
    rights: tuple[Ref, ...],
) -> Ref:
    """A new node, or None when it would hold nothing at all."""
    if not keys and left is None:
        return None
    return Node(layer, left, keys, values, rights)


def lift(ref: Ref, layer: int, target: int) -> Ref:
    """``ref`` (a subtree at ``layer``) wrapped in key-less nodes up to layer ``target``."""
    for above in range(layer + 1, target + 1):
        if ref is None:
            return None
        ref = Node(above, ref, (), (), ())
    return ref
