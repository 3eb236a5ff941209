"""Differences between two trees, the record operations between them, and their proofs.

``diff(old, new)`` gives what a commit from ``old`` to ``new`` must say and carry: the
nodes it creates and drops, the record operations, the nodes proving each new or removed
key (inclusion and exclusion proofs), and the nodes a consumer needs to undo the
operations on ``new`` and arrive at ``old`` (Sync 1.1's inductive proof, ``prevData``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from skykit.data import CID
from skykit.repo._errors import InversionError, MissingBlockError, MstKeyError
from skykit.repo.blocks import BlockSource
from skykit.repo.mst._edit import find, neighbours, prove
from skykit.repo.mst._nodes import Node, Ref, empty_node, store
from skykit.repo.mst._tree import Mst


@dataclass(frozen=True, slots=True)
class RecordOp:
    """One record change: ``old`` is the CID before (None for a create), ``new`` after
    (None for a delete)."""

    path: str
    old: CID | None
    new: CID | None

    @property
    def action(self) -> Literal["create", "update", "delete"]:
        if self.old is None:
            return "create"
        return "delete" if self.new is None else "update"

    def __str__(self) -> str:
        return f"{self.action} {self.path}"


@dataclass(frozen=True)
class MstDiff:
    """What changed from one tree to another; CID sets are of MST nodes."""

    ops: list[RecordOp]
    created_nodes: frozenset[CID]
    deleted_nodes: frozenset[CID]
    proof_nodes: frozenset[CID]
    """Inclusion proofs of created and updated keys, exclusion proofs of deleted ones."""
    inductive_proof_nodes: frozenset[CID]
    """The fewest nodes of the new tree that undoing the operations reads (Sync 1.1)."""
    covering_proof_nodes: frozenset[CID]
    """Each changed key's search path and the paths to the keys beside it: what the
    reference implementation ships, enough for any consumer's way of inverting."""
    blocks: dict[CID, bytes] = field(repr=False)
    """Blocks of the new tree's nodes named above."""

    @property
    def commit_nodes(self) -> frozenset[CID]:
        """The MST nodes a firehose ``#commit`` should carry: every created node and the
        covering proofs (a superset of the inductive proof)."""
        return self.created_nodes | self.covering_proof_nodes | self.inductive_proof_nodes


def diff(old: Mst, new: Mst) -> MstDiff:
    """The nodes and record operations that take ``old`` to ``new``, with their proofs."""
    created, deleted, ops, blocks = _compare(old, new)
    proof: dict[bytes, bytes] = {}
    inductive: dict[bytes, bytes] = {}
    covering: dict[bytes, bytes] = {}
    if ops:  # with nothing to prove, no proof
        traced, proof = new.traced()
        for op in ops:
            prove(traced._loader, traced._root, traced.layer, op.path.encode("ascii"))
        traced, covering = new.traced()
        loader, root, layer = traced._loader, traced._root, traced.layer
        for op in ops:
            key = op.path.encode("ascii")
            find(loader, root, layer, key)
            prove(loader, root, layer, key)
            for beside in neighbours(loader, root, layer, key):
                if beside is not None:
                    prove(loader, root, layer, beside)
        traced, inductive = new.traced()
        if invert(traced, ops).root != old.root:
            raise InversionError("the operations between the trees do not invert (a bug)")
    for source in (proof, inductive, covering):
        for raw, block in source.items():
            blocks[CID._trusted(raw)] = block
    return MstDiff(
        ops=ops,
        created_nodes=frozenset(CID._trusted(raw) for raw in created),
        deleted_nodes=frozenset(CID._trusted(raw) for raw in deleted),
        proof_nodes=frozenset(CID._trusted(raw) for raw in proof),
        inductive_proof_nodes=frozenset(CID._trusted(raw) for raw in inductive),
        covering_proof_nodes=frozenset(CID._trusted(raw) for raw in covering),
        blocks=blocks,
    )


