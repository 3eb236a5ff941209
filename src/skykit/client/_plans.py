"""What the convenience methods do, written once for ``Client`` and ``AsyncClient``.

A plan is a generator that yields the calls it needs (``Do``) and gets their results
back; ``Client`` runs it with plain calls, ``AsyncClient`` with awaits. If a call fails,
its exception is thrown into the plan, which may handle it.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from skykit.errors import SkykitError
from skykit.richtext import RichText, find_facets
from skykit.syntax import AtUri, now

DEFAULT_SERVICE = "https://bsky.social"
CHAT_SERVICE = "did:web:api.bsky.chat#bsky_chat"


@dataclass(frozen=True)
class Do:
    """A call for the driver to make: ``path`` names a method reachable from the client
    (``"com.atproto.repo.create_record"``, ``"upload_blob"``)."""

    path: str
    kwargs: dict[str, Any] = field(default_factory=dict)


Plan = Generator[Do, Any, Any]


def resolve_path(client: Any, path: str) -> Any:
    """The method a ``Do`` step names, looked up on ``client``."""
    for part in path.split("."):
        client = getattr(client, part)
    return client


class PostError(SkykitError, ValueError):
    """A post could not be made from what was given (too many images, a file too big...)."""


@dataclass(frozen=True)
class Image:
    """An image to attach: bytes, a path or a binary file; ``alt`` text for accessibility;
    ``aspect_ratio`` as (width, height) so apps can lay it out before loading it."""

    source: bytes | str | os.PathLike[str] | IO[bytes]
    alt: str = ""
    aspect_ratio: tuple[int, int] | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class LinkCard:
    """An external link card: ``uri``, ``title``, ``description`` and an optional thumbnail."""

    uri: str
    title: str = ""
    description: str = ""
    thumb: Image | None = None


MAX_IMAGES = 4
MAX_IMAGE_BYTES = 2_000_000  # app.bsky.embed.images#image maxSize
MAX_THUMB_BYTES = 1_000_000  # app.bsky.embed.external#external thumb maxSize

PostTarget = str | Any  # an at:// URI, or anything with .uri and .cid (a strong ref, a view)


def _size(source: Any) -> int | None:
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    if isinstance(source, str | os.PathLike):
        try:
            return Path(source).stat().st_size
        except OSError as exc:
            raise PostError(f"cannot read image {source}: {exc}") from exc
    return None


def _check_size(image: Image, limit: int, what: str) -> None:
    size = _size(image.source)
    if size is not None and size > limit:
        raise PostError(f"{what} is {size} bytes; the service accepts at most {limit}")


def _upload(image: Image) -> Plan:
    blob = yield Do("upload_blob", {"source": image.source, "mime_type": image.mime_type})
    return blob


def strong_ref(target: PostTarget) -> Plan:
    """A ``com.atproto.repo.strongRef`` for a post given as a URI or a ref/view."""
    from skykit.lex.com.atproto.repo import strong_ref as sr

    uri, cid = (target, None) if isinstance(target, str) else (target.uri, target.cid)
    if cid is None:
        parsed = AtUri(uri)
        record = yield Do(
            "com.atproto.repo.get_record",
            {"repo": parsed.authority, "collection": parsed.collection, "rkey": parsed.rkey},
        )
        cid = record.cid
    return sr.Main(uri=uri, cid=str(cid))


def resolve_handle(handle: str) -> Plan:
    """A handle's DID, or None when it does not resolve."""
    from skykit.xrpc import XrpcError

    try:
        out = yield Do("com.atproto.identity.resolve_handle", {"handle": handle})
    except XrpcError:
        return None
    return out.did


def actor_did(actor: str) -> Plan:
    if actor.startswith("did:"):
        return actor
    did = yield from resolve_handle(actor)
    if did is None:
        raise PostError(f"cannot resolve handle {actor!r}")
    return did


def rich_text(text: str | RichText) -> Plan:
    """Facets for ``text`` (mentions resolved to DIDs; unresolved ones stay plain text)."""
    if isinstance(text, RichText):
        return text
    spans = find_facets(text)
    dids = {}
    for handle in sorted({span.value for span in spans if span.kind == "mention"}):
        dids[handle] = yield from resolve_handle(handle)
    return RichText.from_spans(text, spans, dids)


