"""``Repo`` on real repo CARs and firehose slices, repos built here, and their failures."""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path
from typing import Any

import libipld
import pytest

from skykit.crypto import Keypair, PublicKey
from skykit.data import CID, encode_dag_cbor, from_json
from skykit.repo import (
    Block,
    CarBlocks,
    CarError,
    Commit,
    CommitError,
    InvalidSignatureError,
    MemoryBlocks,
    MissingBlockError,
    Mst,
    RecordError,
    RecordOp,
    Repo,
    create_commit,
    write_car,
)
from skykit.repo.mst import check_inversion
from tests import corpora

JETSTREAM = ("real", "jetstream", "corpus")


def _jetstream_repo() -> Repo:
    return Repo.from_car(corpora.path(*JETSTREAM, "repo.car"))


# -- the jetstream corpus repo: expected listing and commit from indigo's goat -------------


def test_jetstream_repo_lists_exactly_the_expected_records() -> None:
    expected = corpora.path(*JETSTREAM, "car_expected_records.tsv").read_text().splitlines()
    with _jetstream_repo() as repo:
        assert [f"{r.path}\t{r.cid}" for r in repo.records()] == expected
        assert len(expected) == 23


def test_jetstream_repo_commit_matches_goat_inspect() -> None:
    lines = corpora.path(*JETSTREAM, "car_expected_commit.txt").read_text().splitlines()
    expected = dict(line.split(": ", 1) for line in lines)
    with _jetstream_repo() as repo:
        assert repo.commit.version == int(expected["ATProto Repo Spec Version"])
        assert repo.did == expected["DID"]
        assert str(repo.data) == expected["Data CID"]
        assert repo.commit.prev is None
        assert expected["Prev CID"] == "<nil>"
        assert repo.rev == expected["Revision"]


def test_jetstream_repo_verifies_structurally_but_not_with_another_accounts_key() -> None:
    # did_docs.json holds the keys of the firehose window's accounts; the repo.car account
    # (did:plc:53iucmf5ldftgqyf2ac7hmhd) is not among them, so no key there may pass.
    docs = json.loads(corpora.path(*JETSTREAM, "did_docs.json").read_text())
    with _jetstream_repo() as repo:
        assert repo.did not in docs
        assert repo.mst.check() == 23
        for doc in list(docs.values())[:5]:
            with pytest.raises(InvalidSignatureError, match="does not verify"):
                repo.verify(_signing_key(doc))


def test_every_real_repo_car_walks_with_values_and_models() -> None:
    import skykit.lex  # noqa: F401
    from skykit.models import model_for_type

    for parts, count in [
        ((*JETSTREAM, "repo.car"), 23),
        (("real", "atproto-dart", "repo.car"), 2836),
    ]:
        with Repo.from_car(corpora.path(*parts)) as repo:
            records = list(repo.records())
            assert len(records) == count
            assert repo.mst.check() == count
            for record in records:
                value = record.value
                assert CID.compute(encode_dag_cbor(value)) == record.cid  # exact bytes
                model = record.model()
                kind = value.get("$type")
                assert (model is None) == (
                    not isinstance(kind, str) or model_for_type(kind) is None
                )
                if model is not None:
                    assert model.to_cid() == record.cid


def test_records_of_one_collection_and_get() -> None:
    with Repo.from_car(corpora.path("real", "atproto-dart", "repo.car")) as repo:
        posts = list(repo.records("app.bsky.feed.post"))
        assert len(posts) == 37
        assert {r.collection for r in posts} == {"app.bsky.feed.post"}
        assert list(repo.records("app.bsky.feed")) == []
        first = posts[0]
        got = repo.get("app.bsky.feed.post", first.rkey)
        assert got is not None
        assert got.cid == first.cid
        assert got.value == first.value
        assert repo.get("app.bsky.feed.post", "nope") is None
        assert repo.collections()["app.bsky.graph.follow"] == 2718


@pytest.mark.anyio
async def test_repo_from_an_async_byte_stream() -> None:
    data = corpora.path(*JETSTREAM, "repo.car").read_bytes()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 1000):
            yield data[start : start + 1000]

    repo = await Repo.from_car_async(chunks())
    expected = corpora.path(*JETSTREAM, "car_expected_records.tsv").read_text().splitlines()
    assert [f"{r.path}\t{r.cid}" for r in repo.records()] == expected


