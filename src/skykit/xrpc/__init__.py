"""XRPC: errors, call options, and the base classes of generated calls."""

from __future__ import annotations

from skykit.xrpc._calls import (
    AsyncByteStream,
    AsyncCaller,
    AsyncNamespace,
    AsyncXrpcCall,
    Body,
    ByteStream,
    Caller,
    CallOptions,
    Namespace,
    XrpcCall,
)
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

__all__ = [
    "AsyncByteStream",
    "AsyncCaller",
    "AsyncNamespace",
    "AsyncXrpcCall",
    "AuthRequiredError",
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
    "RateLimitedError",
    "TimeoutError",
    "UpstreamError",
    "XrpcCall",
    "XrpcError",
]
