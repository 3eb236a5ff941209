"""The MST against the shared conformance files: interop key heights and common prefixes,
the firehose commit-proof fixtures, and the 768 cases of the MST diff test suite."""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from skykit.data import CID
from skykit.repo import CarBlocks, MemoryBlocks, MissingBlockError
from skykit.repo.mst import Mst, common_prefix_length, diff, invert, key_height
from tests import corpora


def _json(*parts: str) -> Any:
    return json.loads(corpora.path(*parts).read_text(encoding="utf-8"))


def _cases(*parts: str) -> list[Any]:
    if not corpora.available():
        return []
    return json.loads(corpora.CORPORA.joinpath(*parts).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _suite_cases() -> list[str]:
    if not corpora.available():
        return []
    folder = corpora.CORPORA / "mst-test-suite" / "tests"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.json"))


def test_key_heights() -> None:
    cases = _json("interop", "mst", "key_heights.json")
    assert len(cases) == 9
    for case in cases:
        assert key_height(case["key"].encode()) == case["height"], case


def test_common_prefix_lengths() -> None:
    cases = _json("interop", "mst", "common_prefix.json")
    assert len(cases) == 13
    for case in cases:
        left, right = case["left"].encode(), case["right"].encode()
        assert common_prefix_length(left, right) == case["len"], case


def test_example_keys_have_the_height_their_name_says() -> None:
    corpora.path()  # skips when the corpora are absent
    keys = corpora.lines("interop", "mst", "example_keys.txt")
    assert len(keys) == 156
    for key in keys:
        assert key_height(key.encode()) == int(key[1]), key


@pytest.mark.parametrize(
    "case",
    _cases("interop", "firehose", "commit-proof-fixtures.json"),
    ids=lambda case: case["comment"],
)
def test_commit_proof_fixture(case: dict[str, Any]) -> None:
    leaf = CID.decode(case["leafValue"])
    before = Mst.build(dict.fromkeys(case["keys"], leaf))
    assert str(before.root) == case["rootBeforeCommit"]

    # Edited one key at a time, and built afresh, the tree reaches the same root.
    after = before
    for key in case["adds"]:
        after = after.put(key, leaf)
    for key in case["dels"]:
        after = after.delete(key)
    assert str(after.root) == case["rootAfterCommit"]
    final_keys = (set(case["keys"]) | set(case["adds"])) - set(case["dels"])
    assert Mst.build(dict.fromkeys(final_keys, leaf)).root == after.root

    changes = diff(before, after)
    assert {op.path for op in changes.ops} == set(case["adds"]) | set(case["dels"])
    expected = {CID.decode(cid) for cid in case["blocksInProof"]}
    assert changes.covering_proof_nodes == expected
    assert expected <= changes.commit_nodes

    # Only the shipped blocks, and only the minimal inductive proof, each invert the
    # commit in every order of its operations.
    for proof in (changes.commit_nodes, changes.inductive_proof_nodes):
        blocks = MemoryBlocks({cid: changes.blocks[cid] for cid in proof})
        for order in itertools.permutations(changes.ops):
            assert invert(Mst.load(after.root, blocks), list(order)).root == before.root


def test_inversion_without_a_proof_node_names_it() -> None:
    corpora.path()  # skips when the corpora are absent
    case = _cases("interop", "firehose", "commit-proof-fixtures.json")[0]
    leaf = CID.decode(case["leafValue"])
    before = Mst.build(dict.fromkeys(case["keys"], leaf))
    after = before.put(case["adds"][0], leaf)
    changes = diff(before, after)
    dropped = next(cid for cid in changes.inductive_proof_nodes if cid != after.root)
    blocks = MemoryBlocks({cid: data for cid, data in changes.blocks.items() if cid != dropped})
    with pytest.raises(MissingBlockError, match=str(dropped)) as caught:
        invert(Mst.load(after.root, blocks), changes.ops)
    assert caught.value.cid == dropped
    assert "MST node" in caught.value.needed_by


@cache
def _suite_tree(relative: str) -> Mst:
    blocks = CarBlocks.open(corpora.CORPORA / "mst-test-suite" / relative)
    assert len(blocks.roots) == 1
    return Mst.load(blocks.roots[0], blocks)


def _cid_set(values: list[str]) -> set[CID]:
    return {CID.decode(value) for value in values}


@pytest.mark.parametrize("name", _suite_cases())
def test_mst_diff_suite(name: str) -> None:
    case = json.loads((corpora.CORPORA / "mst-test-suite" / "tests" / name).read_text())
    assert case["$type"] == "mst-diff"
    old = _suite_tree(case["inputs"]["mst_a"])
    new = _suite_tree(case["inputs"]["mst_b"])
    result = case["results"]
    changes = diff(old, new)
    assert changes.created_nodes == _cid_set(result["created_nodes"])
    assert changes.deleted_nodes == _cid_set(result["deleted_nodes"])
    ops = [
        {
            "rpath": op.path,
            "old_value": str(op.old) if op.old is not None else None,
            "new_value": str(op.new) if op.new is not None else None,
        }
        for op in changes.ops
    ]
    assert ops == result["record_ops"]
    assert changes.proof_nodes == _cid_set(result["proof_nodes"])
    assert changes.inductive_proof_nodes == _cid_set(result["inductive_proof_nodes"])
    # Backwards too: the ops take the old tree to the new one.
    forward = old
    for op in changes.ops:
        forward = forward.delete(op.path) if op.new is None else forward.put(op.path, op.new)
    assert forward.root == new.root


def test_suite_subset_is_complete() -> None:
    corpora.path()  # skips when the corpora are absent
    assert len(_suite_cases()) == 768
    cars = list((corpora.path("mst-test-suite") / "cars" / "exhaustive").glob("*.car"))
    assert len(cars) == 128


def test_suite_trees_are_canonical_and_rebuild() -> None:
    # Every one of the 128 subset trees: loading checks each node; rebuilding from the keys
    # alone gives the same root.
    for path in sorted((corpora.path("mst-test-suite") / "cars" / "exhaustive").glob("*.car")):
        tree = _suite_tree(str(Path("cars") / "exhaustive" / path.name))
        items = list(tree.items())
        assert tree.check() == len(items)
        assert Mst.build(items).root == tree.root, path.name