# -- firehose slices: partial CARs, signatures and Sync 1.1 inversion ----------------------


def _signing_key(doc: dict[str, Any]) -> PublicKey:
    for method in doc["verificationMethod"]:
        if method["id"].endswith("#atproto"):
            return PublicKey.from_verification_method(method["type"], method["publicKeyMultibase"])
    raise AssertionError("no #atproto key")


def _link(raw: bytes | None) -> CID | None:
    return CID.from_bytes(raw) if raw is not None else None


@cache
def _frames() -> list[dict[str, Any]]:
    data = corpora.path(*JETSTREAM, "frames.bin").read_bytes()
    bodies, pos = [], 0
    while pos < len(data):  # [u32 little-endian length][frame]...
        (size,) = struct.unpack_from("<I", data, pos)
        header, body = libipld.decode_dag_cbor_multi(data[pos + 4 : pos + 4 + size])
        pos += 4 + size
        if header.get("t") == "#commit":
            bodies.append(body)
    return bodies


def _ops(body: dict[str, Any]) -> list[RecordOp]:
    ops = []
    for op in body["ops"]:
        new = _link(op.get("cid"))
        old = _link(op.get("prev"))
        assert (old is None) == (op["action"] == "create")
        ops.append(RecordOp(op["path"], old, new))
    return ops


def test_every_firehose_commit_verifies_and_inverts_to_prev_data() -> None:
    docs = json.loads(corpora.path(*JETSTREAM, "did_docs.json").read_text())
    bodies = _frames()
    assert len(bodies) == 148
    actions = {"create": 0, "update": 0, "delete": 0}
    for body in bodies:
        repo = Repo.from_car(body["blocks"])
        assert repo.commit_cid == _link(body["commit"])
        assert repo.did == body["repo"]
        assert repo.rev == body["rev"]
        repo.commit.check_signature(_signing_key(docs[body["repo"]]))
        ops = _ops(body)
        before = check_inversion(repo.data, _link(body["prevData"]), ops, repo.blocks)  # type: ignore[arg-type]
        assert before.root == _link(body["prevData"])
        for op in ops:
            actions[op.action] += 1
            collection, rkey = op.path.split("/")
            record = repo.get(collection, rkey)
            if op.new is None:
                assert record is None
            else:
                assert record is not None
                assert record.cid == op.new
                assert CID.compute(encode_dag_cbor(record.value)) == op.new
    assert actions == {"create": 144, "update": 2, "delete": 4}


def test_firehose_slice_says_what_it_lacks() -> None:
    body = _frames()[0]
    repo = Repo.from_car(body["blocks"])
    with pytest.raises(MissingBlockError, match="MST node") as caught:
        list(repo.records())
    assert caught.value.cid not in repo.blocks  # type: ignore[operator]
    partial = list(repo.records(partial=True))
    assert body["ops"][0]["path"] in [r.path for r in partial]
    missing = repo.missing_blocks()
    assert missing
    assert all(isinstance(m, MissingBlockError) for m in missing)
    assert any("record" in m.needed_by for m in missing) or any(
        "MST" in m.needed_by for m in missing
    )


def test_firehose_commit_with_a_forged_op_does_not_invert() -> None:
    from skykit.repo import InversionError

    body = next(b for b in _frames() if b["ops"][0]["action"] == "create")
    repo = Repo.from_car(body["blocks"])
    ops = _ops(body)
    forged = [RecordOp(ops[0].path, CID.compute(b"x"), ops[0].new), *ops[1:]]  # claims an update
    with pytest.raises((InversionError, MissingBlockError)):
        check_inversion(repo.data, _link(body["prevData"]), forged, repo.blocks)  # type: ignore[arg-type]


def test_indigo_firehose_commits_are_partial_repos() -> None:
    folder = corpora.path("real", "indigo", "firehose")
    files = sorted(folder.glob("firehose_commit_*.json"))
    assert len(files) == 4
    for path in files:
        body: Any = from_json(json.loads(path.read_text()))
        repo = Repo.from_car(body["blocks"])
        assert repo.commit_cid == body["commit"]
        assert repo.rev == body["rev"]
        for op in body["ops"]:
            collection, rkey = op["path"].split("/")
            record = repo.get(collection, rkey)
            if op["action"] == "delete":
                assert record is None
            else:
                assert record is not None
                assert record.cid == op["cid"]
                assert record.value["$type"] == collection


