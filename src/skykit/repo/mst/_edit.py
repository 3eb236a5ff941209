"""The MST's edits as functions on nodes: get, insert/update, split, delete, merge.

Each returns new nodes and leaves the old ones alone, and loads a stored node only when
the edit must look inside it, so the nodes a loader records while editing are exactly
the ones a consumer needs to repeat the edit (a commit's proof). Recursion goes one call
per layer, and layers are at most 128 (SHA-256 has 256 bits, two per layer).
"""

from __future__ import annotations

from bisect import bisect_left

from skykit.repo._errors import MstKeyError
from skykit.repo.mst._node import key_height
from skykit.repo.mst._nodes import Loader, Node, Ref, lift, make


def find(loader: Loader, ref: Ref, layer: int, key: bytes) -> bytes | None:
    """The value of ``key`` in the subtree ``ref``, or None.

    A key can only sit in the layer of its height, so the search stops there (or at once
    when the key is higher than the subtree): a proof of absence needs no more nodes.
    """
    height = key_height(key)
    for _ in range(layer + 2):  # one step per layer down to 0
        if ref is None or height > layer:
            return None
        node = loader.resolve(ref, layer, _needed(key))
        index = bisect_left(node.keys, key)
        if index < len(node.keys) and node.keys[index] == key:
            return node.values[index]
        if height == layer:
            return None
        ref = node.child(index)
        layer -= 1
    return None


def prove(loader: Loader, ref: Ref, layer: int, key: bytes) -> None:
    """Read the nodes that prove ``key`` present or absent: the root alone when the key is
    higher than the whole tree, else every node on the search path down to the key or to
    the empty spot where it would be (the convention of the MST test suite)."""
    if ref is not None and key_height(key) > layer:
        loader.resolve(ref, layer, _needed(key))
        return
    for _ in range(layer + 2):  # one step per layer down to 0
        if ref is None:
            return
        node = loader.resolve(ref, layer, _needed(key))
        index = bisect_left(node.keys, key)
        if index < len(node.keys) and node.keys[index] == key:
            return
        ref = node.child(index)
        layer -= 1


def neighbours(
    loader: Loader, ref: Ref, layer: int, key: bytes
) -> tuple[bytes | None, bytes | None]:
    """The keys just before and just after ``key`` in the subtree (either may be None)."""
    if ref is None:
        return None, None
    node = loader.resolve(ref, layer, _needed(key))
    index = bisect_left(node.keys, key)
    found = index < len(node.keys) and node.keys[index] == key
    before = node.keys[index - 1] if index else None
    after_index = index + 1 if found else index
    after = node.keys[after_index] if after_index < len(node.keys) else None
    if found:
        lower = _edge(loader, node.child(index), layer - 1, last=True)
        upper = _edge(loader, node.rights[index], layer - 1, last=False)
    else:
        lower, upper = neighbours(loader, node.child(index), layer - 1, key)
    return (lower if lower is not None else before), (upper if upper is not None else after)


def _edge(loader: Loader, ref: Ref, layer: int, *, last: bool) -> bytes | None:
    """The last (or first) key of a subtree, or None for no subtree."""
    found: bytes | None = None
    for _ in range(layer + 2):  # one step per layer down to 0
        if ref is None:
            return found
        node = loader.resolve(ref, layer, "MST node at the edge of a subtree")
        if node.keys:
            found = node.keys[-1] if last else node.keys[0]
        ref = node.child(len(node.keys)) if last else node.left
        layer -= 1
    return found


def insert(
    loader: Loader, ref: Node | bytes, layer: int, key: bytes, height: int, value: bytes
) -> Node:
    """Put ``key`` (of ``height`` <= ``layer``) in the subtree ``ref`` at ``layer``."""
    node = loader.resolve(ref, layer, _needed(key))
    index = bisect_left(node.keys, key)
    if height == layer:
        if index < len(node.keys) and node.keys[index] == key:
            if node.values[index] == value:
                return node
            values = (*node.values[:index], value, *node.values[index + 1 :])
            return Node(layer, node.left, node.keys, values, node.rights)
        lower, upper = split(loader, node.child(index), layer - 1, key)
        left = lower if index == 0 else node.left
        rights = (*node.rights[: index - 1], lower) if index else ()
        return Node(
            layer,
            left,
            (*node.keys[:index], key, *node.keys[index:]),
            (*node.values[:index], value, *node.values[index:]),
            (*rights, upper, *node.rights[index:]),
        )
    child = node.child(index)
    if child is None:
        below: Ref = lift(Node(height, None, (key,), (value,), (None,)), height, layer - 1)
    else:
        below = insert(loader, child, layer - 1, key, height, value)
    return _with_child(node, index, below)


def split(loader: Loader, ref: Ref, layer: int, key: bytes) -> tuple[Ref, Ref]:
    """The subtree ``ref`` cut around ``key`` (which it does not hold): keys below, above."""
    if ref is None:
        return None, None
    node = loader.resolve(ref, layer, _needed(key))
    index = bisect_left(node.keys, key)
    lower, upper = split(loader, node.child(index), layer - 1, key)
    if index == 0:
        below = make(layer, lower, (), (), ())
    else:
        below = make(
            layer,
            node.left,
            node.keys[:index],
            node.values[:index],
            (*node.rights[: index - 1], lower),
        )
    above = make(layer, upper, node.keys[index:], node.values[index:], node.rights[index:])
    return below, above


def remove(loader: Loader, ref: Ref, layer: int, key: bytes) -> Ref:
    """The subtree ``ref`` without ``key``; ``MstKeyError`` if it does not hold it."""
    if ref is None:
        raise MstKeyError(f"the tree holds no key {key.decode('ascii', 'replace')!r}")
    node = loader.resolve(ref, layer, _needed(key))
    index = bisect_left(node.keys, key)
    if index < len(node.keys) and node.keys[index] == key:
        joined = merge(loader, node.child(index), node.rights[index], layer - 1, key)
        left = joined if index == 0 else node.left
        rights = (*node.rights[: index - 1], joined) if index else ()
        return make(
            layer,
            left,
            (*node.keys[:index], *node.keys[index + 1 :]),
            (*node.values[:index], *node.values[index + 1 :]),
            (*rights, *node.rights[index + 1 :]),
        )
    below = remove(loader, node.child(index), layer - 1, key)
    if below is None and not node.keys and index == 0:
        return None
    return _with_child(node, index, below)


def merge(loader: Loader, first: Ref, second: Ref, layer: int, key: bytes) -> Ref:
    """One subtree from the two neighbours at ``layer`` of the deleted ``key``."""
    if first is None:
        return second
    if second is None:
        return first
    needed = f"MST node beside deleted key {key.decode('ascii', 'replace')!r}, to merge around it"
    a = loader.resolve(first, layer, needed)
    b = loader.resolve(second, layer, needed)
    seam = merge(loader, a.rights[-1] if a.keys else a.left, b.left, layer - 1, key)
    if not a.keys:
        return Node(layer, seam, b.keys, b.values, b.rights)
    return Node(
        layer,
        a.left,
        a.keys + b.keys,
        a.values + b.values,
        (*a.rights[:-1], seam, *b.rights),
    )


def _with_child(node: Node, index: int, child: Ref) -> Node:
    if index == 0:
        return Node(node.layer, child, node.keys, node.values, node.rights)
    rights = (*node.rights[: index - 1], child, *node.rights[index:])
    return Node(node.layer, node.left, node.keys, node.values, rights)


def _needed(key: bytes) -> str:
    return f"MST node on the path to key {key.decode('ascii', 'replace')!r}"
