"""Benchmark: reading a repo CAR with skykit, against raw libipld and the ``atproto`` package.

    python bench/bench_repo.py [CAR] [--make-pds | --make-offline] [--records N] [--runs N]

Without a CAR it uses a repo of >= 20,000 records made by the reference PDS (started with
the test harness in tests/network; cached in ~/.cache/skykit-bench or $SKYKIT_BENCH_CACHE)
or, with ``--make-offline`` or when the PDS cannot run, one generated here by skykit's own
MST and commit writer and signed by a fresh key. The output says which. Everything is timed on the same file in the
same run (best of ``--runs``):

- raw ``libipld.decode_car`` of the bytes (decodes every block, checks no CID);
- skykit untyped walk: ``Repo.from_car`` then every record's ``value`` in key order (every
  block used is hashed against its CID; links and bytes exact), from bytes and from a path;
- skykit typed walk: the same with ``record.model()`` (generated pydantic models), against
  the ``atproto`` package's ``CAR.from_bytes`` + ``models.get_or_create`` for every record
  block (which walks no MST and checks no CID);
- peak memory (Python heap, tracemalloc) of the untyped walk from a path.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("SKYKIT_BENCH_CACHE", Path.home() / ".cache" / "skykit-bench"))
sys.path.insert(0, str(ROOT))  # for tests.network (the reference PDS harness)


# -- making the repo ----------------------------------------------------------------------


def _values(did: str, count: int) -> list[tuple[str, dict[str, Any]]]:
    """A mix like a real account's: follows, likes, posts (some with facets), reposts."""
    from skykit.data import CID

    start = datetime(2024, 1, 1, tzinfo=UTC)
    subject_cid = str(CID.compute(b"subject"))
    out: list[tuple[str, dict[str, Any]]] = []
    for n in range(count):
        created = (start + timedelta(seconds=n * 7)).isoformat(timespec="milliseconds")
        created = created.replace("+00:00", "Z")
        subject = {"uri": f"at://{did}/app.bsky.feed.post/3k{n:011d}", "cid": subject_cid}
        kind = n % 10
        if kind < 4:
            out.append(("app.bsky.graph.follow", {"subject": did, "createdAt": created}))
        elif kind < 7:
            out.append(("app.bsky.feed.like", {"subject": subject, "createdAt": created}))
        elif kind < 9:
            text = f"post number {n}: hello from the skykit benchmark #bench"
            post: dict[str, Any] = {"text": text, "createdAt": created, "langs": ["en"]}
            if n % 3 == 0:
                start_byte = text.index("#bench")
                post["facets"] = [
                    {
                        "index": {"byteStart": start_byte, "byteEnd": start_byte + 6},
                        "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "bench"}],
                    }
                ]
            out.append(("app.bsky.feed.post", post))
        else:
            out.append(("app.bsky.feed.repost", {"subject": subject, "createdAt": created}))
    return [(collection, {"$type": collection, **value}) for collection, value in out]


def make_with_pds(count: int, out: Path) -> str:
    """Write ``count`` records through the reference PDS's applyWrites; save getRepo."""
    from tests.network.harness import start_network

    from skykit.syntax import TidClock

    with start_network("pds") as network:
        account = network.create_account("bench")
        clock = TidClock()
        writes = [
            {
                "$type": "com.atproto.repo.applyWrites#create",
                "collection": collection,
                "rkey": str(clock.next()),
                "value": value,
            }
            for collection, value in _values(account.did, count)
        ]
        began = time.monotonic()
        with network.http() as pds:
            for start in range(0, len(writes), 200):
                body = {"repo": account.did, "writes": writes[start : start + 200]}
                response = pds.post(
                    "/xrpc/com.atproto.repo.applyWrites", json=body, headers=account.auth_headers
                )
                response.raise_for_status()
                if sys.stderr.isatty():
                    done = min(start + 200, count)
                    print(f"\r  wrote {done:,}/{count:,} records", end="", file=sys.stderr)
            if sys.stderr.isatty():
                print(file=sys.stderr)
            response = pds.get("/xrpc/com.atproto.sync.getRepo", params={"did": account.did})
            response.raise_for_status()
        rate = count / (time.monotonic() - began)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(response.content)
    return f"made by the reference PDS (applyWrites, {rate:,.0f} records/s), account {account.did}"


def make_offline(count: int, out: Path) -> str:
    """Generate the repo with skykit's own MST and commit writer, signed by a fresh key."""
    from skykit.crypto import Keypair
    from skykit.repo import Repo
    from skykit.syntax import TidClock

    did = "did:plc:skykitbenchmarkrepo0000"
    clock = TidClock()
    records = [(c, str(clock.next()), v) for c, v in _values(did, count)]
    key = Keypair.generate("k256")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(Repo.build(did, records, key).to_car())
    return f"generated offline by skykit's MST + commit writer, signed by {key.did_key()}"


