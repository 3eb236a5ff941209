"""Opt-in verification of ``#commit`` events.

A commit is checked three ways: its signature against the author's current signing key
(from the identity layer, cached; re-resolved once if the key may have rotated), Sync 1.1
inversion (undoing its ops on the new tree, from the blocks it carries, must give
``prevData``), and its place in the repo's history (``since`` must be the last rev seen
for that repo, otherwise events were missed: a gap).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from skykit.firehose._errors import FirehoseError
from skykit.firehose._events import CommitEvent


class CommitVerificationError(FirehoseError):
    """A commit did not verify: ``reason`` says which check failed, ``event`` is the commit."""

    def __init__(self, event: CommitEvent, reason: str) -> None:
        self.event = event
        self.reason = reason
        super().__init__(f"commit {event.repo}@{event.rev} (seq {event.seq}): {reason}")


def check_commit(event: CommitEvent, key: Any, *, inversion: bool = True) -> None:
    """Check one commit against ``key`` (a ``PublicKey`` or did:key); raises
    ``CommitVerificationError``."""
    from skykit.repo import Repo, RepoError
    from skykit.repo.mst import RecordOp, check_inversion

    blocks = event.body.get("blocks")
    if not isinstance(blocks, bytes) or not blocks:
        raise CommitVerificationError(event, "no blocks to verify")
    try:
        repo = Repo.from_car(blocks)
        if repo.commit_cid != event.commit:
            raise CommitVerificationError(
                event, f"the CAR's root {repo.commit_cid} is not {event.commit}"
            )
        if repo.did != event.repo or repo.rev != event.rev:
            raise CommitVerificationError(event, f"the commit block is {repo.did}@{repo.rev}")
        if not repo.commit.verify_signature(key):
            raise CommitVerificationError(event, "bad signature")
        if inversion and event.prev_data is not None:
            ops = [RecordOp(op.path, op.prev, op.cid) for op in event.ops]
            check_inversion(repo.data, event.prev_data, ops, repo.blocks)
    except RepoError as exc:
        raise CommitVerificationError(event, str(exc)) from exc


@dataclass(frozen=True)
class _Key:
    """A plan step: the signing key of ``did`` (``fresh``: bypassing caches)."""

    did: str
    fresh: bool


class RevTracker:
    """The last rev seen per repo (a bounded map), to spot missed commits."""

    def __init__(self, max_repos: int = 1_000_000) -> None:
        self._revs: OrderedDict[str, str] = OrderedDict()
        self._max = max_repos

    def observe(self, event: CommitEvent) -> bool:
        """Record ``event``; True when it does not follow the last rev seen (a gap)."""
        last = self._revs.pop(event.repo, None)
        self._revs[event.repo] = event.rev
        if len(self._revs) > self._max:
            self._revs.popitem(last=False)
        return last is not None and event.since != last


def _verify(event: CommitEvent, tracker: RevTracker, inversion: bool) -> Generator[_Key, Any, bool]:
    key = yield _Key(event.repo, fresh=False)
    try:
        check_commit(event, key, inversion=inversion)
    except CommitVerificationError as exc:
        if exc.reason != "bad signature":
            raise
        check_commit(event, (yield _Key(event.repo, fresh=True)), inversion=inversion)
    return tracker.observe(event)


class CommitVerifier:
    """Verifies commits with keys from a ``skykit.identity.Resolver`` (or anything with
    ``resolve_did(did)`` returning a document with ``signing_key``). ``verify`` returns
    whether the commit leaves a gap in its repo's history."""

    def __init__(
        self, resolver: Any, *, inversion: bool = True, max_repos: int = 1_000_000
    ) -> None:
        self.resolver = resolver
        self.inversion = inversion
        self.tracker = RevTracker(max_repos)

    def verify(self, event: CommitEvent) -> bool:
        plan = _verify(event, self.tracker, self.inversion)
        step = next(plan)
        while True:
            try:
                step = plan.send(self._key(step))
            except StopIteration as stop:
                gap: bool = stop.value
                event.rev_gap = gap
                return gap

    def _key(self, step: _Key) -> Any:
        if step.fresh and hasattr(self.resolver, "purge"):
            self.resolver.purge(step.did)
        return self.resolver.resolve_did(step.did).signing_key


class AsyncCommitVerifier(CommitVerifier):
    """``CommitVerifier`` for an ``AsyncResolver``."""

    async def verify(self, event: CommitEvent) -> bool:  # type: ignore[override]
        plan = _verify(event, self.tracker, self.inversion)
        step = next(plan)
        while True:
            if step.fresh and hasattr(self.resolver, "purge"):
                self.resolver.purge(step.did)
            document = await self.resolver.resolve_did(step.did)
            try:
                step = plan.send(document.signing_key)
            except StopIteration as stop:
                gap: bool = stop.value
                event.rev_gap = gap
                return gap
