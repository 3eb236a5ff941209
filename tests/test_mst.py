"""The MST: edits, builds, walks, diffs and inversion, by example and by property."""

from __future__ import annotations

import contextlib
import hashlib
import random
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skykit.data import CID, encode_dag_cbor
from skykit.repo import MemoryBlocks, MissingBlockError, MstError, MstKeyError
from skykit.repo.mst import (
    Mst,
    RecordOp,
    apply,
    check_inversion,
    diff,
    invert,
    is_valid_key,
    key_height,
    walk_stored,
)

EMPTY_ROOT = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"


def cid(text: str) -> CID:
    return CID.compute(encode_dag_cbor({"v": text}))


def stored(tree: Mst) -> MemoryBlocks:
    return MemoryBlocks(list(tree.blocks()))


def keys_of_height(height: int, count: int, prefix: str = "com.example.record") -> Iterator[str]:
    found = 0
    for n in range(1_000_000):  # heights >= 3 take a few hundred tries each
        key = f"{prefix}/{n:06d}"
        if key_height(key.encode()) == height:
            yield key
            found += 1
            if found == count:
                return
    raise AssertionError("no such keys")


# -- examples -------------------------------------------------------------------------


def test_empty_tree() -> None:
    tree = Mst.empty()
    assert str(tree.root) == EMPTY_ROOT
    assert list(tree.items()) == []
    assert tree.get("a/b") is None
    assert Mst.build({}).root == tree.root
    loaded = Mst.load(tree.root, stored(tree))
    assert loaded.root == tree.root
    assert loaded.check() == 0


def test_put_get_update_delete() -> None:
    tree = Mst.empty().put("app.bsky.feed.post/3k2", cid("a"))
    assert tree.get("app.bsky.feed.post/3k2") == cid("a")
    assert "app.bsky.feed.post/3k2" in tree
    updated = tree.put("app.bsky.feed.post/3k2", cid("b"))
    assert updated.get("app.bsky.feed.post/3k2") == cid("b")
    assert tree.get("app.bsky.feed.post/3k2") == cid("a")  # old versions are untouched
    assert updated.put("app.bsky.feed.post/3k2", cid("b")) == updated
    assert str(updated.delete("app.bsky.feed.post/3k2").root) == EMPTY_ROOT
    with pytest.raises(MstKeyError, match="holds no key"):
        updated.delete("app.bsky.feed.post/other")


@pytest.mark.parametrize(
    "key",
    [
        "",
        "nocollection",
        "/rkey",
        "coll/",
        "a/b/c",
        "a/b c",
        "a/\u00e9",
        "a/" + "x" * 1100,
        "a/b\n",
    ],
)
def test_invalid_keys(key: str) -> None:
    assert not is_valid_key(key)
    with pytest.raises(MstKeyError, match="invalid MST key"):
        Mst.empty().put(key, cid("x"))


def test_valid_key_characters() -> None:
    assert is_valid_key("app.bsky.feed.post/3jzfcijpj2z2a")
    assert is_valid_key("com.example.record/a-b_c~d:e.f")


def test_duplicate_keys_in_build() -> None:
    with pytest.raises(MstKeyError, match="twice"):
        Mst.build([("a/b", cid("1")), ("a/b", cid("2"))])


def test_tall_tree_with_every_layer_edited() -> None:
    # Keys of heights 0-3, inserted in a shuffled order, deleted in another.
    keys = [k for height in range(4) for k in keys_of_height(height, 6 - height)]
    rng = random.Random(7)
    order = keys[:]
    rng.shuffle(order)
    tree = Mst.empty()
    for key in order:
        tree = tree.put(key, cid(key))
    assert tree.layer == 3
    assert tree.root == Mst.build({key: cid(key) for key in keys}).root
    rng.shuffle(order)
    for index, key in enumerate(order):
        tree = tree.delete(key)
        rest = {k: cid(k) for k in order[index + 1 :]}
        assert tree.root == Mst.build(rest).root


def test_items_range_and_order() -> None:
    items = {f"coll.{c}/{n:03d}": cid(f"{c}{n}") for c in "abc" for n in range(40)}
    tree = Mst.build(items)
    assert list(tree.items()) == sorted(items.items())
    assert list(tree.items("coll.b/", "coll.b0")) == sorted(
        (k, v) for k, v in items.items() if k.startswith("coll.b/")
    )
    assert list(tree.keys())[:2] == ["coll.a/000", "coll.a/001"]
    blocks = stored(tree)
    walked = [(k, CID._trusted(v)) for k, v in walk_stored(blocks, tree.root.raw)]
    assert walked == sorted(items.items())
    ranged = list(walk_stored(blocks, tree.root.raw, start=b"coll.a/010", stop=b"coll.c/005"))
    assert [k for k, _ in ranged] == sorted(k for k in items if "coll.a/010" <= k < "coll.c/005")


