"""``ScopeMissingError``: both an OAuth error and the XRPC 403 it comes from. In a module of
its own so that importing ``skykit.oauth`` does not load the XRPC layer."""

from __future__ import annotations

from collections.abc import Mapping

from skykit.oauth._errors import OAuthError
from skykit.xrpc._errors import ForbiddenError


class ScopeMissingError(OAuthError, ForbiddenError):
    """The PDS refused a call because the session's scope does not cover it. ``scope`` is
    what the server said was needed, when it said."""

    ERROR_NAME = "ScopeMissingError"

    def __init__(
        self,
        message: str = "",
        *,
        status: int = 403,
        error: str | None = None,
        headers: Mapping[str, str] | None = None,
        nsid: str | None = None,
    ) -> None:
        ForbiddenError.__init__(
            self, message, status=status, error=error, headers=headers, nsid=nsid
        )
        self.scope = _needed_scope(message)


def _needed_scope(message: str) -> str | None:
    marker = 'Missing required scope "'
    start = message.find(marker)
    if start < 0:
        return None
    end = message.find('"', start + len(marker))
    return message[start + len(marker) : end] if end > 0 else None
