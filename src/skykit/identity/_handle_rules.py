"""What the two handle resolution methods' answers mean (atproto.com/specs/handle): the
``did=`` TXT records of ``_atproto.<handle>`` and the body of ``/.well-known/atproto-did``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from skykit.identity._errors import AmbiguousHandleError, FetchError, HttpStatusError
from skykit.identity._ops import HttpResponse
from skykit.syntax import DID, HANDLE_MAX_LENGTH, Handle

DNS_PREFIX: Final = "_atproto."
TXT_PREFIX: Final = "did="
WELL_KNOWN_PATH: Final = "/.well-known/atproto-did"
WELL_KNOWN_MAX_BYTES: Final = 4096
"""A DID is at most 2048 characters; anything much longer is not an answer."""
MAX_TXT_RECORDS: Final = 64


@dataclass(frozen=True, slots=True)
class MethodResult:
    """One method's answer: a DID, or why there is none. ``error`` is set when the method
    failed in transport (timeout, network, oversize, 5xx) rather than answering "none"."""

    did: DID | None
    detail: str
    error: FetchError | None = None


def dns_name(handle: Handle) -> str | None:
    """``_atproto.<handle>``, or None when that exceeds a DNS name's 253 characters (the
    spec leaves such handles to the HTTPS method)."""
    name = DNS_PREFIX + handle
    return name if len(name) <= HANDLE_MAX_LENGTH else None


def did_from_txt(handle: Handle, records: tuple[str, ...]) -> MethodResult:
    """The DID named by ``did=`` TXT records. Other records are ignored; several records
    naming *different* DIDs make resolution fail (``AmbiguousHandleError``)."""
    dids: list[str] = []
    invalid: list[str] = []
    for record in records[:MAX_TXT_RECORDS]:
        if not record.startswith(TXT_PREFIX):
            continue
        value = record[len(TXT_PREFIX) :].strip()
        if DID.is_valid(value):
            if value not in dids:
                dids.append(value)
        else:
            invalid.append(value)
    if len(dids) > 1:
        raise AmbiguousHandleError(
            f"handle {handle} is ambiguous: DNS {DNS_PREFIX}{handle} has TXT records for "
            f"{len(dids)} different DIDs ({', '.join(sorted(dids)[:4])})",
            handle,
        )
    if dids:
        return MethodResult(DID(dids[0]), "ok")
    if invalid:
        return MethodResult(None, f"TXT record did={invalid[0][:80]!r} is not a valid DID")
    return MethodResult(None, f"no did= TXT record at {DNS_PREFIX}{handle}")


def did_from_well_known(handle: Handle, url: str, response: HttpResponse) -> MethodResult:
    """The DID in a well-known response: a 2xx body holding only a DID (surrounding
    whitespace allowed; Content-Type is not checked, as the spec permits)."""
    status = response.status
    if status >= 500:
        message = f"resolving handle {handle}: GET {url} answered HTTP {status}"
        error = HttpStatusError(message, handle, url, status)
        return MethodResult(None, f"HTTP {status} from {url}", error)
    if not 200 <= status < 300:
        return MethodResult(None, f"HTTP {status} from {url}")
    try:
        text = response.body.decode("utf-8").strip()
    except UnicodeDecodeError:
        return MethodResult(None, f"{url} answered a body that is not UTF-8")
    if not DID.is_valid(text):
        return MethodResult(None, f"{url} answered {text[:80]!r}, which is not a DID")
    return MethodResult(DID(text), "ok")