def test_loaded_tree_edits_read_only_what_they_need() -> None:
    items = {f"app.bsky.feed.like/{n:05d}": cid(str(n)) for n in range(2000)}
    tree = Mst.build(items)
    blocks = stored(tree)
    loaded = Mst.load(tree.root, blocks)
    traced, touched = loaded.traced()
    edited = traced.put("app.bsky.feed.like/01000x", cid("new"))
    assert edited.root == tree.put("app.bsky.feed.like/01000x", cid("new")).root
    assert len(touched) <= 3 * (tree.layer + 2)  # a path, not the tree
    assert len(blocks) > 100


def test_missing_node_names_the_block() -> None:
    tree = Mst.build({f"a.b/{n:04d}": cid(str(n)) for n in range(300)})
    blocks = stored(tree)
    leaf = list(tree.blocks())[-1].cid
    partial = MemoryBlocks([b for b in tree.blocks() if b.cid != leaf])
    with pytest.raises(MissingBlockError) as caught:
        list(Mst.load(tree.root, partial).items())
    assert caught.value.cid == leaf
    assert str(leaf) in str(caught.value)
    with pytest.raises(MissingBlockError, match="MST node holding the keys after"):
        list(walk_stored(partial, tree.root.raw))
    missing: list[MissingBlockError] = []
    listed = list(walk_stored(partial, tree.root.raw, missing=missing))
    assert [m.cid for m in missing] == [leaf]
    assert 0 < len(listed) < 300
    assert len(blocks) == len(partial) + 1
    with pytest.raises(MissingBlockError, match="the MST root"):
        Mst.load(tree.root, MemoryBlocks())


def test_check_inversion_detects_wrong_prev_data_and_wrong_ops() -> None:
    before = Mst.build({f"a.b/{n:03d}": cid(str(n)) for n in range(50)})
    after = before.put("a.b/new", cid("new")).delete("a.b/010")
    changes = diff(before, after)
    blocks = MemoryBlocks({c: changes.blocks[c] for c in changes.commit_nodes})
    assert check_inversion(after.root, before.root, changes.ops, blocks).root == before.root
    from skykit.repo import InversionError

    with pytest.raises(InversionError, match="not the previous root"):
        check_inversion(after.root, after.root, changes.ops, blocks)
    wrong = [RecordOp("a.b/new", None, cid("other"))]
    with pytest.raises(InversionError, match=r"cannot invert 'create a\.b/new'"):
        check_inversion(after.root, before.root, wrong, blocks)
    with pytest.raises(InversionError, match="cannot apply"):
        apply(before, [RecordOp("a.b/001", cid("wrong"), None)])


def test_record_op_actions() -> None:
    assert RecordOp("a/b", None, cid("1")).action == "create"
    assert RecordOp("a/b", cid("1"), cid("2")).action == "update"
    assert RecordOp("a/b", cid("1"), None).action == "delete"
    assert str(RecordOp("a/b", cid("1"), None)) == "delete a/b"


# -- malformed nodes ----------------------------------------------------------------------


def _node(entries: list[dict[str, object]], left: CID | None = None) -> dict[str, object]:
    return {"e": entries, "l": left}


def _entry(
    key: bytes, prefix: int = 0, right: CID | None = None, value: object = None
) -> dict[str, object]:
    return {"k": key, "p": prefix, "t": right, "v": cid("x") if value is None else value}


def _compressed(*keys: bytes) -> list[dict[str, object]]:
    """Entries for sorted ``keys`` with correct prefix compression."""
    out, previous = [], b""
    for key in keys:
        shared = 0
        while shared < min(len(key), len(previous)) and key[shared] == previous[shared]:
            shared += 1
        out.append(_entry(key[shared:], prefix=shared))
        previous = key
    return out


def _load(node: dict[str, object], *extra: dict[str, object]) -> Mst:
    blocks = MemoryBlocks()
    for item in extra:
        blocks.put(encode_dag_cbor(item))  # type: ignore[arg-type]
    root = blocks.put(encode_dag_cbor(node))  # type: ignore[arg-type]
    tree = Mst.load(root, blocks)
    tree.check()
    return tree


