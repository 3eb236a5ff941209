"""Generate typed bindings for your own lexicon, then write and read a record with them.

    SKYKIT_SERVICE=... SKYKIT_HANDLE=... SKYKIT_PASSWORD=... python examples/codegen_bookmarks.py

The lexicon (``examples/lexicons/com/example/bookmarks/bookmark.json``) refers to the
official ``com.atproto.repo.strongRef``; the generated module uses skykit's shipped one.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from pathlib import Path

import skykit
from skykit.cli import main as skykit_cli
from skykit.lex.com.atproto.repo import strong_ref

HERE = Path(__file__).parent


def main() -> None:
    out = Path(tempfile.mkdtemp(prefix="bookmarks-"))
    # the same as running: skykit codegen examples/lexicons --out OUT --package my_lexicons
    skykit_cli(["codegen", str(HERE / "lexicons"), "--out", str(out), "--package", "my_lexicons"])
    sys.path.insert(0, str(out))
    bookmark = importlib.import_module("my_lexicons.com.example.bookmarks.bookmark")

    client = skykit.Client(os.environ.get("SKYKIT_SERVICE", "https://bsky.social"))
    me = client.login(os.environ["SKYKIT_HANDLE"], os.environ["SKYKIT_PASSWORD"])
    post = client.post("a post worth keeping")
    record = bookmark.Record(
        subject=strong_ref.Main(uri=post.uri, cid=post.cid),
        note="read later",
        via=bookmark.ViaSearch(query="atproto"),
        created_at=skykit.now(),
    )
    created = client.com.atproto.repo.create_record(
        repo=me.did, collection=bookmark.NSID, record=record
    )
    got = client.com.atproto.repo.get_record(
        repo=me.did, collection=bookmark.NSID, rkey=created.uri.rsplit("/", 1)[1]
    )
    saved = bookmark.Record.model_validate(got.value)
    print(f"bookmarked {saved.subject.uri} ({saved.note!r}, via {saved.via.query!r})")
    print(f"record CID {created.cid}, computed locally {saved.to_cid()}")


if __name__ == "__main__":
    main()
