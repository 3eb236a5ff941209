"""Events of ``com.atproto.sync.subscribeRepos``: light objects over the decoded body.

Decoding a frame builds no pydantic model and no record: ``Op.record`` decodes its block
from the commit's CAR slice when first asked, and ``event.model()`` gives the generated
typed message when wanted. That keeps the untyped path close to raw decoding speed.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from skykit.data import CID, Value, decode_dag_cbor
from skykit.firehose._errors import FrameError

if TYPE_CHECKING:
    from skykit.repo import CarBlocks

MESSAGE_NSID = "com.atproto.sync.subscribeRepos"


class Event:
    """One message of the stream: ``type`` is the frame's ``t`` (e.g. ``"#commit"``),
    ``body`` the decoded data model body."""

    __slots__ = ("__dict__", "body", "type")

    def __init__(self, type_: str, body: dict[str, Value]) -> None:
        self.type = type_
        self.body = body

    @property
    def seq(self) -> int | None:
        seq = self.body.get("seq")
        return seq if isinstance(seq, int) else None

    @property
    def position(self) -> int | None:
        """Where this event sits in the stream, for cursors: its ``seq``."""
        return self.seq

    @property
    def did(self) -> str | None:
        """The account this event is about (``repo`` for commits and syncs)."""
        value = self.body.get("did", self.body.get("repo"))
        return value if isinstance(value, str) else None

    def model(self) -> Any:
        """The generated typed message (``subscribe_repos.Commit`` etc.), or the body as
        data when this version of the lexicons does not know the type."""
        from skykit.lex.com.atproto.sync import subscribe_repos

        model = subscribe_repos.MESSAGES.get(self.type)
        return model.model_validate(self.body) if model is not None else self.body

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.type} seq={self.seq} did={self.did}>"


class Op:
    """A record operation of a commit: ``action`` (create/update/delete), ``path``
    (``collection/rkey``), ``cid`` (None for deletes), ``prev`` (the replaced CID, Sync 1.1)."""

    __slots__ = ("_commit", "action", "cid", "path", "prev")

    def __init__(self, commit: CommitEvent, raw: Mapping[str, Any]) -> None:
        self._commit = commit
        self.action: str = raw.get("action", "")
        self.path: str = raw.get("path", "")
        cid = raw.get("cid")
        self.cid: CID | None = cid if isinstance(cid, CID) else None
        prev = raw.get("prev")
        self.prev: CID | None = prev if isinstance(prev, CID) else None

    @property
    def collection(self) -> str:
        return self.path.partition("/")[0]

    @property
    def rkey(self) -> str:
        return self.path.partition("/")[2]

    @property
    def record(self) -> dict[str, Value] | None:
        """The record written (data model), decoded from the commit's blocks; None for
        deletes, or when the block is not in the slice."""
        if self.cid is None:
            return None
        from skykit.repo import CarError

        try:
            block = self._commit.blocks.get(self.cid)
        except CarError as exc:
            raise FrameError(f"{self.path}: bad CAR slice: {exc}") from None
        if block is None:
            return None
        try:
            return decode_dag_cbor(block)
        except ValueError as exc:
            raise FrameError(f"record {self.cid} of {self.path} does not decode: {exc}") from None

    def model(self) -> Any:
        """The record as its generated model, or None (deleted, missing, unknown type)."""
        record = self.record
        if record is None:
            return None
        from skykit.models import model_for_type

        kind = record.get("$type")
        model = model_for_type(kind) if isinstance(kind, str) else None
        return model.model_validate(record) if model is not None else None

    def __repr__(self) -> str:
        return f"<Op {self.action} {self.path} {self.cid}>"


class CommitEvent(Event):
    """A ``#commit``: ``repo`` (DID), ``rev``, ``ops``, ``commit`` (CID), ``since``,
    ``prev_data`` (the MST root before this commit, Sync 1.1), and ``blocks`` (the CAR
    slice as a CID → bytes mapping, read on first use). ``rev_gap`` is set by a
    ``CommitVerifier``: True when commits of this repo were missed before this one."""

    rev_gap: bool | None = None

    @property
    def repo(self) -> str:
        return str(self.body.get("repo", ""))

    @property
    def rev(self) -> str:
        return str(self.body.get("rev", ""))

    @property
    def since(self) -> str | None:
        since = self.body.get("since")
        return since if isinstance(since, str) else None

    @property
    def commit(self) -> CID | None:
        commit = self.body.get("commit")
        return commit if isinstance(commit, CID) else None

    @property
    def prev_data(self) -> CID | None:
        prev = self.body.get("prevData")
        return prev if isinstance(prev, CID) else None

    @property
    def too_big(self) -> bool:
        return self.body.get("tooBig") is True

    @cached_property
    def ops(self) -> list[Op]:
        raw = self.body.get("ops")
        if not isinstance(raw, list):
            return []
        return [Op(self, op) for op in raw if isinstance(op, dict)]

    @cached_property
    def blocks(self) -> CarBlocks:
        """The commit's CAR slice, indexed; each block is checked against its CID when
        read (``blocks.get(cid)``)."""
        from skykit.repo import CarBlocks, CarError, write_car

        data = self.body.get("blocks")
        if not isinstance(data, bytes) or not data:
            data = write_car([], [])  # a commit that carries no blocks
        try:
            return CarBlocks.open(data)
        except CarError as exc:
            raise FrameError(f"commit {self.repo}@{self.rev}: bad CAR slice: {exc}") from None


class SyncEvent(Event):
    """A ``#sync``: the account's current commit, for consumers to resynchronise."""

    @property
    def rev(self) -> str:
        return str(self.body.get("rev", ""))


class IdentityEvent(Event):
    """An ``#identity``: the account's handle or DID document may have changed."""

    @property
    def handle(self) -> str | None:
        handle = self.body.get("handle")
        return handle if isinstance(handle, str) else None


class AccountEvent(Event):
    """An ``#account``: the account's hosting status changed (``active``, ``status``)."""

    @property
    def active(self) -> bool:
        return self.body.get("active") is True

    @property
    def status(self) -> str | None:
        status = self.body.get("status")
        return status if isinstance(status, str) else None


class InfoEvent(Event):
    """An ``#info``: a notice from the server (e.g. ``OutdatedCursor``)."""

    @property
    def name(self) -> str | None:
        name = self.body.get("name")
        return name if isinstance(name, str) else None


EVENT_TYPES: dict[str, type[Event]] = {
    "#commit": CommitEvent,
    "#sync": SyncEvent,
    "#identity": IdentityEvent,
    "#account": AccountEvent,
    "#info": InfoEvent,
}
