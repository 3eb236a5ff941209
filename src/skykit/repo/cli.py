"""``skykit repo``: list, export, verify and describe repo CAR files from the shell."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sized
from pathlib import Path
from typing import IO, Any

from skykit.crypto import PublicKey
from skykit.repo._errors import RepoError
from skykit.repo.record import RepoRecord
from skykit.repo.repo import Repo

__all__ = ["add_repo_commands"]


def add_repo_commands(subparsers: Any) -> None:
    """Add the ``repo`` command (with ``ls``, ``export``, ``verify``, ``info``)."""
    repo = subparsers.add_parser(
        "repo",
        help="list, export, verify and describe repo CAR files",
        description="Read atproto repository CAR files (com.atproto.sync.getRepo exports).",
    )
    commands = repo.add_subparsers(dest="repo_command", required=True, metavar="COMMAND")

    ls = commands.add_parser("ls", help="print collection/rkey<TAB>cid for every record")
    ls.add_argument("file", help="repo CAR file")
    ls.add_argument("--collection", help="only this collection (an NSID)")
    ls.set_defaults(run=_ls)

    export = commands.add_parser(
        "export", help="write each collection's records as JSON lines (atproto JSON)"
    )
    export.add_argument("file", help="repo CAR file")
    export.add_argument("--out", required=True, help="folder for the <collection>.jsonl files")
    export.add_argument("--collection", help="only this collection (an NSID)")
    export.set_defaults(run=_export)

    verify = commands.add_parser(
        "verify", help="check the commit signature, the MST and every record block"
    )
    verify.add_argument("file", help="repo CAR file")
    verify.add_argument(
        "--did-key",
        help="the account's signing key (did:key:z... or z...); without it the commit's DID "
        "is resolved (did:plc through the PLC directory, did:web from its host)",
    )
    verify.add_argument("--plc", help="PLC directory URL (default: https://plc.directory)")
    verify.add_argument("--did", help="also require the commit to be for this DID")
    verify.set_defaults(run=_verify)

    info = commands.add_parser("info", help="show the DID, rev, commit and records per collection")
    info.add_argument("file", help="repo CAR file")
    info.set_defaults(run=_info)


class _Progress:
    """A record count on stderr, refreshed a few times a second, only on a terminal."""

    def __init__(
        self,
        what: str,
        stream: IO[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._live = self._stream.isatty()
        self._what = what
        self._count = 0
        self._clock = clock
        self._shown = clock()

    def step(self) -> None:
        self._count += 1
        if self._live and self._count % 256 == 0 and self._clock() - self._shown > 0.25:
            self._shown = self._clock()
            self._stream.write(f"\r{self._what}: {self._count:,} records")
            self._stream.flush()

    def done(self) -> None:
        if self._live:
            self._stream.write("\r\033[K")
            self._stream.flush()

    @property
    def count(self) -> int:
        return self._count


def _records(repo: Repo, collection: str | None, progress: _Progress) -> Iterator[RepoRecord]:
    try:
        for record in repo.records(collection):
            progress.step()
            yield record
    finally:
        progress.done()


def _ls(args: argparse.Namespace) -> int:
    with Repo.from_car(args.file) as repo:
        out = sys.stdout
        try:
            for record in _records(repo, args.collection, _Progress("listing")):
                out.write(f"{record.path}\t{record.cid}\n")
            out.flush()
        except BrokenPipeError:  # e.g. piped into `head`: stop quietly, as the docs advise
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
    return 0


def _export(args: argparse.Namespace) -> int:
    from skykit.data import to_json
    from skykit.syntax import NSID, InvalidSyntaxError

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, int] = {}
    current: str | None = None
    handle: IO[str] | None = None
    with Repo.from_car(args.file) as repo:
        try:
            # Key order keeps each collection's records together: one file open at a time.
            for record in _records(repo, args.collection, _Progress("exporting")):
                if record.collection != current:
                    try:
                        NSID(record.collection)
                    except InvalidSyntaxError as exc:
                        raise RepoError(f"record {record.path}: bad collection: {exc}") from None
                    if handle is not None:
                        handle.close()
                    current = record.collection
                    handle = (out_dir / f"{current}.jsonl").open("w", encoding="utf-8")
                line = {
                    "uri": f"at://{repo.did}/{record.path}",
                    "rkey": record.rkey,
                    "cid": str(record.cid),
                    "value": to_json(record.value),
                }
                assert handle is not None
                handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                files[record.collection] = files.get(record.collection, 0) + 1
        finally:
            if handle is not None:
                handle.close()
    for collection, count in files.items():
        print(f"{out_dir / (collection + '.jsonl')}\t{count}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    with Repo.from_car(args.file) as repo:
        key = args.did_key or _resolve_signing_key(repo.did, args.plc)
        verified = repo.verify(key, did=args.did)
    print(
        f"verified: {verified.did} rev {verified.rev}, {verified.records:,} records, "
        f"signed by {key}"
    )
    return 0


def _resolve_signing_key(did: str, plc_url: str | None) -> PublicKey:
    """The ``#atproto`` key of the DID's current document, through the identity layer."""
    from skykit.identity import Resolver

    with Resolver(plc_url) as resolver:
        document = resolver.resolve_did(did)
    key = document.verification_key("atproto")
    if key is None:
        raise RepoError(f"the DID document of {did} has no usable #atproto signing key")
    return key


def _info(args: argparse.Namespace) -> int:
    with Repo.from_car(args.file) as repo:
        commit = repo.commit
        counts: dict[str, int] = {}
        for record in _records(repo, None, _Progress("counting")):
            counts[record.collection] = counts.get(record.collection, 0) + 1
        print(f"DID:      {repo.did}")
        print(f"Rev:      {repo.rev or '-'}")
        print(f"Version:  {commit.version}")
        print(f"Commit:   {repo.commit_cid}")
        print(f"Data:     {repo.data}")
        print(f"Prev:     {commit.prev or '-'}")
        if isinstance(repo.blocks, Sized):
            print(f"Blocks:   {len(repo.blocks):,}")
        print(f"Records:  {sum(counts.values()):,}")
        for collection, count in counts.items():
            print(f"  {collection}\t{count:,}")
    return 0