def _two_keys_of_height(height: int) -> tuple[bytes, bytes]:
    first, second = keys_of_height(height, 2)
    return first.encode(), second.encode()


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"e": []}, "exactly the fields"),
        ({"e": [], "l": None, "x": 1}, "exactly the fields"),
        ({"e": "no", "l": None}, "'e' must be a list"),
        ({"e": [], "l": b"notalink"}, "'l' must be a link"),
        (_node([{"k": b"a/b", "p": 0, "v": cid("x")}]), "exactly 'k', 'p', 't' and 'v'"),
        (_node([_entry(b"a/b", prefix=-1)]), "'p' must be a non-negative integer"),
        (_node([_entry(b"a/b", value=b"bytes")]), "'v' must be a link"),
        (_node([{"k": "a/b", "p": 0, "t": None, "v": cid("x")}]), "'k' must be a byte string"),
        (_node([{"k": cid("k"), "p": 0, "t": None, "v": cid("x")}]), "'k' must be a byte string"),
        (_node([_entry(b"a/b", right=b"x")]), "'t' must be a link"),  # type: ignore[arg-type]
    ],
    ids=[
        "no l",
        "extra field",
        "e not list",
        "l bytes",
        "entry without t",
        "negative prefix",
        "v bytes",
        "k text",
        "k link",
        "t bytes",
    ],
)
def test_malformed_node_fields(node: dict[str, object], message: str) -> None:
    with pytest.raises(MstError, match=message):
        _load(node)


def test_node_that_is_not_dag_cbor() -> None:
    blocks = MemoryBlocks()
    root = blocks.put(b"\xa2\x61e\x80\x61l\xf6\x00")  # a map, then a trailing byte
    with pytest.raises(MstError, match="malformed"):
        Mst.load(root, blocks)


def test_keys_out_of_order_in_a_node() -> None:
    first, second = _two_keys_of_height(0)
    high, low = max(first, second), min(first, second)
    prefix = len(bytes(a for a, b in zip(high, low, strict=False) if a == b))
    with pytest.raises(MstError, match="out of order"):
        _load(_node([_entry(high), _entry(low[prefix:], prefix=prefix)]))


def test_bad_prefix_lengths() -> None:
    first, second = sorted(_two_keys_of_height(0))
    shared = 0
    while first[shared] == second[shared]:
        shared += 1
    with pytest.raises(MstError, match="less than the bytes it shares"):
        _load(_node([_entry(first), _entry(second, prefix=0)]))
    with pytest.raises(MstError, match="claims"):
        _load(_node([_entry(first), _entry(second[shared:], prefix=len(first) + 1)]))
    with pytest.raises(MstError, match="claims"):
        _load(_node([_entry(first, prefix=1)]))


def test_keys_of_the_wrong_layer() -> None:
    low = next(keys_of_height(0, 1)).encode()
    high = next(keys_of_height(1, 1, prefix="com.example.zzz")).encode()
    with pytest.raises(MstError, match="mixes layers"):
        _load(_node(_compressed(*sorted([low, high]))))
    # A layer-1 key below a layer-1 node: the child must be layer 0.
    child = _node([_entry(high)])
    top = next(keys_of_height(1, 1, prefix="com.example.zzzz")).encode()
    with pytest.raises(MstError, match="needs layer 0"):
        _load(_node([_entry(top)], left=CID.compute(encode_dag_cbor(child))), child)  # type: ignore[arg-type]


def test_empty_and_untrimmed_nodes() -> None:
    leaf = _node([_entry(next(keys_of_height(0, 1)).encode())])
    leaf_cid = CID.compute(encode_dag_cbor(leaf))  # type: ignore[arg-type]
    with pytest.raises(MstError, match="not trimmed"):
        _load(_node([], left=leaf_cid), leaf)
    key = next(keys_of_height(1, 1)).encode()
    empty = _node([])
    empty_cid = CID.compute(encode_dag_cbor(empty))  # type: ignore[arg-type]
    with pytest.raises(MstError, match="is empty"):
        _load(_node([_entry(key)], left=empty_cid), empty)
    with pytest.raises(MstError, match="layer 0 but links subtrees"):
        _load(_node([_entry(next(keys_of_height(0, 1)).encode(), right=leaf_cid)]), leaf)


def test_non_ascii_key_in_a_stored_node() -> None:
    blocks = MemoryBlocks()
    root = blocks.put(encode_dag_cbor(_node([_entry("a/\u00e9".encode())])))  # type: ignore[arg-type]
    with pytest.raises(MstError, match="not ASCII"):
        list(walk_stored(blocks, root.raw))


def test_a_node_reached_twice_is_rejected() -> None:
    key = next(keys_of_height(1, 1)).encode()
    leaf = _node([_entry(b"a/a")])
    leaf_cid = CID.compute(encode_dag_cbor(leaf))  # type: ignore[arg-type]
    blocks = MemoryBlocks()
    blocks.put(encode_dag_cbor(leaf))  # type: ignore[arg-type]
    root = blocks.put(encode_dag_cbor(_node([_entry(key, right=leaf_cid)], left=leaf_cid)))  # type: ignore[arg-type]
    with pytest.raises(MstError, match=r"reached twice|out of order"):
        list(walk_stored(blocks, root.raw))


