"""Jetstream: atproto's JSON event stream, and firehose commits turned into its shape.

Jetstream sends one JSON object per message: ``{did, time_us, kind, commit|identity|
account}``. Its cursor is ``time_us`` (microseconds). With ``compress=True`` messages are
zstd frames made with Jetstream's own dictionary, which the caller supplies (it is
published with Jetstream; skykit does not bundle it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from skykit.data import DataModelError, from_json, to_json
from skykit.firehose._async_client import AsyncFirehose
from skykit.firehose._client import Firehose
from skykit.firehose._errors import FrameError
from skykit.firehose._events import AccountEvent, CommitEvent, Event, IdentityEvent
from skykit.firehose._stream import StreamPolicy

if TYPE_CHECKING:
    import httpx

MAX_MESSAGE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class JetstreamCommit:
    rev: str
    operation: str  # create, update, delete
    collection: str
    rkey: str
    record: dict[str, Any] | None  # atproto JSON
    cid: str | None

    def model(self) -> Any:
        """The record as its generated model (None for deletes and unknown collections)."""
        if self.record is None:
            return None
        from skykit.models import model_for_type

        model = model_for_type(self.collection)
        return model.model_validate(self.record) if model is not None else None

    def data(self) -> dict[str, Any] | None:
        """The record in the data model (links as ``CID``, bytes as ``bytes``)."""
        return from_json(self.record) if self.record is not None else None


@dataclass(frozen=True)
class JetstreamEvent:
    """One Jetstream event; ``commit``, ``identity`` or ``account`` by ``kind``."""

    did: str
    time_us: int
    kind: str
    commit: JetstreamCommit | None = None
    identity: dict[str, Any] | None = None
    account: dict[str, Any] | None = None

    @property
    def position(self) -> int:
        """The cursor of this event: ``time_us``."""
        return self.time_us


def parse_event(message: bytes | str, *, decompressor: Any = None) -> JetstreamEvent:
    """One Jetstream message (JSON, or zstd with ``decompressor``) as an event."""
    try:
        if decompressor is not None and isinstance(message, bytes):
            message = decompressor.decompress(message, max_output_size=MAX_MESSAGE_BYTES)
        raw = json.loads(message)
    except (ValueError, TypeError) as exc:
        raise FrameError(f"not a Jetstream message: {exc}") from None
    except Exception as exc:  # zstandard.ZstdError has no common base to name
        raise FrameError(f"cannot decompress a Jetstream message: {exc}") from None
    if not isinstance(raw, dict):
        raise FrameError("a Jetstream message is a JSON object")
    did, time_us, kind = raw.get("did"), raw.get("time_us"), raw.get("kind")
    if not isinstance(did, str) or not isinstance(time_us, int) or not isinstance(kind, str):
        raise FrameError("a Jetstream event needs a string did, integer time_us and kind")
    commit = None
    if kind == "commit":
        body = raw.get("commit")
        if not isinstance(body, dict):
            raise FrameError("a commit event needs a commit object")
        record = body.get("record")
        commit = JetstreamCommit(
            rev=str(body.get("rev", "")),
            operation=str(body.get("operation", "")),
            collection=str(body.get("collection", "")),
            rkey=str(body.get("rkey", "")),
            record=record if isinstance(record, dict) else None,
            cid=body.get("cid") if isinstance(body.get("cid"), str) else None,
        )
    identity = raw.get("identity") if isinstance(raw.get("identity"), dict) else None
    account = raw.get("account") if isinstance(raw.get("account"), dict) else None
    return JetstreamEvent(did, time_us, kind, commit, identity, account)


def _time_us(event: Event) -> int:
    from skykit.syntax import Datetime

    text = event.body.get("time")
    if isinstance(text, str) and Datetime.is_valid(text):
        moment = Datetime(text).to_datetime()
        return int(moment.timestamp()) * 1_000_000 + moment.microsecond
    return 0


def to_jetstream(event: Event) -> list[dict[str, Any]]:
    """Jetstream-shaped events for a firehose event: one per op of a commit, one for an
    identity or account event, none for others. ``time_us`` comes from the event's
    ``time`` (Jetstream itself stamps its own clock)."""
    time_us = _time_us(event)
    if isinstance(event, CommitEvent):
        out = []
        for op in event.ops:
            commit: dict[str, Any] = {
                "rev": event.rev,
                "operation": op.action,
                "collection": op.collection,
                "rkey": op.rkey,
            }
            if op.action != "delete":
                record = op.record
                if record is None:
                    raise FrameError(f"commit {event.repo}@{event.rev}: {op.path} has no block")
                commit["record"] = to_json(record)
                commit["cid"] = str(op.cid)
            out.append({"did": event.repo, "time_us": time_us, "kind": "commit", "commit": commit})
        return out
    if isinstance(event, IdentityEvent | AccountEvent):
        kind = "identity" if isinstance(event, IdentityEvent) else "account"
        try:
            body = to_json(event.body)
        except DataModelError as exc:
            raise FrameError(f"{kind} event does not convert: {exc}") from None
        return [{"did": event.did, "time_us": time_us, "kind": kind, kind: body}]
    return []


def jetstream_url(
    service: str,
    *,
    collections: Sequence[str] = (),
    dids: Sequence[str] = (),
    compress: bool = False,
) -> str:
    if "://" not in service:
        service = f"wss://{service}"
    base = (
        service
        if service.rstrip("/").endswith("/subscribe")
        else service.rstrip("/") + "/subscribe"
    )
    query = [("wantedCollections", c) for c in collections] + [("wantedDids", d) for d in dids]
    if compress:
        query.append(("compress", "true"))
    return f"{base}?{urlencode(query)}" if query else base


def _decoder(dictionary: bytes | str | Path | None) -> Callable[[bytes], JetstreamEvent]:
    if dictionary is None:
        return parse_event
    import zstandard

    data = dictionary if isinstance(dictionary, bytes) else Path(dictionary).read_bytes()
    decompressor = zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(data))
    return lambda message: parse_event(message, decompressor=decompressor)


class Jetstream(Firehose):
    """Iterate Jetstream events, filtered by ``collections`` and ``dids``; ``cursor`` in
    microseconds. Pass Jetstream's ``zstd_dictionary`` (bytes or a path) to receive
    compressed messages."""

    def __init__(
        self,
        service: str,
        *,
        collections: Sequence[str] = (),
        dids: Sequence[str] = (),
        cursor: int | None = None,
        zstd_dictionary: bytes | str | Path | None = None,
        policy: StreamPolicy | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            service, cursor=cursor, policy=policy, http=http, decode=_decoder(zstd_dictionary)
        )
        self._subscription.base_url = jetstream_url(
            service, collections=collections, dids=dids, compress=zstd_dictionary is not None
        )


class AsyncJetstream(AsyncFirehose):
    """The async twin of ``Jetstream``."""

    def __init__(
        self,
        service: str,
        *,
        collections: Sequence[str] = (),
        dids: Sequence[str] = (),
        cursor: int | None = None,
        zstd_dictionary: bytes | str | Path | None = None,
        policy: StreamPolicy | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            service, cursor=cursor, policy=policy, http=http, decode=_decoder(zstd_dictionary)
        )
        self._subscription.base_url = jetstream_url(
            service, collections=collections, dids=dids, compress=zstd_dictionary is not None
        )
