"""``skykit firehose URL``: print a repo event stream as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any


def add_firehose_command(commands: Any) -> None:
    parser = commands.add_parser(
        "firehose",
        help="print a relay's or PDS's event stream as JSON lines",
        description=(
            "Print com.atproto.sync.subscribeRepos events as JSON lines, one per record "
            "operation (Jetstream's shape), plus identity and account events. A summary "
            "goes to stderr on exit (Ctrl-C, or after --limit events)."
        ),
    )
    parser.add_argument("url", help="relay or PDS: wss://host, https://host or a host name")
    parser.add_argument("--cursor", type=int, help="resume after this seq")
    parser.add_argument(
        "--collection", action="append", default=[], help="only these collections (repeatable)"
    )
    parser.add_argument("--limit", type=int, help="stop after this many events")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from skykit.firehose import Firehose
    from skykit.firehose.jetstream import to_jetstream

    wanted = set(args.collection)
    started = time.monotonic()
    events = printed = 0
    firehose = Firehose(args.url, cursor=args.cursor)
    try:
        for event in firehose:
            events += 1
            for line in to_jetstream(event):
                collection = line.get("commit", {}).get("collection")
                if wanted and collection not in wanted:
                    continue
                print(json.dumps(line, ensure_ascii=False), flush=True)
                printed += 1
            if args.limit is not None and events >= args.limit:
                break
    except KeyboardInterrupt:
        pass
    finally:
        firehose.close()
        elapsed = max(time.monotonic() - started, 1e-9)
        print(
            f"{events} events, {printed} lines in {elapsed:.1f}s ({events / elapsed:.1f} events/s); "
            f"cursor {firehose.cursor}",
            file=sys.stderr,
        )
    return 0
