"""XRPC: errors, call options, and the base classes of generated calls."""

from __future__ import annotations

from skykit.xrpc._async_calls import AsyncCaller, AsyncNamespace, AsyncXrpcCall
from skykit.xrpc._auth import Authenticator
from skykit.xrpc._calls import AsyncByteStream, Body, ByteStream, CallOptions
from skykit.xrpc._errors import (
    AuthRequiredError,
    BadRequestError,
    ForbiddenError,
    InvalidResponseError,
    NetworkError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    TimeoutError,
    UpstreamError,
    XrpcError,
)
from skykit.xrpc._flow import RetryPolicy
from skykit.xrpc._ratelimit import RateLimit
from skykit.xrpc._session import Session, SessionError
from skykit.xrpc._sync_calls import Caller, Namespace, XrpcCall

__all__ = [
    "AsyncByteStream",
    "AsyncCaller",
    "AsyncNamespace",
    "AsyncXrpcCall",
    "AuthRequiredError",
    "Authenticator",
    "BadRequestError",
    "Body",
    "ByteStream",
    "CallOptions",
    "Caller",
    "ForbiddenError",
    "InvalidResponseError",
    "Namespace",
    "NetworkError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimit",
    "RateLimitedError",
    "RetryPolicy",
    "Session",
    "SessionError",
    "TimeoutError",
    "UpstreamError",
    "XrpcCall",
    "XrpcError",
]
