"""A repo written by the reference PDS: thousands of records through applyWrites, exported
with sync.getRepo, walked, verified against the account's key from the PLC directory, and
rebuilt from its records by skykit's MST to the same root."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from skykit.crypto import PublicKey
from skykit.data import CID, encode_dag_cbor
from skykit.repo import Repo
from skykit.repo.mst import Mst
from skykit.syntax import TidClock
from tests.network.harness import Account, Network

pytestmark = pytest.mark.network

RECORDS = 3000
BATCH = 200


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, f"{response.request.url}: {response.text}"
    return response.json()


def _writes(account: Account, count: int) -> list[dict[str, Any]]:
    clock = TidClock()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    writes = []
    for n in range(count):
        created = (start + timedelta(seconds=n)).isoformat(timespec="milliseconds")
        created = created.replace("+00:00", "Z")
        kind = n % 4
        value: dict[str, Any]
        if kind == 0:
            collection, value = (
                "app.bsky.feed.post",
                {"text": f"post {n} \u2728", "createdAt": created},
            )
        elif kind == 1:
            subject = {
                "uri": f"at://{account.did}/app.bsky.feed.post/{n}",
                "cid": str(CID.compute(b"x")),
            }
            collection, value = "app.bsky.feed.like", {"subject": subject, "createdAt": created}
        elif kind == 2:
            collection, value = (
                "app.bsky.graph.follow",
                {"subject": account.did, "createdAt": created},
            )
        else:
            collection, value = "com.example.skykit.thing", {"n": n, "tags": ["a", str(n)]}
        writes.append(
            {
                "$type": "com.atproto.repo.applyWrites#create",
                "collection": collection,
                "rkey": str(clock.next()),
                "value": {"$type": collection, **value},
            }
        )
    return writes


@pytest.fixture(scope="module")
def written(pds_network: Network) -> tuple[Account, list[dict[str, Any]], bytes]:
    account = pds_network.create_account("repowriter")
    writes = _writes(account, RECORDS)
    with pds_network.http() as pds:
        for start in range(0, len(writes), BATCH):
            body = {"repo": account.did, "writes": writes[start : start + BATCH]}
            _ok(
                pds.post(
                    "/xrpc/com.atproto.repo.applyWrites", json=body, headers=account.auth_headers
                )
            )
        # Some updates and deletes too, so the tree has been edited, not only appended to.
        edits = [
            {
                "$type": "com.atproto.repo.applyWrites#update",
                "collection": w["collection"],
                "rkey": w["rkey"],
                "value": {**w["value"], "edited": True}
                if w["collection"].startswith("com.")
                else w["value"] | {"createdAt": "2025-01-01T00:00:00.000Z"},
            }
            for w in writes[10:60]
        ] + [
            {
                "$type": "com.atproto.repo.applyWrites#delete",
                "collection": w["collection"],
                "rkey": w["rkey"],
            }
            for w in writes[100:150]
        ]
        body = {"repo": account.did, "writes": edits}
        _ok(pds.post("/xrpc/com.atproto.repo.applyWrites", json=body, headers=account.auth_headers))
        response = pds.get("/xrpc/com.atproto.sync.getRepo", params={"did": account.did})
        assert response.status_code == 200, response.text
    return account, writes, response.content


def _plc_signing_key(network: Network, did: str) -> PublicKey:
    with network.http(network.plc_url) as plc:
        document = _ok(plc.get(f"/{did}"))
    for method in document["verificationMethod"]:
        if method["id"].endswith("#atproto"):
            # The dev PLC serves the legacy form (EcdsaSecp256k1VerificationKey2019).
            return PublicKey.from_verification_method(method["type"], method["publicKeyMultibase"])
    raise AssertionError(f"no #atproto key in {document}")


def test_pds_repo_walks_verifies_and_rebuilds(
    pds_network: Network, written: tuple[Account, list[dict[str, Any]], bytes], tmp_path: Any
) -> None:
    account, writes, car = written
    path = tmp_path / "repo.car"
    path.write_bytes(car)
    repo = Repo.from_car(path)
    assert repo.did == account.did
    expected = len(writes) - 50  # 50 deleted
    verified = repo.verify(_plc_signing_key(pds_network, account.did), did=account.did)
    assert verified.records == expected

    records = list(repo.records())
    assert len(records) == expected
    paths = [r.path for r in records]
    assert paths == sorted(paths)
    wanted = {f"{w['collection']}/{w['rkey']}": w["value"] for w in writes}
    deleted = {f"{w['collection']}/{w['rkey']}" for w in writes[100:150]}
    assert set(paths) == set(wanted) - deleted
    for record in records[::97]:
        assert record.value["$type"] == record.collection
        assert CID.compute(encode_dag_cbor(record.value)) == record.cid

    rebuilt = Mst.build((r.path, r.cid) for r in records)
    assert rebuilt.root == repo.data
    # And edited one key at a time from empty, in reverse order, to the same root.
    tree = Mst.empty()
    for record in reversed(records[:500]):
        tree = tree.put(record.path, record.cid)
    assert tree.root == Mst.build((r.path, r.cid) for r in records[:500]).root

    with pds_network.http() as pds:
        latest = _ok(pds.get("/xrpc/com.atproto.sync.getLatestCommit", params={"did": account.did}))
        params: dict[str, Any] = {
            "repo": account.did,
            "collection": "app.bsky.graph.follow",
            "limit": 100,
        }
        listed = _ok(pds.get("/xrpc/com.atproto.repo.listRecords", params=params))
    assert latest == {"cid": str(repo.commit_cid), "rev": repo.rev}
    ours = {r.rkey: str(r.cid) for r in repo.records("app.bsky.graph.follow")}
    for item in listed["records"]:
        assert ours[item["uri"].rsplit("/", 1)[1]] == item["cid"]
    repo.close()


def test_cli_verifies_by_resolving_the_did(
    pds_network: Network,
    written: tuple[Account, list[dict[str, Any]], bytes],
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from skykit.cli import main

    account, _, car = written
    path = tmp_path / "repo.car"
    path.write_bytes(car)
    assert main(["repo", "verify", str(path), "--plc", pds_network.plc_url]) == 0
    out = capsys.readouterr().out
    assert f"verified: {account.did}" in out
    assert f"{RECORDS - 50:,} records" in out


def test_pds_repo_streams_in_async(written: tuple[Account, list[dict[str, Any]], bytes]) -> None:
    import anyio

    account, _, car = written

    async def read() -> Repo:
        async def chunks() -> Any:
            for start in range(0, len(car), 65536):
                yield car[start : start + 65536]

        return await Repo.from_car_async(chunks())

    repo = anyio.run(read)
    assert repo.did == account.did
    assert sum(1 for _ in repo.records()) == RECORDS - 50