# -- properties ---------------------------------------------------------------------------

_collections = st.sampled_from(["app.bsky.feed.post", "app.bsky.feed.like", "com.example.x"])
_rkeys = st.text(alphabet="234567abcdefghij", min_size=1, max_size=6)
_keys = st.builds(lambda c, r: f"{c}/{r}", _collections, _rkeys)
_key_sets = st.lists(_keys, min_size=0, max_size=120, unique=True)
_settings = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(keys=_key_sets, seed=st.integers(0, 2**32))
def test_any_insert_order_gives_the_built_root(keys: list[str], seed: int) -> None:
    items = {key: cid(key) for key in keys}
    built = Mst.build(items)
    order = keys[:]
    random.Random(seed).shuffle(order)
    tree = Mst.empty()
    for key in order:
        tree = tree.put(key, items[key])
    assert tree.root == built.root
    assert list(tree.items()) == sorted(items.items())
    # Through storage and back: the same tree, every rule holding.
    loaded = Mst.load(tree.root, stored(tree))
    assert loaded.check() == len(keys)
    assert [(k, v) for k, v in loaded.items()] == sorted(items.items())


@_settings
@given(start=_key_sets, target=_key_sets, flip=st.sets(st.integers(0, 119)))
def test_diff_then_apply_gives_the_target(
    start: list[str], target: list[str], flip: set[int]
) -> None:
    old_items = {key: cid(key) for key in start}
    # Keys in both trees get a new value when their index is flipped: updates.
    new_items = {key: cid(key + "!" if i in flip else key) for i, key in enumerate(target)}
    old, new = Mst.build(old_items), Mst.build(new_items)
    changes = diff(old, new)
    assert apply(old, changes.ops).root == new.root
    assert invert(new, changes.ops).root == old.root
    expected = {
        key
        for key in old_items.keys() | new_items.keys()
        if old_items.get(key) != new_items.get(key)
    }
    assert {op.path for op in changes.ops} == expected
    old_nodes = {b.cid for b in old.blocks()}
    new_nodes = {b.cid for b in new.blocks()}
    assert changes.created_nodes == new_nodes - old_nodes
    assert changes.deleted_nodes == old_nodes - new_nodes
    # A consumer holding only the inductive proof can invert the commit.
    proof = MemoryBlocks({c: changes.blocks[c] for c in changes.inductive_proof_nodes})
    if changes.ops:
        assert check_inversion(new.root, old.root, changes.ops, proof).root == old.root
    assert changes.inductive_proof_nodes <= changes.commit_nodes


@_settings
@given(data=st.binary(max_size=300))
def test_random_bytes_as_a_node_fail_cleanly(data: bytes) -> None:
    blocks = MemoryBlocks()
    root = blocks.put(data)
    with contextlib.suppress(MstError, MissingBlockError):
        Mst.load(root, blocks).check()


_links = st.builds(lambda b: CID.compute(b), st.binary(max_size=4))
_suffixes = st.one_of(
    st.binary(min_size=0, max_size=12),
    st.builds(lambda c: c.raw, _links),  # byte strings that look like CIDs
    st.just(b"\x01"),
)
_values = st.one_of(_links, _suffixes, st.none(), st.integers(-2, 40), st.text(max_size=3))
_entries = st.fixed_dictionaries({"k": _values, "p": _values, "t": _values, "v": _values})
_nodes = st.fixed_dictionaries({"e": st.lists(_entries, max_size=4), "l": _values})


@_settings
@given(node=_nodes)
def test_fast_node_decoding_equals_exact_decoding(node: dict[str, object]) -> None:
    """The libipld fast path of node decoding gives what the exact data model decoder
    gives, for well-formed and malformed nodes alike (links versus CID-shaped bytes)."""
    from skykit.data import decode_dag_cbor
    from skykit.repo.mst._node import _decode_exact, decode_node

    data = encode_dag_cbor(node)  # type: ignore[arg-type]
    assert decode_dag_cbor(data) == node
    name = hashlib.sha256(data).digest()
    try:
        expected: object = _decode_exact(data, b"\x01\x71\x12\x20" + name)
    except MstError as exc:
        expected = type(exc)
    try:
        got: object = decode_node(data, b"\x01\x71\x12\x20" + name)
    except MstError as exc:
        got = type(exc)
    assert got == expected
