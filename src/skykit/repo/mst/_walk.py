"""The fast walk of a stored MST: every (key, record CID) in key order, straight from blocks.

This is the hot path of reading a repo, so it keeps links as binary CIDs, decodes each
node once, builds no tree objects, and hands out runs of consecutive entries rather than
one entry at a time. It checks what reading needs (node format, prefix compression, key
order across the whole walk, each node reached once) but not key heights; ``Mst.load``
and ``Mst.check`` check those.
"""

from __future__ import annotations

from collections.abc import Iterator

from skykit.data import CID
from skykit.repo._errors import MissingBlockError, MstError
from skykit.repo.blocks import BlockSource
from skykit.repo.mst._node import decode_node

Run = list[tuple[str, bytes]]


def walk_stored(
    blocks: BlockSource,
    root: bytes,
    *,
    start: bytes | None = None,
    stop: bytes | None = None,
    missing: list[MissingBlockError] | None = None,
) -> Iterator[tuple[str, bytes]]:
    """(key, binary record CID) for every key ``start <= key < stop`` under ``root``.

    A node that is not in ``blocks`` raises ``MissingBlockError``, or, when a ``missing``
    list is given, is noted there and its keys are skipped (for partial CARs).
    """
    for run in walk_runs(blocks, root, start=start, stop=stop, missing=missing):
        yield from run


def walk_runs(
    blocks: BlockSource,
    root: bytes,
    *,
    start: bytes | None = None,
    stop: bytes | None = None,
    missing: list[MissingBlockError] | None = None,
) -> Iterator[Run]:
    """Like ``walk_stored``, in lists of consecutive entries (one per stretch of a node)."""
    get = blocks.get_raw
    low = start.decode("ascii") if start is not None else None
    high = stop.decode("ascii") if stop is not None else None
    seen: set[bytes] = set()
    stack: list[bytes | Run] = [root]
    last = ""
    while stack:  # each node is pushed by its parent and visited at most once (``seen``)
        item = stack.pop()
        if type(item) is list:
            if item[0][0] <= last and last:
                raise MstError(f"MST keys out of order: {item[0][0][:120]!r} after {last[:120]!r}")
            last = item[-1][0]
            yield item
            continue
        assert type(item) is bytes
        if item in seen:
            raise MstError(
                f"MST node {CID._trusted(item)} is reached twice: the tree is not a tree"
            )
        seen.add(item)
        data = get(item)
        if data is None:
            where = f"after key {last!r}" if last else "at the start"
            error = MissingBlockError(
                CID._trusted(item),
                "the MST root" if item == root else f"MST node holding the keys {where}",
            )
            if missing is None:
                raise error
            missing.append(error)
            continue
        left, entries = decode_node(data, item)
        if not entries and left is None and item != root:
            raise MstError(
                f"MST node {CID._trusted(item)} is empty (only an empty tree's root may be)"
            )
        _push(stack, item, left, entries, low, high)


def _push(
    stack: list[bytes | Run],
    cid: bytes,
    left: bytes | None,
    entries: list[tuple[int, bytes, bytes, bytes | None]],
    low: str | None,
    high: str | None,
) -> None:
    """Push the node's subtrees and runs of entries so that they pop in key order."""
    pending: list[bytes | Run] = []
    run: Run = []
    previous = b""
    before = ""  # the previous key as text
    subtree: bytes | None = left
    for prefix, suffix, value, right in entries:
        if prefix > len(previous) or (
            prefix < len(previous) and suffix[:1] == previous[prefix : prefix + 1]
        ):
            raise MstError(
                f"MST node {CID._trusted(cid)}: prefix length {prefix} does not match the "
                f"previous key {previous[:120]!r}"
            )
        key_bytes = previous[:prefix] + suffix
        if key_bytes <= previous:
            raise MstError(
                f"MST node {CID._trusted(cid)}: keys out of order: {key_bytes[:120]!r} after "
                f"{previous[:120]!r}"
            )
        try:
            key = key_bytes.decode("ascii")
        except UnicodeDecodeError:
            raise MstError(
                f"MST node {CID._trusted(cid)}: key {key_bytes[:120]!r} is not ASCII"
            ) from None
        # The subtree before this key holds keys between ``before`` and ``key``.
        if (
            subtree is not None
            and (low is None or key > low)
            and (high is None or not before or before < high)
        ):
            if run:
                pending.append(run)
                run = []
            pending.append(subtree)
        if (low is None or key >= low) and (high is None or key < high):
            run.append((key, value))
        previous = key_bytes
        before = key
        subtree = right
    if run:
        pending.append(run)
    if subtree is not None and (high is None or not before or before < high):
        pending.append(subtree)
    pending.reverse()
    stack.extend(pending)
