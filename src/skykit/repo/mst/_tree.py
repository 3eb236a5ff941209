"""``Mst``: an immutable Merkle Search Tree of repo paths to record CIDs.

Trees load lazily from a block source, and edits return a new tree that shares every
node the edit did not touch, so an old and a new version can be diffed cheaply and a
commit's proof read off what an edit loaded.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Final

from skykit.data import CID
from skykit.repo._errors import MstError, MstKeyError
from skykit.repo.blocks import BlockSource
from skykit.repo.car import Block
from skykit.repo.mst._edit import find, insert, remove, split
from skykit.repo.mst._keys import check_key, key_text
from skykit.repo.mst._node import EMPTY_NODE, EMPTY_NODE_CID, key_height
from skykit.repo.mst._nodes import Loader, Node, Ref, lift, store

_ROOT: Final = "the MST root"


class Mst:
    """A Merkle Search Tree mapping keys (``collection/rkey``) to CIDs.

    Build one with ``Mst.build(items)``, ``Mst.load(root, blocks)`` or ``Mst.empty()``;
    ``put``/``delete`` return a new tree. ``root`` is the root node's CID.
    """

    __slots__ = ("_layer", "_loader", "_root")

    def __init__(self, root: Ref, layer: int, loader: Loader) -> None:
        self._root = root
        self._layer = layer
        self._loader = loader

    # -- making trees ---------------------------------------------------------------------

    @classmethod
    def empty(cls, blocks: BlockSource | None = None) -> Mst:
        return cls(None, 0, Loader(blocks))

    @classmethod
    def load(cls, root: CID, blocks: BlockSource) -> Mst:
        """The tree whose root node is ``root``; nodes are read from ``blocks`` when needed
        and checked (layers, key order, prefix compression) as they are."""
        return cls._load(root.raw, Loader(blocks))

    @classmethod
    def _load(cls, root: bytes, loader: Loader) -> Mst:
        node = loader.load(root, None, _ROOT, root=True)
        if not node.keys:
            return cls(None, 0, loader)
        return cls(node, node.layer, loader)

    @classmethod
    def build(cls, items: Mapping[str, CID] | Iterable[tuple[str, CID]]) -> Mst:
        """The tree holding ``items`` (key, CID), built bottom-up in one pass."""
        pairs = items.items() if isinstance(items, Mapping) else items
        entries = sorted((check_key(key), _raw(value)) for key, value in pairs)
        for before, after in itertools.pairwise(entries):
            if before[0] == after[0]:
                raise MstKeyError(f"key {before[0].decode()!r} given twice")
        heights = [key_height(key) for key, _ in entries]
        top = max(heights, default=0)
        return cls(_build(entries, heights, 0, len(entries), top), top, Loader(None))

    # -- reading --------------------------------------------------------------------------

    @property
    def root(self) -> CID:
        """The CID of the root node (encoding new nodes as needed)."""
        if self._root is None:
            return CID._trusted(EMPTY_NODE_CID)
        if type(self._root) is bytes:
            return CID._trusted(self._root)
        assert type(self._root) is Node
        return CID._trusted(store(self._root))

    @property
    def layer(self) -> int:
        """The layer of the root node (0 for an empty tree)."""
        return self._layer

    def get(self, key: str) -> CID | None:
        """The CID stored under ``key``, or None."""
        found = find(self._loader, self._root, self._layer, _key_bytes(key))
        return CID._trusted(found) if found is not None else None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def items(self, start: str | None = None, stop: str | None = None) -> Iterator[tuple[str, CID]]:
        """(key, CID) pairs in key order, for keys ``start <= key < stop`` when given."""
        low = start.encode("ascii") if start is not None else None
        high = stop.encode("ascii") if stop is not None else None
        for key, value in self._entries(low, high):
            yield key_text(key, "the tree"), CID._trusted(value)

    def keys(self) -> Iterator[str]:
        for key, _ in self.items():
            yield key

    def __iter__(self) -> Iterator[str]:
        return self.keys()

    def _entries(self, low: bytes | None, high: bytes | None) -> Iterator[tuple[bytes, bytes]]:
        # In-order walk with an explicit stack: subtrees (Node or CID) and (key, value) pairs.
        stack: list[object] = []
        layers: list[int] = []
        if self._root is not None:
            stack.append(self._root)
            layers.append(self._layer)
        last = b""
        while stack:  # every node is pushed once, by its parent
            item = stack.pop()
            layer = layers.pop()
            if type(item) is tuple:
                if item[0] <= last:
                    raise MstError(f"MST keys out of order: {item[0][:120]!r} after {last[:120]!r}")
                last = item[0]
                yield item
                continue
            if layer < 0:
                raise MstError("the tree links a subtree below layer 0")
            node = self._node(item, layer, keep=False)
            keys = node.keys
            count = len(keys)
            for index in range(count, -1, -1):
                if (
                    index < count
                    and (low is None or keys[index] >= low)
                    and (high is None or keys[index] < high)
                ):
                    stack.append((keys[index], node.values[index]))
                    layers.append(layer)
                child = node.child(index)
                if child is None:
                    continue
                if index < count and low is not None and keys[index] <= low:
                    continue  # everything in it sorts below keys[index] <= low
                if index and high is not None and keys[index - 1] >= high:
                    continue
                stack.append(child)
                layers.append(layer - 1)

    def _node(self, ref: object, layer: int, *, keep: bool = True) -> Node:
        if type(ref) is Node:
            return ref
        assert type(ref) is bytes
        return self._loader.load(ref, layer, "MST node of the walked range", keep=keep)

    # -- editing --------------------------------------------------------------------------

    def put(self, key: str, value: CID) -> Mst:
        """A tree with ``key`` set to ``value`` (inserted or updated)."""
        raw_key = check_key(key)
        raw_value = _raw(value)
        height = key_height(raw_key)
        loader, root, layer = self._loader, self._root, self._layer
        if root is None:
            return Mst(Node(height, None, (raw_key,), (raw_value,), (None,)), height, loader)
        if height > layer:
            lower, upper = split(loader, root, layer, raw_key)
            node = Node(
                height,
                lift(lower, layer, height - 1),
                (raw_key,),
                (raw_value,),
                (lift(upper, layer, height - 1),),
            )
            return Mst(node, height, loader)
        return Mst(insert(loader, root, layer, raw_key, height, raw_value), layer, loader)

    def delete(self, key: str) -> Mst:
        """A tree without ``key``; ``MstKeyError`` if the tree does not hold it."""
        raw_key = _key_bytes(key)
        loader = self._loader
        root = remove(loader, self._root, self._layer, raw_key)
        layer = self._layer
        for _ in range(layer + 2):  # drop key-less nodes off the top
            if root is None:
                return Mst(None, 0, loader)
            node = loader.resolve(root, layer, _ROOT)
            if node.keys:
                return Mst(node, layer, loader)
            root, layer = node.left, layer - 1
        raise MstError("the tree has a key-less node at layer 0")

    # -- blocks ---------------------------------------------------------------------------

    def blocks(self) -> Iterator[Block]:
        """Every node block of the tree, root first (reading stored ones from the source)."""
        root = self.root  # encodes new nodes
        if self._root is None:
            yield Block(root, EMPTY_NODE)
            return
        stack: list[tuple[Node | bytes, int]] = [(self._root, self._layer)]
        while stack:  # each node is pushed once, by its parent
            ref, layer = stack.pop()
            node = self._node(ref, layer, keep=False)
            assert node.cid is not None
            assert node.block is not None
            yield Block(CID._trusted(node.cid), node.block)
            for child in (*reversed(node.rights), node.left):
                if child is not None:
                    stack.append((child, layer - 1))

    def traced(self) -> tuple[Mst, dict[bytes, bytes]]:
        """This tree with a loader that records every node of it that edits and lookups
        read (binary CID -> block, the root included): the proof of those operations."""
        root = self.root  # gives every node of this version its CID
        loader = self._loader.traced()
        assert loader.touched is not None
        touched = loader.touched
        if self._root is None:
            touched[root.raw] = EMPTY_NODE
        elif type(self._root) is Node:
            assert self._root.block is not None
            touched[root.raw] = self._root.block
        else:
            loader.load(root.raw, self._layer, _ROOT)
        return Mst(self._root, self._layer, loader), touched

    def check(self) -> int:
        """Read the whole tree, checking every rule of the spec (node format, key heights,
        layers, prefix compression, key order, no empty nodes); the number of keys."""
        return sum(1 for _ in self._entries(None, None))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mst) and self.root == other.root

    def __hash__(self) -> int:
        return hash(self.root)

    def __repr__(self) -> str:
        return f"Mst(root={self.root}, layer={self._layer})"


def _build(
    entries: list[tuple[bytes, bytes]], heights: list[int], start: int, stop: int, layer: int
) -> Ref:
    """The subtree at ``layer`` holding ``entries[start:stop]`` (all of height <= layer)."""
    if start == stop:
        return None
    if layer == 0:
        keys = tuple(key for key, _ in entries[start:stop])
        values = tuple(value for _, value in entries[start:stop])
        return Node(0, None, keys, values, (None,) * len(keys))
    marks = [index for index in range(start, stop) if heights[index] == layer]
    left = _build(entries, heights, start, marks[0] if marks else stop, layer - 1)
    if not marks:
        return Node(layer, left, (), (), ())
    ends = [*marks[1:], stop]
    rights = tuple(
        _build(entries, heights, mark + 1, end, layer - 1)
        for mark, end in zip(marks, ends, strict=True)
    )
    keys = tuple(entries[mark][0] for mark in marks)
    values = tuple(entries[mark][1] for mark in marks)
    return Node(layer, left, keys, values, rights)


def _raw(value: CID) -> bytes:
    if not isinstance(value, CID):
        raise MstError(f"MST values must be CIDs, got {type(value).__name__}")
    return value.raw


def _key_bytes(key: str) -> bytes:
    if type(key) is not str or not key.isascii():
        raise MstKeyError(f"invalid MST key {key!r:.120}: keys are ASCII strings")
    return key.encode("ascii")
