"""What OAuth plans ask their driver to do, and small helpers to build and read requests.

A plan is a generator: it yields ``Send`` (an HTTP request, answered with an
``HttpResult``), ``Sleep`` (answered with None) or ``Resolve`` (a handle or DID, answered
with a verified ``skykit.identity.Identity``, or thrown the resolver's error). The same
``Send``/``Sleep`` as ``skykit.xrpc`` use, so a session's refresh plan runs inside an XRPC
client as well as inside ``OAuthClient``/``AsyncOAuthClient``.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from skykit.oauth._errors import DiscoveryError, OAuthError
from skykit.xrpc._flow import USER_AGENT, HttpResult, Send, Sleep

T = TypeVar("T")

MAX_STEPS = 64  # a plan never takes more steps than this, whatever servers answer
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Resolve:
    """Resolve a handle or DID to a verified identity."""

    identifier: str


Op = Send | Sleep | Resolve
Plan = Generator[Op, Any, T]


def get(url: str, *, timeout: float | None = None) -> Send:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    return Send("GET", url, (), headers, None, timeout, False)


def post_form(url: str, fields: Mapping[str, str], headers: Mapping[str, str]) -> Send:
    body = urlencode(list(fields.items())).encode("ascii")
    all_headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
        "Content-Type": FORM,
        **headers,
    }
    return Send("POST", url, (), all_headers, body, None, False)


def failure_text(result: HttpResult) -> str:
    """A short description of a transport failure (never the request, which holds secrets)."""
    failure = result.failure
    return f"{type(failure).__name__}: {failure}" if failure is not None else "no response"


def json_body(result: HttpResult, what: str, error: type[OAuthError]) -> Any:
    """The JSON value of a response, or ``error`` saying what was wrong with it."""
    kind = result.headers.get("content-type", "")
    if kind.split(";")[0].strip().lower() != "application/json":
        raise error(f"{what}: expected application/json, got {kind or 'no content type'!r}")
    try:
        return json.loads(result.content)
    except (ValueError, UnicodeDecodeError):
        raise error(f"{what}: the body is not valid JSON") from None


def fetch_json(url: str, what: str, error: type[OAuthError]) -> Plan[Any]:
    """GET ``url`` and return its JSON; only a ``200`` counts (no redirects, per the
    profile's metadata rules). A transport failure is a ``DiscoveryError``; a bad answer
    is ``error``."""
    result: HttpResult = yield get(url)
    if result.failure is not None:
        raise DiscoveryError(f"{what}: could not fetch {url}: {failure_text(result)}")
    if result.status != 200:
        raise error(f"{what}: {url} answered HTTP {result.status} (expected 200)")
    return json_body(result, what, error)
