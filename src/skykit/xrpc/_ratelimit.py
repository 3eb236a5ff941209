"""Rate-limit state from response headers (``ratelimit-*``, ``retry-after``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # httpx.Headers are case-insensitive already; a plain mapping is matched by hand.
    value = headers.get(name)
    if value is None and type(headers) is dict:
        for key, item in headers.items():
            if key.lower() == name:
                return str(item)
    return value


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class RateLimit:
    """The server's rate-limit window as of the last response.

    ``reset_at`` is in Unix seconds (atproto servers send ``ratelimit-reset`` as an epoch
    time); ``policy`` is the raw ``ratelimit-policy`` header (e.g. ``"3000;w=300"``).
    """

    limit: int | None
    remaining: int | None
    reset_at: float | None
    policy: str | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        limit = _int(_header(headers, "ratelimit-limit"))
        remaining = _int(_header(headers, "ratelimit-remaining"))
        reset = _int(_header(headers, "ratelimit-reset"))
        policy = _header(headers, "ratelimit-policy")
        if limit is None and remaining is None and reset is None:
            return None
        return cls(limit, remaining, float(reset) if reset is not None else None, policy)


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait before retrying, from ``retry-after`` (seconds or an HTTP date) or,
    failing that, from ``ratelimit-reset``; None when the server said nothing."""
    now = time.time() if now is None else now
    text = _header(headers, "retry-after")
    if text is not None:
        seconds = _int(text)
        if seconds is not None:
            return max(0.0, float(seconds))
        import email.utils

        try:
            return max(0.0, email.utils.parsedate_to_datetime(text).timestamp() - now)
        except (TypeError, ValueError):
            pass
    state = RateLimit.from_headers(headers)
    if state is not None and state.reset_at is not None and state.remaining == 0:
        return max(0.0, state.reset_at - now)
    return None
