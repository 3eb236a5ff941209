"""The high-level client against the full reference network (PDS + AppView)."""

from __future__ import annotations

import httpx
import pytest

import skykit
from skykit.client import AsyncClient, Client, Image, LinkCard, PostError
from skykit.lex.app.bsky.actor import profile
from skykit.lex.app.bsky.embed import images as images_embed
from skykit.richtext import RichText
from tests.network.harness import Network

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _client(network: Network, prefix: str) -> Client:
    account = network.create_account(prefix)
    client = Client(network.pds_url)
    client.login(account.handle, account.password)
    return client


def _selected(text: str, facets: list[object]) -> list[str]:
    data = text.encode()
    return [data[f.index.byte_start : f.index.byte_end].decode() for f in facets]  # type: ignore[attr-defined]


def test_a_rich_post_reaches_feeds_with_exact_facets(full_network: Network) -> None:
    alice, zoe = _client(full_network, "alice"), _client(full_network, "zoe")
    zoe.com.atproto.repo.put_record(
        repo=zoe.me.did,
        collection=profile.NSID,
        rkey="self",
        record=profile.Record(display_name="Zoë 日本語 🌸"),
    )
    alice.follow(zoe.me.handle)
    zoe.follow(alice.me.handle)
    text = f"héllo 👋🏽 @{zoe.me.handle}, read https://atproto.com/specs. #atproto日本!"
    ref = alice.post(text, langs=["en"])
    full_network.process_all()

    feed = zoe.get_timeline(limit=10).feed
    mine = alice.get_author_feed(alice.me.handle).feed
    for item in (feed[0], mine[0]):
        record = item.post.record
        assert item.post.uri == ref.uri
        assert record.text == text
        assert _selected(record.text, record.facets) == [
            f"@{zoe.me.handle}",
            "https://atproto.com/specs",
            "#atproto日本",
        ]
        assert record.facets[0].features[0].did == zoe.me.did
    segments = list(RichText(feed[0].post.record.text, feed[0].post.record.facets).segments())
    assert "".join(s.text for s in segments) == text
    assert zoe.get_profile(zoe.me.did).display_name == "Zoë 日本語 🌸"


def test_threads_likes_reposts_images_and_follows(full_network: Network) -> None:
    alice, bob = _client(full_network, "alice"), _client(full_network, "bob")
    root = alice.post("root of a thread")
    first = bob.reply(root, "depth 1")
    second = alice.reply(first, "depth 2")
    third = bob.reply(second, "depth 3")
    full_network.process_all()
    thread = alice.get_post_thread(third.uri, parent_height=10).thread
    chain = []
    node = thread
    for _ in range(10):
        chain.append(node.post.record.text)
        node = getattr(node, "parent", None)
        if node is None:
            break
    assert chain == ["depth 3", "depth 2", "depth 1", "root of a thread"]
    assert (
        bob.com.atproto.repo.get_record(
            repo=bob.me.did, collection="app.bsky.feed.post", rkey=third.uri.rsplit("/", 1)[1]
        ).value.reply.root.uri
        == root.uri
    )

    like = bob.like(root)
    repost = bob.repost(root.uri)  # a URI alone: its CID is looked up
    full_network.process_all()
    view = alice.app.bsky.feed.get_posts(uris=[root.uri]).posts[0]
    assert (view.like_count, view.repost_count, view.reply_count) == (1, 1, 1)
    bob.unlike(like.uri)
    bob.unrepost(repost.uri)
    full_network.process_all()
    view = alice.app.bsky.feed.get_posts(uris=[root.uri]).posts[0]
    assert (view.like_count, view.repost_count) == (0, 0)

    pics = alice.post(
        "two pictures",
        images=[Image(PNG, alt="a red dot", aspect_ratio=(1, 1)), Image(PNG, alt="the same dot")],
    )
    full_network.process_all()
    embed = alice.app.bsky.feed.get_posts(uris=[pics.uri]).posts[0].embed
    assert isinstance(embed, images_embed.View)
    assert [image.alt for image in embed.images] == ["a red dot", "the same dot"]
    assert embed.images[0].aspect_ratio is not None

    follow = alice.follow(bob.me.did)
    full_network.process_all()
    follows = alice.app.bsky.graph.get_follows(actor=alice.me.did).follows
    assert [f.did for f in follows] == [bob.me.did]
    alice.unfollow(follow.uri)
    full_network.process_all()
    assert alice.app.bsky.graph.get_follows(actor=alice.me.did).follows == []


def test_quotes_link_cards_and_limits(full_network: Network) -> None:
    alice = _client(full_network, "alice")
    original = alice.post("quote me")
    quoted = alice.quote(original, "quoting", images=[Image(PNG, alt="dot")])
    card = alice.post("a link", link_card=LinkCard("https://atproto.com", "AT Protocol", "specs"))
    full_network.process_all()
    views = alice.app.bsky.feed.get_posts(uris=[quoted.uri, card.uri]).posts
    assert views[0].embed.record.record.uri == original.uri
    assert views[1].embed.external.title == "AT Protocol"
    with pytest.raises(PostError, match="at most 4"):
        alice.post("too many", images=[Image(PNG)] * 5)
    with pytest.raises(skykit.richtext.RichTextError):
        alice.post("x" * 301)
    with pytest.raises(PostError, match="bytes"):
        alice.post("big", images=[Image(b"\x89PNG" + bytes(2_000_001))])


def test_chat_calls_go_through_the_pds_with_the_proxy_header(pds_network: Network) -> None:
    # The reference stack has no chat service: the PDS is asked to proxy and reports it
    # cannot reach the chat service named by the header skykit set.
    seen: list[httpx.Request] = []
    http = httpx.Client(event_hooks={"request": [seen.append]})
    account = pds_network.create_account("chat")
    client = Client(pds_network.pds_url, http=http)
    client.login(account.handle, account.password)
    with pytest.raises(skykit.XrpcError):
        client.chat.bsky.convo.list_convos()
    assert seen[-1].headers["atproto-proxy"] == "did:web:api.bsky.chat#bsky_chat"
    assert seen[-1].url.host == "localhost"


@pytest.mark.anyio
async def test_async_conveniences(full_network: Network) -> None:
    accounts = [full_network.create_account(p) for p in ("asyncA", "asyncB")]
    async with AsyncClient(full_network.pds_url) as a, AsyncClient(full_network.pds_url) as b:
        await a.login(accounts[0].handle, accounts[0].password)
        await b.login(accounts[1].handle, accounts[1].password)
        await b.follow(a.me.handle)
        ref = await a.post(f"async hello @{b.me.handle} #trio")
        await b.like(ref)
        full_network.process_all()
        timeline = await b.get_timeline()
        assert timeline.feed[0].post.uri == ref.uri
        assert timeline.feed[0].post.like_count == 1
        await a.delete_post(ref.uri)