def post(
    me: str,
    text: str | RichText,
    *,
    images: Sequence[Image] = (),
    reply_to: PostTarget | None = None,
    quote: PostTarget | None = None,
    link_card: LinkCard | None = None,
    langs: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    tags: Sequence[str] | None = None,
) -> Plan:
    from skykit.lex.app.bsky.embed import defs as embed_defs
    from skykit.lex.app.bsky.embed import external, record, record_with_media
    from skykit.lex.app.bsky.embed import images as images_embed
    from skykit.lex.app.bsky.feed import post as post_lex
    from skykit.lex.com.atproto.label import defs as label_defs

    if len(images) > MAX_IMAGES:
        raise PostError(f"a post holds at most {MAX_IMAGES} images, got {len(images)}")
    if images and link_card is not None:
        raise PostError("a post has either images or a link card, not both")
    for image in images:
        _check_size(image, MAX_IMAGE_BYTES, "an image")
    if link_card is not None and link_card.thumb is not None:
        _check_size(link_card.thumb, MAX_THUMB_BYTES, "a link card thumbnail")
    rich = yield from rich_text(text)
    rich.check_length()  # before anything is uploaded or written

    media: Any = None
    if images:
        items = []
        for image in images:
            blob = yield from _upload(image)
            ratio = image.aspect_ratio
            items.append(
                images_embed.Image(
                    image=blob,
                    alt=image.alt,
                    aspect_ratio=embed_defs.AspectRatio(width=ratio[0], height=ratio[1])
                    if ratio
                    else None,
                )
            )
        media = images_embed.Main(images=items)
    elif link_card is not None:
        thumb = (yield from _upload(link_card.thumb)) if link_card.thumb is not None else None
        card = external.External(
            uri=link_card.uri, title=link_card.title, description=link_card.description, thumb=thumb
        )
        media = external.Main(external=card)
    embed: Any = media
    if quote is not None:
        quoted = record.Main(record=(yield from strong_ref(quote)))
        embed = record_with_media.Main(record=quoted, media=media) if media is not None else quoted

    reply = None
    if reply_to is not None:
        parent = yield from strong_ref(reply_to)
        parsed = AtUri(parent.uri)
        parent_record = yield Do(
            "com.atproto.repo.get_record",
            {"repo": parsed.authority, "collection": parsed.collection, "rkey": parsed.rkey},
        )
        value = parent_record.value
        root = value.reply.root if getattr(value, "reply", None) is not None else parent
        reply = post_lex.ReplyRef(root=root, parent=parent)

    fields: dict[str, Any] = {"text": rich.text, "created_at": now()}
    if rich.facets:
        fields["facets"] = rich.facets
    if embed is not None:
        fields["embed"] = embed
    if reply is not None:
        fields["reply"] = reply
    if langs:
        fields["langs"] = list(langs)
    if labels:
        fields["labels"] = label_defs.SelfLabels(
            values=[label_defs.SelfLabel(val=value) for value in labels]
        )
    if tags:
        fields["tags"] = list(tags)
    return (yield from create(me, post_lex.NSID, post_lex.Record(**fields)))


def create(me: str, collection: str, value: Any) -> Plan:
    """Create a record in the session's repo; returns its strong ref (uri, cid)."""
    from skykit.lex.com.atproto.repo import strong_ref as sr

    out = yield Do(
        "com.atproto.repo.create_record", {"repo": me, "collection": collection, "record": value}
    )
    return sr.Main(uri=out.uri, cid=out.cid)


def delete(me: str, uri: str, collection: str) -> Plan:
    """Delete a record of ``collection`` given by its at:// URI."""
    parsed = AtUri(uri)
    if parsed.collection != collection:
        raise PostError(f"{uri} is not a {collection} record")
    yield Do(
        "com.atproto.repo.delete_record",
        {"repo": str(parsed.authority), "collection": collection, "rkey": parsed.rkey},
    )


def subject_record(me: str, module: str, target: PostTarget) -> Plan:
    """Like or repost: a record whose subject is a strong ref to ``target``."""
    import importlib

    lex = importlib.import_module(f"skykit.lex.app.bsky.feed.{module}")
    subject = yield from strong_ref(target)
    return (yield from create(me, lex.NSID, lex.Record(subject=subject, created_at=now())))


def graph_record(me: str, module: str, actor: str) -> Plan:
    """Follow or block: a record whose subject is the actor's DID."""
    import importlib

    lex = importlib.import_module(f"skykit.lex.app.bsky.graph.{module}")
    did = yield from actor_did(actor)
    return (yield from create(me, lex.NSID, lex.Record(subject=did, created_at=now())))


def mute(actor: str) -> Plan:
    yield Do("app.bsky.graph.mute_actor", {"actor": actor})


def mark_notifications_seen() -> Plan:
    yield Do("app.bsky.notification.update_seen", {"seen_at": now()})