# -- repos built here ----------------------------------------------------------------------


def _records(count: int) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for n in range(count):
        collection = ("app.bsky.feed.post", "app.bsky.feed.like", "com.example.thing")[n % 3]
        out.append(
            (collection, f"3k{n:011d}", {"$type": collection, "n": n, "b": bytes([n % 256])})
        )
    return out


def test_built_repo_round_trips_and_verifies(tmp_path: Path) -> None:
    key = Keypair.generate("p256")
    repo = Repo.build("did:plc:abcdefghijklmnopqrstuvwx", _records(300), key)
    assert repo.verify(key.did_key()).records == 300
    data = repo.to_car()
    path = tmp_path / "repo.car"
    path.write_bytes(data)
    for source in (data, path):
        read = Repo.from_car(source)
        assert read.commit == repo.commit
        assert read.verify(key.public_key, did="did:plc:abcdefghijklmnopqrstuvwx").records == 300
        assert [(r.path, r.cid) for r in read.records()] == [
            (r.path, r.cid) for r in repo.records()
        ]
        assert read.to_car() == data
        read.close()
    values = {r.path: r.value for r in Repo.from_car(data).records()}
    assert values["com.example.thing/3k00000000002"] == {
        "$type": "com.example.thing",
        "n": 2,
        "b": b"\x02",
    }


def test_empty_repo_from_a_file_object() -> None:
    import io

    key = Keypair.generate("k256")
    repo = Repo.build("did:web:example.com", [], key)
    assert list(repo.records()) == []
    assert repo.verify(key.did_key()).records == 0
    read = Repo.from_car(io.BytesIO(repo.to_car()))
    assert str(read.data) == "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
    assert list(read.records()) == []
    assert read.get("app.bsky.feed.post", "x") is None
    assert read.missing_blocks() == []


def test_wrong_key_and_wrong_did() -> None:
    key = Keypair.generate("k256")
    repo = Repo.build("did:plc:abcdefghijklmnopqrstuvwx", _records(5), key)
    with pytest.raises(InvalidSignatureError, match="does not verify"):
        repo.verify(Keypair.generate("k256").did_key())
    with pytest.raises(CommitError, match="not did:plc:other"):
        repo.verify(key.did_key(), did="did:plc:other")


def test_missing_record_block_is_named() -> None:
    key = Keypair.generate("k256")
    repo = Repo.build("did:web:example.com", _records(10), key)
    blocks = list(CarBlocks.open(repo.to_car()))
    victim = repo.get("app.bsky.feed.like", "3k00000000001")
    assert victim is not None
    partial = write_car([repo.commit_cid], [b for b in blocks if b.cid != victim.cid])
    read = Repo.from_car(partial)
    record = read.get("app.bsky.feed.like", "3k00000000001")
    assert record is not None
    with pytest.raises(MissingBlockError, match=r"record app\.bsky\.feed\.like/3k00000000001"):
        _ = record.value
    with pytest.raises(MissingBlockError, match=str(victim.cid)):
        read.verify(key.did_key())
    assert [m.cid for m in read.missing_blocks()] == [victim.cid]


def test_invalid_record_block() -> None:
    key = Keypair.generate("k256")
    bad = b"\xa1\x61a\xfb\x3f\xf0\x00\x00\x00\x00\x00\x00"  # {"a": 1.0}: a float
    blocks = MemoryBlocks()
    record = blocks.put(bad)
    tree = Mst.build({"com.example.x/1": record})
    blocks.update(tree.blocks())
    commit = create_commit("did:web:example.com", tree.root, key)
    repo = Repo(commit, blocks.put(commit.to_dag_cbor()), blocks)
    (only,) = repo.records()
    with pytest.raises(RecordError, match=r"com\.example\.x/1"):
        _ = only.value
    with pytest.raises(RecordError, match="float"):
        repo.verify(key.did_key())


def test_car_without_root_or_commit() -> None:
    block = Block(CID.compute(b"\xa0"), b"\xa0")
    with pytest.raises(CarError, match="no root"):
        Repo.from_car(write_car([], [block]))
    with pytest.raises(MissingBlockError, match="the commit"):
        Repo.from_car(write_car([CID.compute(b"\xa1")], [block]))


# -- commits -------------------------------------------------------------------------------

