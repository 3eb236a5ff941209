"""The user's part of an OAuth flow on the reference PDS, driven over plain HTTP: open the
authorization page, sign in, approve (or reject), and follow the redirect back.

This is what a browser does in front of the PDS's sign-in UI, reduced to its JSON API
(``/@atproto/oauth-provider/~api/``). The cookies it sets are marked Secure, so a cookie
jar would not send them back to ``http://localhost``: they are kept by hand here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

USER_AGENT = "skykit-tests/1 (consent driver)"
API = "/@atproto/oauth-provider/~api"
TIMEOUT = 30.0


class ConsentError(AssertionError):
    """The PDS's sign-in UI answered something the driver did not expect."""


@dataclass
class Consent:
    """One user agent (its cookies) walking through one authorization request."""

    authorize_url: str
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.authorize_url)
        return f"{parts.scheme}://{parts.netloc}"

    def _keep(self, response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def _headers(self, site: str, **extra: str) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Sec-Fetch-Site": site, **extra}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _api(self, http: httpx.Client, name: str, body: dict[str, Any], **extra: str) -> Any:
        headers = self._headers(
            "same-origin",
            **{
                "Sec-Fetch-Mode": "same-origin",
                "Sec-Fetch-Dest": "empty",
                "Referer": self.authorize_url,
                "Origin": self.origin,
                "X-CSRF-Token": self.cookies.get("csrf-token", ""),
                **extra,
            },
        )
        response = http.post(f"{self.origin}{API}/{name}", json=body, headers=headers)
        self._keep(response)
        if response.status_code != 200:
            raise ConsentError(f"{name}: HTTP {response.status_code}: {response.text[:500]}")
        return response.json()

    def open(self, http: httpx.Client) -> None:
        headers = self._headers(
            "none", **{"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
        )
        response = http.get(self.authorize_url, headers=headers)
        self._keep(response)
        if response.status_code != 200 or "csrf-token" not in self.cookies:
            raise ConsentError(
                f"authorize page: HTTP {response.status_code}: {response.text[:300]}"
            )

    def sign_in(self, http: httpx.Client, username: str, password: str) -> dict[str, Any]:
        body = {"locale": "en", "username": username, "password": password, "remember": False}
        answer: dict[str, Any] = self._api(http, "sign-in", body)
        return answer

    def decide(
        self, http: httpx.Client, signed_in: dict[str, Any], scope: str | None, *, approve: bool
    ) -> str:
        """Approve or reject; returns the URL the browser is sent back to (the client's
        redirect URI with ``state``, ``iss`` and ``code`` or ``error``)."""
        token = signed_in.get("ephemeralToken")
        extra = {"Authorization": f"Bearer {token}"} if token else {}
        did = signed_in["account"]["did"]
        if approve:
            body: dict[str, Any] = {"did": did}
            if scope is not None:
                body["scope"] = scope
            answer = self._api(http, "consent", body, **extra)
        else:
            answer = self._api(http, "reject", {})
        url = answer["url"]
        target = url if "://" in url else f"{self.origin}{url}"
        headers = self._headers(
            "same-origin",
            **{
                "Sec-Fetch-Mode": "navigate",
                "Sec-Fetch-Dest": "document",
                "Referer": self.authorize_url,
            },
        )
        response = http.get(target, headers=headers)
        self._keep(response)
        if response.status_code not in (302, 303) or "location" not in response.headers:
            raise ConsentError(f"redirect: HTTP {response.status_code}: {response.text[:300]}")
        return response.headers["location"]


def approve(
    authorize_url: str,
    username: str,
    password: str,
    *,
    scope: str | None = None,
    approve: bool = True,
) -> str:
    """The whole user's part: returns the callback URL the PDS redirects the browser to."""
    consent = Consent(authorize_url)
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as http:
        consent.open(http)
        signed_in = consent.sign_in(http, username, password)
        return consent.decide(http, signed_in, scope, approve=approve)


def callback_params(callback_url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(callback_url).query))


def resolver_config(network: Any, dns_port: int) -> Any:
    """Identity lookups for the reference network: its PLC, handles through the PDS, DNS to a
    loopback test server (so nothing leaves the machine)."""
    from skykit.identity import ResolverConfig

    return ResolverConfig(
        plc_url=network.plc_url,
        handle_base_url=network.pds_url,
        allow_loopback=True,
        dns_nameservers=("127.0.0.1",),
        dns_port=dns_port,
        timeout=15.0,
    )
