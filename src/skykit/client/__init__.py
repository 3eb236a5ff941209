"""``Client`` and ``AsyncClient``: every lexicon's calls, plus what bots and apps do daily.

``client.app.bsky.feed.get_timeline(limit=50)`` and the rest come from the generated
namespaces; sessions, retries and errors from ``skykit.xrpc``; ``post``, ``reply``,
``like``, ``follow`` and friends are written once (``_plans``) and run by both clients.
``AsyncClient`` is written by hand; ``Client`` is derived from it (``codegen/unasync.py``).
"""

from __future__ import annotations

from skykit.client._async import AsyncClient
from skykit.client._plans import CHAT_SERVICE, DEFAULT_SERVICE, Image, LinkCard, PostError
from skykit.client._sync import Client

__all__ = [
    "CHAT_SERVICE",
    "DEFAULT_SERVICE",
    "AsyncClient",
    "Client",
    "Image",
    "LinkCard",
    "PostError",
]
