# Generated from _async.py by codegen/unasync.py. Do not edit by hand.
"""``Client``: every lexicon's calls, plus what bots and apps do daily.

``client.app.bsky.feed.get_timeline(limit=50)`` and the rest come from the generated
namespaces; sessions, retries and errors from ``skykit.xrpc``; ``post``, ``reply``,
``like``, ``follow`` and friends are plans (``_plans``) run here.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from skykit import lex
from skykit.client import _plans as plans
from skykit.client._blobs import BlobSource, blob_input
from skykit.client._plans import (
    CHAT_SERVICE,
    DEFAULT_SERVICE,
    Image,
    LinkCard,
    PostTarget,
    resolve_path,
)
from skykit.errors import SkykitError
from skykit.xrpc._client import XrpcClient
from skykit.xrpc._flow import require_session

if TYPE_CHECKING:
    from skykit.lex import chat as _chat
    from skykit.lex.app.bsky.actor import get_profile
    from skykit.lex.app.bsky.feed import get_author_feed, get_post_thread, get_timeline
    from skykit.lex.app.bsky.notification import list_notifications
    from skykit.lex.com.atproto.repo import strong_ref
    from skykit.models import Blob
    from skykit.richtext import RichText
    from skykit.xrpc._auth import Authenticator


class Client(XrpcClient, lex.Namespace):
    """An atproto client: ``Client("https://pds.example")``, then ``login``.

    ``chat_service`` is where ``client.chat`` calls are proxied through the PDS.
    """

    def __init__(
        self,
        service_url: str = DEFAULT_SERVICE,
        *,
        chat_service: str = CHAT_SERVICE,
        **options: Any,
    ) -> None:
        XrpcClient.__init__(self, service_url, **options)
        lex.Namespace.__init__(self, self)
        self.chat_service = chat_service

    @functools.cached_property
    def chat(self) -> _chat.Namespace:
        """chat.bsky calls, sent through the PDS with the ``atproto-proxy`` header."""
        from skykit.lex import chat

        return chat.Namespace(self.with_options(proxy=self.chat_service))

    def _plan(self, plan: plans.Plan) -> Any:
        result: Any = None
        error: SkykitError | None = None
        while True:
            try:
                step = plan.throw(error) if error is not None else plan.send(result)
            except StopIteration as stop:
                return stop.value
            result, error = None, None
            try:
                result = resolve_path(self, step.path)(**step.kwargs)
            except SkykitError as exc:
                error = exc

    @property
    def me(self) -> Authenticator:
        """The logged-in account (``.did``, ``.handle``)."""
        return require_session(self._state)

    def upload_blob(self, source: BlobSource, *, mime_type: str | None = None) -> Blob:
        """Upload bytes, a file path or a binary file; returns the blob ref."""
        content, mime, opened = blob_input(source, mime_type)
        try:
            output = self.com.atproto.repo.upload_blob(content, encoding=mime)
            return output.blob
        finally:
            if opened is not None:
                opened.close()

    def post(
        self,
        text: str | RichText,
        *,
        images: Sequence[Image] = (),
        reply_to: PostTarget | None = None,
        quote: PostTarget | None = None,
        link_card: LinkCard | None = None,
        langs: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
    ) -> strong_ref.Main:
        """Post ``text``: mentions, links and #tags become facets; images (up to 4, with
        alt text), a quoted post, a link card, a reply. Returns the post's uri and cid."""
        plan = plans.post(
            self.me.did,
            text,
            images=images,
            reply_to=reply_to,
            quote=quote,
            link_card=link_card,
            langs=langs,
            labels=labels,
            tags=tags,
        )
        result: strong_ref.Main = self._plan(plan)
        return result

    def reply(self, parent: PostTarget, text: str | RichText, **options: Any) -> strong_ref.Main:
        return self.post(text, reply_to=parent, **options)

    def quote(self, target: PostTarget, text: str | RichText, **options: Any) -> strong_ref.Main:
        return self.post(text, quote=target, **options)

    def like(self, target: PostTarget) -> strong_ref.Main:
        result: strong_ref.Main = self._plan(plans.subject_record(self.me.did, "like", target))
        return result

    def unlike(self, like_uri: str) -> None:
        self._plan(plans.delete(self.me.did, like_uri, "app.bsky.feed.like"))

    def repost(self, target: PostTarget) -> strong_ref.Main:
        result: strong_ref.Main = self._plan(plans.subject_record(self.me.did, "repost", target))
        return result

    def unrepost(self, repost_uri: str) -> None:
        self._plan(plans.delete(self.me.did, repost_uri, "app.bsky.feed.repost"))

    def follow(self, actor: str) -> strong_ref.Main:
        result: strong_ref.Main = self._plan(plans.graph_record(self.me.did, "follow", actor))
        return result

    def unfollow(self, follow_uri: str) -> None:
        self._plan(plans.delete(self.me.did, follow_uri, "app.bsky.graph.follow"))

    def block(self, actor: str) -> strong_ref.Main:
        result: strong_ref.Main = self._plan(plans.graph_record(self.me.did, "block", actor))
        return result

    def unblock(self, block_uri: str) -> None:
        self._plan(plans.delete(self.me.did, block_uri, "app.bsky.graph.block"))

    def mute(self, actor: str) -> None:
        self._plan(plans.mute(actor))

    def delete_post(self, uri: str) -> None:
        self._plan(plans.delete(self.me.did, uri, "app.bsky.feed.post"))

    def get_timeline(self, **params: Any) -> get_timeline.Output:
        return self.app.bsky.feed.get_timeline(**params)

    def get_author_feed(self, actor: str, **params: Any) -> get_author_feed.Output:
        return self.app.bsky.feed.get_author_feed(actor=actor, **params)

    def get_post_thread(self, uri: str, **params: Any) -> get_post_thread.Output:
        return self.app.bsky.feed.get_post_thread(uri=uri, **params)

    def get_profile(self, actor: str) -> get_profile.Output:
        return self.app.bsky.actor.get_profile(actor=actor)

    def list_notifications(self, **params: Any) -> list_notifications.Output:
        return self.app.bsky.notification.list_notifications(**params)

    def mark_notifications_seen(self) -> None:
        self._plan(plans.mark_notifications_seen())
