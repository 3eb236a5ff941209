"""Smoke tests of the reference network through plain httpx: accounts, records, the repo CAR,
the PLC directory, and the AppView's timeline after indexing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from skykit.data import decode_dag_cbor
from skykit.repo.car import read_car
from tests.network.harness import Account, Network

pytestmark = pytest.mark.network


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, f"{response.request.url}: {response.text}"
    return response.json()


def create_record(
    client: httpx.Client, account: Account, collection: str, record: dict[str, Any]
) -> Any:
    body = {
        "repo": account.did,
        "collection": collection,
        "record": {"$type": collection, **record},
    }
    return ok(
        client.post("/xrpc/com.atproto.repo.createRecord", json=body, headers=account.auth_headers)
    )


def post(client: httpx.Client, account: Account, text: str) -> Any:
    return create_record(client, account, "app.bsky.feed.post", {"text": text, "createdAt": now()})


@pytest.fixture(scope="module")
def pds(pds_network: Network) -> Iterator[httpx.Client]:
    with pds_network.http() as client:
        yield client


@pytest.fixture(scope="module")
def alice(pds_network: Network) -> Account:
    return pds_network.create_account("alice")


@pytest.fixture(scope="module")
def bob(pds_network: Network) -> Account:
    return pds_network.create_account("bob")


def test_server_describes_itself(pds_network: Network, pds: httpx.Client) -> None:
    described = ok(pds.get("/xrpc/com.atproto.server.describeServer"))
    assert described["did"] == pds_network.pds_did
    assert ".test" in described["availableUserDomains"]


def test_two_fresh_accounts_sign_in(pds: httpx.Client, alice: Account, bob: Account) -> None:
    assert alice.did != bob.did
    assert alice.did.startswith("did:plc:")
    assert alice.handle.endswith(".test")
    assert bob.handle.endswith(".test")
    body = {"identifier": alice.handle, "password": alice.password}
    session = ok(pds.post("/xrpc/com.atproto.server.createSession", json=body))
    assert session["did"] == alice.did
    me = ok(pds.get("/xrpc/com.atproto.server.getSession", headers=bob.auth_headers))
    assert me["did"] == bob.did


def test_account_secrets_stay_out_of_repr(alice: Account) -> None:
    assert alice.password not in repr(alice)
    assert alice.access_jwt not in repr(alice)


def test_post_is_read_back_and_listed(pds: httpx.Client, alice: Account) -> None:
    created = post(pds, alice, "hello from skykit's smoke test")
    rkey = created["uri"].rsplit("/", 1)[1]
    params = {"repo": alice.did, "collection": "app.bsky.feed.post", "rkey": rkey}
    record = ok(pds.get("/xrpc/com.atproto.repo.getRecord", params=params))
    assert record["uri"] == created["uri"]
    assert record["cid"] == created["cid"]
    assert record["value"]["text"] == "hello from skykit's smoke test"
    del params["rkey"]
    listed = ok(pds.get("/xrpc/com.atproto.repo.listRecords", params=params))
    assert created["uri"] in [item["uri"] for item in listed["records"]]


def test_repo_car_decodes_to_the_commit_and_the_post(pds: httpx.Client, alice: Account) -> None:
    created = post(pds, alice, "in the repo export")
    response = pds.get("/xrpc/com.atproto.sync.getRepo", params={"did": alice.did})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.ipld.car")
    car = read_car(response.content)
    assert len(car.roots) == 1
    blocks = {str(block.cid): block.data for block in car}
    commit = decode_dag_cbor(blocks[str(car.roots[0])])
    assert commit["did"] == alice.did
    assert commit["version"] == 3
    assert decode_dag_cbor(blocks[created["cid"]])["text"] == "in the repo export"


def test_plc_directory_serves_the_did_document(pds_network: Network, alice: Account) -> None:
    with pds_network.http(pds_network.plc_url) as plc:
        document = ok(plc.get(f"/{alice.did}"))
    assert document["id"] == alice.did
    assert f"at://{alice.handle}" in document["alsoKnownAs"]
    endpoints = {s["id"]: s["serviceEndpoint"] for s in document["service"]}
    assert endpoints["#atproto_pds"] == pds_network.pds_url


def test_app_bsky_has_no_upstream_on_the_pds_only_network(
    pds: httpx.Client, alice: Account
) -> None:
    response = pds.get("/xrpc/app.bsky.feed.getTimeline", headers=alice.auth_headers)
    assert response.status_code == 502
    assert response.json()["error"] == "UpstreamFailure"


def test_timeline_shows_a_followed_accounts_post(full_network: Network) -> None:
    author = full_network.create_account("author")
    reader = full_network.create_account("reader")
    assert full_network.appview_url is not None
    with full_network.http() as pds:
        create_record(
            pds, reader, "app.bsky.graph.follow", {"subject": author.did, "createdAt": now()}
        )
        created = post(pds, author, "indexed by the AppView")
        full_network.process_all()
        # Through the PDS, which proxies app.bsky.* to the AppView.
        timeline = ok(pds.get("/xrpc/app.bsky.feed.getTimeline", headers=reader.auth_headers))
    assert created["uri"] in [item["post"]["uri"] for item in timeline["feed"]]
    with full_network.http(full_network.appview_url) as appview:
        profile = ok(appview.get("/xrpc/app.bsky.actor.getProfile", params={"actor": author.did}))
    assert profile["handle"] == author.handle
    assert profile["followersCount"] == 1
