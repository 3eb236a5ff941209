"""URL rules of the atproto OAuth profile: origins, https, and the loopback exception."""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def split(url: object, what: str, error: type[Exception]) -> SplitResult:
    if not isinstance(url, str) or not url:
        raise error(f"{what} must be a URL string, got {type(url).__name__}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise error(f"{what} {url!r} is not a valid URL") from None
    if not parts.scheme or not parts.hostname:
        raise error(f"{what} {url!r} is not an absolute URL")
    if any(c.isspace() for c in url) or not url.isascii():
        raise error(f"{what} {url!r} must be ASCII without spaces")
    return parts


def is_loopback_host(host: str | None) -> bool:
    return host is not None and host.lower() in LOOPBACK_HOSTS


def is_private_ip(host: str) -> bool:
    """Whether ``host`` is an IP literal outside the public internet."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def origin(url: str) -> str:
    """``scheme://host[:port]``, lower-case, without the scheme's default port."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url.lower()  # not a URL: it matches no origin
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme)
    netloc = host if port is None or port == default else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}"


def check_web_url(
    url: object, what: str, error: type[Exception], *, allow_loopback_http: bool
) -> str:
    """An absolute https URL (http only to a loopback host when allowed), without
    credentials or fragment."""
    parts = split(url, what, error)
    assert isinstance(url, str)
    if parts.username is not None or parts.password is not None:
        raise error(f"{what} {url!r} must not hold credentials")
    if parts.fragment or url.endswith("#"):
        raise error(f"{what} {url!r} must not have a fragment")
    if parts.scheme == "https":
        if not allow_loopback_http and (
            is_loopback_host(parts.hostname) or is_private_ip(parts.hostname or "")
        ):
            raise error(f"{what} {url!r} points at a local address")
        return url
    if parts.scheme == "http" and allow_loopback_http and is_loopback_host(parts.hostname):
        return url
    hint = (
        " (http is allowed only for loopback hosts in development)" if allow_loopback_http else ""
    )
    raise error(f"{what} {url!r} must use https{hint}")


def check_origin_url(
    url: object, what: str, error: type[Exception], *, allow_loopback_http: bool
) -> str:
    """A bare origin (``https://host[:port]``): no path, query, fragment or default port.
    Returns it without a trailing slash."""
    checked = check_web_url(url, what, error, allow_loopback_http=allow_loopback_http)
    parts = urlsplit(checked)
    if parts.path not in ("", "/") or parts.query or checked.endswith("?"):
        raise error(f"{what} {checked!r} must be a bare origin (no path or query)")
    if parts.port is not None and origin(checked) != checked.rstrip("/"):
        raise error(f"{what} {checked!r} must not spell out the default port")
    if checked.rstrip("/") != origin(checked):
        raise error(f"{what} {checked!r} must be written in lower case")
    return checked.rstrip("/")
