"""The two DID methods atproto blesses, as rules on the DID string: which ``did:plc`` values
are well-formed and where a ``did:web`` document lives (atproto.com/specs/did)."""

from __future__ import annotations

import re
from typing import Final

from skykit.identity._errors import UnsupportedDidError
from skykit.syntax import DID, Handle, is_disallowed_tld

_PLC_RE: Final = re.compile(r"did:plc:[a-z2-7]{24}")
_PORT_SEPARATOR: Final = re.compile("%3a", re.IGNORECASE)
LOCALHOST: Final = "localhost"


def check_plc(did: DID) -> None:
    """Refuse a ``did:plc`` that is not 24 base32 characters: it cannot exist, and checking
    first keeps arbitrary text out of the directory URL."""
    if not _PLC_RE.fullmatch(did):
        raise UnsupportedDidError(
            f"{did} is not a valid did:plc (expected 'did:plc:' and 24 characters a-z, 2-7)", did
        )


def did_web_url(did: DID, *, allow_localhost: bool) -> str:
    """The URL of a ``did:web`` document: ``https://<host>/.well-known/did.json``.

    atproto allows hostnames only (no paths), no special-use TLDs, and a port only on
    ``localhost``, which is for development: it needs ``allow_localhost`` and uses http.
    """
    identifier = did.identifier
    if ":" in identifier:
        raise UnsupportedDidError(
            f"{did}: path-based did:web is not supported by atproto (hostnames only)", did
        )
    host, *port_parts = _PORT_SEPARATOR.split(identifier)
    if "%" in host or len(port_parts) > 1:
        raise UnsupportedDidError(f"{did}: did:web host may only percent-encode one port", did)
    if host != host.lower():
        raise UnsupportedDidError(f"{did}: did:web host must be lowercase", did)
    if host == LOCALHOST:
        if not allow_localhost:
            raise UnsupportedDidError(
                f"{did}: did:web on localhost is for development only "
                "(pass allow_localhost_did_web=True to resolve it)",
                did,
            )
        port = _port(did, port_parts)
        return f"http://{LOCALHOST}{f':{port}' if port else ''}/.well-known/did.json"
    if port_parts:
        raise UnsupportedDidError(f"{did}: did:web may carry a port only on localhost", did)
    if not Handle.is_valid(host):
        raise UnsupportedDidError(f"{did}: did:web host {host!r} is not a valid hostname", did)
    if is_disallowed_tld(host):
        raise UnsupportedDidError(f"{did}: did:web host {host!r} has a special-use TLD", did)
    return f"https://{host}/.well-known/did.json"


def _port(did: DID, port_parts: list[str]) -> int | None:
    if not port_parts:
        return None
    text = port_parts[0]
    if not (text.isascii() and text.isdigit() and 0 < int(text) < 65536 and text[0] != "0"):
        raise UnsupportedDidError(f"{did}: invalid did:web port {text!r}", did)
    return int(text)
