"""Watch a relay's (or a PDS's) firehose and print new posts as they happen.

    python examples/firehose_watcher.py wss://bsky.network --limit 100

Stops after ``--limit`` posts (0: run until Ctrl-C) and prints the cursor to resume from.
"""

from __future__ import annotations

import argparse

from skykit.firehose import CommitEvent, Firehose

POST = "app.bsky.feed.post"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", help="relay or PDS, e.g. wss://bsky.network")
    parser.add_argument("--cursor", type=int, help="resume after this seq")
    parser.add_argument("--limit", type=int, default=20, help="posts to print (0: no limit)")
    parser.add_argument("--repo", help="only this account's posts (a DID)")
    args = parser.parse_args()

    printed = 0
    with Firehose(args.service, cursor=args.cursor) as firehose:
        for event in firehose:
            if not isinstance(event, CommitEvent) or args.repo not in (None, event.repo):
                continue
            for op in event.ops:
                if op.action == "create" and op.collection == POST:
                    post = op.model()  # the typed app.bsky.feed.post record
                    print(f"{event.repo} {op.rkey}: {post.text}", flush=True)
                    printed += 1
            if args.limit and printed >= args.limit:
                break
    print(f"resume with --cursor {firehose.cursor}")


if __name__ == "__main__":
    main()
