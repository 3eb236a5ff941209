"""XRPC errors: one class per kind of failure, each carrying what the server said.

Lexicon-declared errors (``RecordNotFound``...) are generated subclasses of ``XrpcError``;
the client raises them when the response's ``error`` names one the method declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from skykit.errors import SkykitError


class XrpcError(SkykitError):
    """An XRPC call failed.

    ``status`` is the HTTP status (0 when no response arrived), ``error`` the XRPC error
    name (e.g. ``"InvalidRequest"``), ``message`` the server's message and ``headers`` the
    response headers. ``nsid`` names the method that was called.
    """

    ERROR_NAME: ClassVar[str | None] = None

    def __init__(
        self,
        message: str = "",
        *,
        status: int = 0,
        error: str | None = None,
        headers: Mapping[str, str] | None = None,
        nsid: str | None = None,
    ) -> None:
        self.status = status
        self.error = error if error is not None else self.ERROR_NAME
        self.message = message
        self.headers: Mapping[str, str] = dict(headers or {})
        self.nsid = nsid
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [self.nsid or "XRPC call", "failed"]
        if self.status:
            parts.append(f"with HTTP {self.status}")
        if self.error:
            parts.append(f"({self.error})")
        text = " ".join(parts)
        return f"{text}: {self.message}" if self.message else text


class BadRequestError(XrpcError):
    """HTTP 400: the server rejected the request (``InvalidRequest`` and the like)."""


class AuthRequiredError(XrpcError):
    """HTTP 401: authentication is missing, invalid or expired."""


class ForbiddenError(XrpcError):
    """HTTP 403: authenticated, but not allowed."""


class NotFoundError(XrpcError):
    """HTTP 404: no such method or resource."""


class PayloadTooLargeError(XrpcError):
    """HTTP 413: the request body is over the server's limit."""


class RateLimitedError(XrpcError):
    """HTTP 429: rate limited. ``reset_at`` is when the window resets (Unix seconds), if
    the server said."""

    @property
    def reset_at(self) -> float | None:
        from skykit.xrpc._ratelimit import RateLimit

        state = RateLimit.from_headers(self.headers)
        return state.reset_at if state is not None else None


class UpstreamError(XrpcError):
    """HTTP 5xx: the server or a service behind it failed."""


class NetworkError(XrpcError):
    """No usable response: the connection failed, was reset, or timed out."""


class TimeoutError(NetworkError):
    """The call did not complete within its timeout."""


class InvalidResponseError(XrpcError):
    """The server answered with something that is not a valid XRPC response (malformed
    JSON, an HTML error page, a body over the size limit, or the wrong shape)."""


def error_class_for_status(status: int) -> type[XrpcError]:
    if status == 400:
        return BadRequestError
    if status == 401:
        return AuthRequiredError
    if status == 403:
        return ForbiddenError
    if status == 404:
        return NotFoundError
    if status == 413:
        return PayloadTooLargeError
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return UpstreamError
    return XrpcError