_DATA = CID.compute(b"\xa0")
_GOOD: dict[str, Any] = {
    "did": "did:plc:abcdefghijklmnopqrstuvwx",
    "version": 3,
    "data": _DATA,
    "rev": "3jzfcijpj2z2a",
    "prev": None,
    "sig": b"\x00" * 64,
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 4}, "version 4"),
        ({"did": "nope"}, "invalid did"),
        ({"did": 7}, "'did' must be a string"),
        ({"data": "bafy"}, "'data' must be a link"),
        ({"rev": "not a tid"}, "invalid rev"),
        ({"prev": "x"}, "'prev' must be a link or null"),
        ({"sig": "x"}, "'sig' must be bytes"),
        ({"prev": ...}, "no 'prev' field"),
    ],
)
def test_malformed_commits(change: dict[str, Any], message: str) -> None:
    value = {**_GOOD, **change}
    value = {k: v for k, v in value.items() if v is not ...}
    with pytest.raises(CommitError, match=message):
        Commit.decode(encode_dag_cbor(value))
    with pytest.raises(CommitError, match="not valid DAG-CBOR"):
        Commit.decode(b"\xff")


def test_version_2_commit_and_extra_fields_are_read_and_signed_exactly() -> None:
    key = Keypair.generate("k256")
    unsigned = {"did": _GOOD["did"], "version": 2, "data": _DATA, "prev": None, "x-extra": "kept"}
    signed = {**unsigned, "sig": key.sign(encode_dag_cbor(unsigned))}
    commit = Commit.decode(encode_dag_cbor(signed))
    assert commit.version == 2
    assert commit.rev is None
    assert commit.verify_signature(key.did_key())
    assert commit.to_dag_cbor() == encode_dag_cbor(signed)


def test_created_commit_signs_its_unsigned_bytes() -> None:
    key = Keypair.generate("p256")
    commit = create_commit(_GOOD["did"], _DATA, key, rev="3jzfcijpj2z2a")
    again = Commit.decode(commit.to_dag_cbor())
    assert again == commit
    assert again.verify_signature(key.public_key)
    assert not again.verify_signature(Keypair.generate("p256").did_key())
    assert base64.b64encode(commit.sig)  # 64 raw bytes
    assert len(commit.sig) == 64
    with pytest.raises(CommitError):
        create_commit("nope", _DATA, key)


# -- malformed repo CARs -------------------------------------------------------------------


def _walk_everything(data: bytes) -> int:
    repo = Repo.from_car(data)
    count = 0
    for record in repo.records():
        _ = record.value
        count += 1
    repo.mst.check()
    return count


def test_every_truncation_of_a_real_repo_is_a_repo_error() -> None:
    from skykit.repo import RepoError

    data = corpora.path(*JETSTREAM, "repo.car").read_bytes()
    assert _walk_everything(data) == 23
    for cut in range(0, len(data), 13):
        with pytest.raises(RepoError):
            _walk_everything(data[:cut])


def test_every_flipped_byte_of_a_real_repo_is_a_repo_error() -> None:
    from skykit.repo import RepoError

    data = corpora.path(*JETSTREAM, "repo.car").read_bytes()
    for position in range(0, len(data), 11):
        damaged = bytearray(data)
        damaged[position] ^= 0x40
        with pytest.raises(RepoError):
            _walk_everything(bytes(damaged))


def test_forged_tree_in_a_car_is_an_mst_error() -> None:
    from skykit.repo import MstError

    key = Keypair.generate("k256")
    record = encode_dag_cbor({"$type": "com.example.x"})
    record_cid = CID.compute(record)
    # Keys out of order inside the root node, otherwise well formed.
    node = encode_dag_cbor(
        {
            "e": [
                {"k": b"com.example.x/b", "p": 0, "t": None, "v": record_cid},
                {"k": b"a", "p": 14, "t": None, "v": record_cid},
            ],
            "l": None,
        }
    )
    commit = create_commit("did:web:example.com", CID.compute(node), key)
    blocks = [
        Block(CID.compute(commit.to_dag_cbor()), commit.to_dag_cbor()),
        Block(CID.compute(node), node),
        Block(record_cid, record),
    ]
    repo = Repo.from_car(write_car([blocks[0].cid], blocks))
    with pytest.raises(MstError, match="out of order"):
        list(repo.records())
    with pytest.raises(MstError, match="out of order"):
        repo.verify(key.did_key())