def _compare(old: Mst, new: Mst) -> tuple[set[bytes], set[bytes], list[RecordOp], dict[CID, bytes]]:
    """Nodes only in ``new`` (created) and only in ``old`` (deleted), and the record
    operations, reading only the nodes the two trees do not share.

    Walks both trees a layer at a time from the top: a node with the same CID on both
    sides is the same subtree (at the same layer, as its keys fix its layer), so neither
    it nor anything below it needs reading.
    """
    trees = (old, new)
    frontiers: tuple[dict[int, dict[bytes, Ref]], dict[int, dict[bytes, Ref]]] = ({}, {})
    for tree, frontier in zip(trees, frontiers, strict=True):
        root: Ref = tree._root if tree._root is not None else empty_node()
        frontier.setdefault(tree.layer, {})[tree.root.raw] = root
    only: tuple[set[bytes], set[bytes]] = (set(), set())
    entries: tuple[dict[bytes, bytes], dict[bytes, bytes]] = ({}, {})
    blocks: dict[CID, bytes] = {}
    for layer in range(max(old.layer, new.layer), -1, -1):
        level = (frontiers[0].pop(layer, {}), frontiers[1].pop(layer, {}))
        shared = level[0].keys() & level[1].keys()
        for side in (0, 1):
            tree = trees[side]
            for raw, ref in level[side].items():
                if raw in shared:
                    continue
                node = ref if type(ref) is Node else tree._node(ref, layer)
                only[side].add(raw)
                if side == 1 and node.block is not None:
                    blocks[CID._trusted(raw)] = node.block
                entries[side].update(zip(node.keys, node.values, strict=True))
                for child in (node.left, *node.rights):
                    if child is not None:
                        cid = child if type(child) is bytes else store(child)  # type: ignore[arg-type]
                        frontiers[side].setdefault(layer - 1, {})[cid] = child
    ops = [
        RecordOp(
            key.decode("ascii"),
            CID._trusted(entries[0][key]) if key in entries[0] else None,
            CID._trusted(entries[1][key]) if key in entries[1] else None,
        )
        for key in sorted(entries[0].keys() | entries[1].keys())
        if entries[0].get(key) != entries[1].get(key)
    ]
    return only[1], only[0], ops, blocks


def apply(tree: Mst, ops: Iterable[RecordOp]) -> Mst:
    """``tree`` with ``ops`` applied in order, each checked against what the tree holds."""
    for op in ops:
        _expect(tree, op, op.old, "apply")
        tree = tree.delete(op.path) if op.new is None else tree.put(op.path, op.new)
    return tree


def invert(tree: Mst, ops: Sequence[RecordOp]) -> Mst:
    """Undo ``ops`` (the operations that produced ``tree``), last first: the tree before.

    Each operation is checked against the tree (a create's key must hold its new CID, a
    delete's key must be absent); ``InversionError`` if one does not fit.
    """
    for op in reversed(ops):
        try:
            _expect(tree, op, op.new, "invert")
            tree = tree.delete(op.path) if op.old is None else tree.put(op.path, op.old)
        except MissingBlockError as exc:
            raise MissingBlockError(exc.cid, f"{exc.needed_by} (undoing '{op}')") from None
    return tree


def _expect(tree: Mst, op: RecordOp, value: CID | None, verb: str) -> None:
    try:
        found = tree.get(op.path)
    except MstKeyError as exc:
        raise InversionError(f"cannot {verb} '{op}': {exc}") from None
    if found != value:
        held = f"holds {found}" if found is not None else "does not hold it"
        want = f"{value}" if value is not None else "no value"
        raise InversionError(f"cannot {verb} '{op}': the tree {held}, the operation needs {want}")


def check_inversion(root: CID, prev_data: CID, ops: Sequence[RecordOp], blocks: BlockSource) -> Mst:
    """Check a commit the Sync 1.1 way: undoing its ``ops`` on the tree ``root`` (read
    only from the commit's ``blocks``) must give the previous tree root ``prev_data``.

    ``MissingBlockError`` when the commit does not carry a node the inversion needs,
    ``InversionError`` when the ops do not fit or lead elsewhere. Returns the tree before.
    """
    before = invert(Mst.load(root, blocks), ops)
    if before.root != prev_data:
        raise InversionError(
            f"undoing the {len(ops)} operations on tree {root} gives {before.root}, "
            f"not the previous root {prev_data}"
        )
    return before
