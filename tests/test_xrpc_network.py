"""The XRPC client and generated calls against the reference PDS, sync and async."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest

import skykit
from skykit.client import AsyncClient, Client
from skykit.data import CID
from skykit.lex.app.bsky.feed import post
from skykit.lex.app.bsky.graph import follow
from skykit.lex.com.atproto.repo import apply_writes, get_record
from skykit.repo import read_car
from skykit.xrpc import AuthRequiredError, CallOptions, XrpcError
from tests.network.harness import Network, expired


def _post(text: str) -> post.Record:
    return post.Record(text=text, created_at=skykit.now())


def _rkey(uri: str) -> str:
    return uri.rsplit("/", 1)[1]


def test_records_blobs_and_repo_sync(pds_network: Network) -> None:
    account = pds_network.create_account("xrpc")
    with Client(pds_network.pds_url) as client:
        session = client.login(account.handle, account.password)
        assert session.did == account.did
        repo = client.com.atproto.repo

        created = repo.create_record(repo=session.did, collection=post.NSID, record=_post("one 🦋"))
        got = repo.get_record(repo=session.did, collection=post.NSID, rkey=_rkey(created.uri))
        assert isinstance(got.value, post.Record)
        assert got.value.text == "one 🦋"
        assert got.cid == created.cid == str(got.value.to_cid())

        repo.put_record(
            repo=session.did, collection=post.NSID, rkey=_rkey(created.uri), record=_post("edited")
        )
        again = repo.get_record(repo=session.did, collection=post.NSID, rkey=_rkey(created.uri))
        assert again.value.text == "edited"

        writes = [
            apply_writes.Create(collection=post.NSID, value=_post(f"batch {i}")) for i in range(5)
        ]
        result = repo.apply_writes(repo=session.did, writes=writes)
        assert len(result.results or []) == 5
        listed = list(repo.list_records.paginate(repo=session.did, collection=post.NSID, limit=2))
        assert len(listed) == 6
        assert (
            len(
                list(
                    repo.list_records.paginate(
                        repo=session.did, collection=post.NSID, limit=2, max_items=3
                    )
                )
            )
            == 3
        )

        repo.delete_record(repo=session.did, collection=post.NSID, rkey=_rkey(created.uri))
        with pytest.raises(get_record.RecordNotFound) as caught:
            repo.get_record(repo=session.did, collection=post.NSID, rkey=_rkey(created.uri))
        assert isinstance(caught.value, XrpcError)
        assert caught.value.status == 400
        assert caught.value.error == "RecordNotFound"

        png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        blob = client.upload_blob(png)
        assert blob.mime_type == "image/png"
        assert blob.ref == CID.compute(png, 0x55)
        image = {"$type": "blob", "ref": blob.ref, "mimeType": "image/png", "size": blob.size}
        from skykit.lex.app.bsky.embed import images

        with_image = post.Record(
            text="pic",
            created_at=skykit.now(),
            embed=images.Main(images=[images.Image(image=image, alt="bytes")]),
        )
        repo.create_record(repo=session.did, collection=post.NSID, record=with_image)
        fetched = client.com.atproto.sync.get_blob(did=session.did, cid=str(blob.ref))
        assert fetched == png

        with client.com.atproto.sync.get_repo.stream(did=session.did) as chunks:
            car_bytes = b"".join(chunks)
        blocks = list(read_car(car_bytes))
        assert len(blocks) > 5


def test_session_export_resume_and_logout(pds_network: Network) -> None:
    account = pds_network.create_account("sess")
    seen: list[Any] = []
    first = Client(pds_network.pds_url, on_session_change=seen.append)
    first.login(account.handle, account.password)
    exported = first.export_session()
    assert account.password not in exported

    second = Client(pds_network.pds_url)
    second.resume_session(exported)
    me = second.com.atproto.server.get_session()
    assert me.did == account.did
    second.logout()
    assert second.session is None
    with pytest.raises(AuthRequiredError):
        second.com.atproto.server.get_session()
    assert len(seen) == 1  # login


def test_an_expired_token_refreshes_once_for_fifty_concurrent_calls(pds_network: Network) -> None:
    account = pds_network.create_account("refresh")
    refreshes: list[Any] = []
    client = Client(pds_network.pds_url)
    session = client.login(account.handle, account.password)
    stale = expired(session.access_jwt)
    client.resume_session({**session.export(), "accessJwt": stale})
    client.on_session_change(refreshes.append)

    errors: list[BaseException] = []

    def call() -> None:
        try:
            assert client.com.atproto.server.get_session().did == account.did
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(refreshes) == 1
    assert client.session is not None
    assert client.session.access_jwt != stale


def test_app_bsky_through_the_full_network_and_a_proxied_call(full_network: Network) -> None:
    alice = full_network.create_account("alice")
    bob = full_network.create_account("bob")
    with Client(full_network.pds_url) as a, Client(full_network.pds_url) as b:
        a.login(alice.handle, alice.password)
        b.login(bob.handle, bob.password)
        b.com.atproto.repo.create_record(
            repo=bob.did,
            collection=follow.NSID,
            record=follow.Record(subject=alice.did, created_at=skykit.now()),
        )
        a.com.atproto.repo.create_record(
            repo=alice.did, collection=post.NSID, record=_post("hi bob")
        )
        full_network.process_all()
        timeline = b.app.bsky.feed.get_timeline(limit=10)
        assert [item.post.record.text for item in timeline.feed] == ["hi bob"]
        assert timeline.feed[0].post.author.handle == alice.handle
        feed = list(b.app.bsky.feed.get_author_feed.paginate(actor=alice.did, limit=1))
        assert len(feed) == 1
        assert full_network.appview_did is not None
        proxied = b.with_options(proxy=f"{full_network.appview_did}#bsky_appview")
        profile = proxied.app.bsky.actor.get_profile(actor=alice.handle)
        assert profile.did == alice.did
        assert profile.followers_count == 1
        options = CallOptions(proxy=f"{full_network.appview_did}#bsky_appview")
        assert b.app.bsky.actor.get_profile(actor=alice.did, options=options).handle == alice.handle


@pytest.mark.anyio
async def test_async_client_end_to_end(pds_network: Network) -> None:
    account = pds_network.create_account("async")
    async with AsyncClient(pds_network.pds_url) as client:
        session = await client.login(account.handle, account.password)
        repo = client.com.atproto.repo
        created = await repo.create_record(
            repo=session.did, collection=post.NSID, record=_post("async")
        )
        got = await repo.get_record(repo=session.did, collection=post.NSID, rkey=_rkey(created.uri))
        assert got.value.text == "async"
        with pytest.raises(get_record.RecordNotFound):
            await repo.get_record(repo=session.did, collection=post.NSID, rkey="3kaaaaaaaaaaa")
        items = [
            r async for r in repo.list_records.paginate(repo=session.did, collection=post.NSID)
        ]
        assert len(items) == 1
        async with client.com.atproto.sync.get_repo.stream(did=session.did) as chunks:
            car_bytes = b"".join([chunk async for chunk in chunks])
        assert list(read_car(car_bytes))
        blob = await client.upload_blob(b"GIF89a" + bytes(50))
        assert blob.mime_type == "image/gif"

        refreshes: list[Any] = []
        current = client.session
        assert current is not None
        client.resume_session({**current.export(), "accessJwt": expired(current.access_jwt)})
        client.on_session_change(refreshes.append)

        async def call() -> None:
            assert (await client.com.atproto.server.get_session()).did == account.did

        async with anyio.create_task_group() as group:
            for _ in range(50):
                group.start_soon(call)
        assert len(refreshes) == 1
