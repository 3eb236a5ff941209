"""A bot that answers every mention with an echo of it.

    SKYKIT_SERVICE=https://bsky.social SKYKIT_HANDLE=bot.example.com \
    SKYKIT_PASSWORD=app-password python examples/echo_bot.py --polls 0

``--polls 0`` runs until stopped; the default polls a few times and exits.
"""

from __future__ import annotations

import argparse
import os
import time

import skykit


def answer_mentions(client: skykit.Client) -> int:
    """Reply to each unread mention; returns how many were answered."""
    answered = 0
    notifications = client.list_notifications(limit=50).notifications
    for note in notifications:
        if note.reason != "mention" or note.is_read:
            continue
        text = getattr(note.record, "text", "")
        client.reply(note, f"echo: {text}"[:300])
        answered += 1
    if notifications:
        client.mark_notifications_seen()
    return answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--polls", type=int, default=3, help="how many times to poll (0: forever)")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between polls")
    args = parser.parse_args()

    client = skykit.Client(os.environ.get("SKYKIT_SERVICE", "https://bsky.social"))
    client.login(os.environ["SKYKIT_HANDLE"], os.environ["SKYKIT_PASSWORD"])
    polls = 0
    while args.polls == 0 or polls < args.polls:
        print(f"answered {answer_mentions(client)} mention(s)", flush=True)
        polls += 1
        time.sleep(args.interval)


if __name__ == "__main__":
    main()