# -- measuring ----------------------------------------------------------------------------


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("car", nargs="?", help="a repo CAR file (default: make or reuse one)")
    parser.add_argument("--make-pds", action="store_true", help="make the repo with the PDS")
    parser.add_argument("--make-offline", action="store_true", help="generate it offline")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    if args.car:
        path = Path(args.car)
        origin = "given on the command line"
    else:
        pds_path = CACHE / f"pds-{args.records}.car"
        offline_path = CACHE / f"offline-{args.records}.car"
        if args.make_offline:
            path, origin = offline_path, make_offline(args.records, offline_path)
        elif args.make_pds or not pds_path.exists():
            try:
                path, origin = pds_path, make_with_pds(args.records, pds_path)
                pds_path.with_suffix(".txt").write_text(origin)
            except Exception as exc:  # no Node/npm here: fall back, and say so
                print(f"reference PDS unavailable ({exc}); generating offline", file=sys.stderr)
                path, origin = offline_path, make_offline(args.records, offline_path)
        else:
            note = pds_path.with_suffix(".txt")
            made = note.read_text() if note.exists() else "made by the reference PDS"
            path, origin = pds_path, f"{made} (cached from an earlier run)"
    run(path, origin, args.runs)


def run(path: Path, origin: str, runs: int) -> None:
    import libipld

    import skykit.lex  # noqa: F401 - lexicon registration, outside the timings
    from skykit.repo import CarBlocks, Repo

    data = path.read_bytes()
    repo = Repo.from_car(data)
    records = sum(1 for _ in repo.records())
    with_type = sum(1 for r in repo.records() if isinstance(r.value.get("$type"), str))
    blocks = len(CarBlocks.open(data))
    print(f"file: {path} ({len(data) / 1e6:.2f} MB, {blocks:,} blocks, {records:,} records)")
    print(f"repo: {origin}")
    versions = f"python {sys.version.split()[0]}, libipld {_version('libipld')}"
    print(f"{versions}, atproto {_version('atproto')}; best of {runs} runs")
    print()

    def untyped(source: object, verify: bool = True) -> None:
        repo = Repo.from_car(source, verify_blocks=verify)  # type: ignore[arg-type]
        for record in repo.records():
            _ = record.value
        repo.close()

    def listing(source: object) -> None:
        repo = Repo.from_car(source)  # type: ignore[arg-type]
        for _ in repo.records():
            pass
        repo.close()

    def typed(source: object) -> None:
        repo = Repo.from_car(source)  # type: ignore[arg-type]
        for record in repo.records():
            record.model()
        repo.close()

    typed(data)  # first use loads the model modules; not part of the timing

    raw = best(runs, lambda: libipld.decode_car(data))
    rows: list[tuple[str, float, str]] = [
        ("raw libipld.decode_car(bytes)", raw, "1.00x (baseline)")
    ]
    for name, work in [
        ("skykit ls (keys + CIDs, bytes)", lambda: listing(data)),
        ("skykit untyped walk (bytes)", lambda: untyped(data)),
        ("skykit untyped walk (path, mapped)", lambda: untyped(path)),
        ("skykit untyped walk (bytes, verify_blocks=False)", lambda: untyped(data, False)),
    ]:
        seconds = best(runs, work)
        rows.append((name, seconds, f"{seconds / raw:.2f}x raw"))
    for name, seconds, note in rows:
        print(f"{name:<50} {seconds * 1e3:9.1f} ms  {records / seconds:>12,.0f} records/s  {note}")
    print()

    typed_seconds = best(runs, lambda: typed(data))
    atproto_seconds, atproto_records = _atproto(data, runs)
    ours = records / typed_seconds
    theirs = atproto_records / atproto_seconds
    print(
        f"{'skykit typed walk (Repo + record.model())':<50} {typed_seconds * 1e3:9.1f} ms  {ours:>12,.0f} records/s"
    )
    print(
        f"{'atproto CAR.from_bytes + models.get_or_create':<50} {atproto_seconds * 1e3:9.1f} ms  {theirs:>12,.0f} records/s"
    )
    print(f"typed records/s, skykit / atproto: {ours / theirs:.2f}x  ({with_type:,} typed records)")
    print()

    gc.collect()
    tracemalloc.start()
    untyped(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak Python heap, untyped walk from the path: {peak / 1e6:.1f} MB "
        f"(file {len(data) / 1e6:.1f} MB, mapped, not copied)"
    )


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def _atproto(data: bytes, runs: int) -> tuple[float, int]:
    from atproto import CAR, models  # type: ignore[import-untyped]

    count = 0

    def work() -> None:
        nonlocal count
        car = CAR.from_bytes(data)
        count = 0
        for block in car.blocks.values():
            if isinstance(block, dict) and "$type" in block:
                models.get_or_create(block, strict=False)
                count += 1

    work()
    return best(runs, work), count


if __name__ == "__main__":
    main()
