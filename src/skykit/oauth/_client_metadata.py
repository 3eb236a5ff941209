"""Client metadata (the document a ``client_id`` URL serves): build it for the three kinds
of clients, and check any document against the atproto OAuth profile.

- loopback: ``http://localhost?redirect_uri=...&scope=...`` ids for CLIs and local apps; the
  authorization server derives the document from the id, nothing is served;
- web (public): an https ``client_id`` serving this document;
- confidential: the same plus ``private_key_jwt`` with ES256 keys in ``jwks``/``jwks_uri``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from skykit.oauth._errors import ClientMetadataError, ScopeError
from skykit.oauth._jwt import check_public_jwk
from skykit.oauth._keys import ClientKey, jwks
from skykit.oauth._scopes import Scopes
from skykit.oauth._urls import is_loopback_host, origin, split

LOOPBACK_CLIENT = "http://localhost"
DEFAULT_LOOPBACK_REDIRECTS = ("http://127.0.0.1/", "http://[::1]/")
GRANTS = ("authorization_code", "refresh_token")
_KNOWN = frozenset(
    {
        "client_id",
        "application_type",
        "grant_types",
        "scope",
        "response_types",
        "redirect_uris",
        "token_endpoint_auth_method",
        "token_endpoint_auth_signing_alg",
        "dpop_bound_access_tokens",
        "jwks",
        "jwks_uri",
        "client_name",
        "client_uri",
        "logo_uri",
        "tos_uri",
        "policy_uri",
    }
)


def _fail(client_id: object, reason: str) -> ClientMetadataError:
    return ClientMetadataError(f"client metadata of {client_id!r}: {reason}")


def validate_jwks(doc: Any, what: str = "JWKS") -> tuple[dict[str, Any], ...]:
    """The keys of a public JWKS document, each checked to be a P-256 signing key."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("keys"), list):
        raise ClientMetadataError(f"{what} must be an object with a 'keys' array")
    keys = doc["keys"]
    if not keys:
        raise ClientMetadataError(f"{what} holds no keys")
    kids: set[str] = set()
    for index, key in enumerate(keys):
        problem = check_public_jwk(key)
        if problem:
            raise ClientMetadataError(f"{what}: key {index}: {problem}")
        kid = key.get("kid")
        if not isinstance(kid, str) or not kid:
            raise ClientMetadataError(f"{what}: key {index} has no 'kid'")
        if kid in kids:
            raise ClientMetadataError(f"{what}: 'kid' {kid!r} is used twice")
        kids.add(kid)
    return tuple(dict(k) for k in keys)


def loopback_client_id(redirect_uris: Sequence[str] = (), scope: str | None = None) -> str:
    """The ``http://localhost?...`` client id declaring ``redirect_uris`` and ``scope``."""
    query: list[tuple[str, str]] = [("redirect_uri", uri) for uri in redirect_uris]
    if scope is not None:
        query.append(("scope", scope))
    return f"{LOOPBACK_CLIENT}?{urlencode(query, quote_via=quote)}" if query else LOOPBACK_CLIENT


def _redirect_problem(uri: str, application_type: str, client_id: str) -> str | None:
    if not isinstance(uri, str) or not uri.isascii() or any(c.isspace() for c in uri):
        return f"redirect URI {uri!r} must be an ASCII string without spaces"
    try:
        scheme = urlsplit(uri).scheme
    except ValueError:
        return f"redirect URI {uri!r} is not a valid URL"
    if scheme not in ("http", "https"):
        return _custom_scheme_problem(uri, scheme, application_type, client_id)
    parts = split(uri, "redirect URI", ClientMetadataError)
    if parts.fragment or uri.endswith("#"):
        return f"redirect URI {uri!r} must not have a fragment"
    if parts.scheme == "http":
        if parts.hostname in ("127.0.0.1", "::1"):
            if application_type != "native":
                return f"redirect URI {uri!r}: loopback redirects are for native clients only"
            return None
        if parts.hostname == "localhost":
            return f"redirect URI {uri!r}: use 127.0.0.1 or [::1], not 'localhost' (RFC 8252)"
        return f"redirect URI {uri!r} must use https (http only for 127.0.0.1 / [::1])"
    if urlsplit(client_id).scheme == "http":
        return f"redirect URI {uri!r}: an http://localhost client redirects to 127.0.0.1 or [::1]"
    if origin(uri) != origin(client_id):
        return f"redirect URI {uri!r} must have the origin of the client_id"
    return None


def _custom_scheme_problem(
    uri: str, scheme: str, application_type: str, client_id: str
) -> str | None:
    if not scheme:
        return f"redirect URI {uri!r} has no scheme"
    if application_type != "native":
        return f"redirect URI {uri!r}: custom schemes are for native clients only"
    client = urlsplit(client_id)
    reverse = ".".join(reversed((client.hostname or "").split(".")))
    if client.scheme != "https" or scheme != reverse:
        return f"redirect URI {uri!r}: a custom scheme must be the client_id host reversed ({reverse!r})"
    if not uri.startswith(f"{scheme}:/") or uri.startswith(f"{scheme}://"):
        return f"redirect URI {uri!r}: write a custom scheme as '{reverse}:/path'"
    if "#" in uri:
        return f"redirect URI {uri!r} must not have a fragment"
    return None


def _check_client_id(client_id: object) -> str:
    if not isinstance(client_id, str):
        raise _fail(client_id, "'client_id' must be a string")
    parts = split(client_id, "client_id", ClientMetadataError)
    if parts.scheme == "http":
        if parts.hostname != "localhost" or parts.port is not None or parts.path not in ("", "/"):
            raise _fail(
                client_id, "an http client_id must be 'http://localhost' (no port, no path)"
            )
        if parts.fragment:
            raise _fail(client_id, "the client_id must not have a fragment")
        return client_id
    if parts.scheme != "https":
        raise _fail(client_id, "the client_id must be an https URL (or http://localhost)")
    if parts.port is not None:
        raise _fail(client_id, "an https client_id must not include a port")
    if parts.username or parts.password or parts.fragment:
        raise _fail(client_id, "the client_id must not hold credentials or a fragment")
    if is_loopback_host(parts.hostname):
        raise _fail(client_id, "an https client_id must not be a loopback host")
    return client_id


@dataclass(frozen=True)
class ClientMetadata:
    """A client's metadata document. Build one with ``loopback``, ``web`` or
    ``confidential``; read one with ``parse``; ``to_json()`` is what the ``client_id`` URL
    serves. Construction validates it against the atproto profile."""

    client_id: str
    redirect_uris: tuple[str, ...]
    scope: str = "atproto"
    application_type: Literal["web", "native"] = "web"
    grant_types: tuple[str, ...] = GRANTS
    response_types: tuple[str, ...] = ("code",)
    token_endpoint_auth_method: Literal["none", "private_key_jwt"] = "none"
    token_endpoint_auth_signing_alg: str | None = None
    dpop_bound_access_tokens: bool = True
    jwks: Mapping[str, Any] | None = None
    jwks_uri: str | None = None
    client_name: str | None = None
    client_uri: str | None = None
    logo_uri: str | None = None
    tos_uri: str | None = None
    policy_uri: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._validate()

    # -- the three kinds -----------------------------------------------------------------

    @classmethod
    def loopback(
        cls, redirect_uris: Sequence[str] = ("http://127.0.0.1/",), scope: str = "atproto"
    ) -> ClientMetadata:
        """A development/CLI client: the ``http://localhost`` id declares the redirect URIs
        (127.0.0.1 or [::1]; declare no port and any port is accepted) and the scope."""
        client_id = loopback_client_id(redirect_uris, scope)
        return cls.from_loopback_id(client_id)

    @classmethod
    def from_loopback_id(cls, client_id: str) -> ClientMetadata:
        """The document an authorization server derives from an ``http://localhost`` id."""
        _check_client_id(client_id)
        if not client_id.startswith(LOOPBACK_CLIENT):
            raise _fail(client_id, "not an http://localhost client id")
        query = urlsplit(client_id).query
        try:
            pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
        except ValueError:
            raise _fail(client_id, "the query is malformed") from None
        unknown = {name for name, _ in pairs} - {"redirect_uri", "scope"}
        if unknown:
            raise _fail(client_id, f"unknown query parameter {sorted(unknown)[0]!r}")
        redirects = tuple(value for name, value in pairs if name == "redirect_uri")
        scopes = [value for name, value in pairs if name == "scope"]
        if len(scopes) > 1:
            raise _fail(client_id, "'scope' may be given once")
        return cls(
            client_id=client_id,
            redirect_uris=redirects or DEFAULT_LOOPBACK_REDIRECTS,
            scope=scopes[0] if scopes else "atproto",
            application_type="native",
        )

    @classmethod
    def web(
        cls, client_id: str, redirect_uris: Sequence[str], scope: str = "atproto", **fields: Any
    ) -> ClientMetadata:
        """A public web client (no client authentication)."""
        return cls(client_id=client_id, redirect_uris=tuple(redirect_uris), scope=scope, **fields)

    @classmethod
    def confidential(
        cls,
        client_id: str,
        redirect_uris: Sequence[str],
        scope: str = "atproto",
        *,
        keys: Sequence[ClientKey] = (),
        jwks_uri: str | None = None,
        **fields: Any,
    ) -> ClientMetadata:
        """A confidential web client authenticating with ``private_key_jwt`` (ES256): pass
        its ``keys`` (their public halves go in ``jwks``) or the ``jwks_uri`` serving them."""
        return cls(
            client_id=client_id,
            redirect_uris=tuple(redirect_uris),
            scope=scope,
            token_endpoint_auth_method="private_key_jwt",
            token_endpoint_auth_signing_alg="ES256",
            jwks=jwks(tuple(keys)) if keys else None,
            jwks_uri=jwks_uri,
            **fields,
        )

    @classmethod
    def parse(cls, doc: Any, *, client_id: str | None = None) -> ClientMetadata:
        """A document fetched from ``client_id`` (which it must name exactly), validated."""
        if not isinstance(doc, Mapping):
            raise ClientMetadataError("client metadata must be a JSON object")
        cid = doc.get("client_id")
        if client_id is not None and cid != client_id:
            raise _fail(client_id, f"the document names another client_id: {cid!r}")

        def strings(name: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
            value = doc.get(name)
            if value is None and default is not None:
                return default
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise _fail(cid, f"{name!r} must be an array of strings")
            return tuple(value)

        def text(name: str) -> Any:
            value = doc.get(name)
            if value is not None and not isinstance(value, str):
                raise _fail(cid, f"{name!r} must be a string")
            return value

        fields: dict[str, Any] = {
            "client_id": cid,
            "redirect_uris": strings("redirect_uris"),
            "scope": doc.get("scope"),
            "application_type": doc.get("application_type", "web"),
            "grant_types": strings("grant_types"),
            "response_types": strings("response_types"),
            "token_endpoint_auth_method": doc.get("token_endpoint_auth_method", "none"),
            "token_endpoint_auth_signing_alg": text("token_endpoint_auth_signing_alg"),
            "dpop_bound_access_tokens": doc.get("dpop_bound_access_tokens"),
            "jwks": doc.get("jwks"),
            "jwks_uri": text("jwks_uri"),
            "client_name": text("client_name"),
            "client_uri": text("client_uri"),
            "logo_uri": text("logo_uri"),
            "tos_uri": text("tos_uri"),
            "policy_uri": text("policy_uri"),
            "extra": {k: v for k, v in doc.items() if k not in _KNOWN},
        }
        return cls(**fields)

    # -- what it is ----------------------------------------------------------------------

    @property
    def is_loopback(self) -> bool:
        return self.client_id.startswith(LOOPBACK_CLIENT)

    @property
    def is_confidential(self) -> bool:
        return self.token_endpoint_auth_method == "private_key_jwt"

    def to_json(self) -> dict[str, Any]:
        """The document to serve at the ``client_id`` URL."""
        doc: dict[str, Any] = dict(self.extra)
        doc.update(
            client_id=self.client_id,
            application_type=self.application_type,
            grant_types=list(self.grant_types),
            scope=self.scope,
            response_types=list(self.response_types),
            redirect_uris=list(self.redirect_uris),
            token_endpoint_auth_method=self.token_endpoint_auth_method,
            dpop_bound_access_tokens=self.dpop_bound_access_tokens,
        )
        optional = {
            "token_endpoint_auth_signing_alg": self.token_endpoint_auth_signing_alg,
            "jwks": dict(self.jwks) if self.jwks is not None else None,
            "jwks_uri": self.jwks_uri,
            "client_name": self.client_name,
            "client_uri": self.client_uri,
            "logo_uri": self.logo_uri,
            "tos_uri": self.tos_uri,
            "policy_uri": self.policy_uri,
        }
        doc.update({k: v for k, v in optional.items() if v is not None})
        return doc

    def redirect_uri_allowed(self, uri: str) -> bool:
        """Whether ``uri`` matches a declared redirect URI (ports of 127.0.0.1/[::1] URIs
        declared without one are not compared, as RFC 8252 says)."""
        if uri in self.redirect_uris:
            return True
        try:
            asked = urlsplit(uri)
            asked.port  # noqa: B018
        except ValueError:
            return False
        for declared in self.redirect_uris:
            d = urlsplit(declared)
            if (
                d.scheme == asked.scheme == "http"
                and d.hostname == asked.hostname
                and d.hostname in ("127.0.0.1", "::1")
                and d.port is None
                and (d.path or "/") == (asked.path or "/")
                and d.query == asked.query
            ):
                return True
        return False

    # -- validation ----------------------------------------------------------------------

    def _validate(self) -> None:
        cid = _check_client_id(self.client_id)
        if self.application_type not in ("web", "native"):
            raise _fail(cid, "'application_type' must be 'web' or 'native'")
        if self.dpop_bound_access_tokens is not True:
            raise _fail(cid, "'dpop_bound_access_tokens' must be true (DPoP is mandatory)")
        if "authorization_code" not in self.grant_types:
            raise _fail(cid, "'grant_types' must include 'authorization_code'")
        unknown = [g for g in self.grant_types if g not in GRANTS]
        if unknown:
            raise _fail(cid, f"grant type {unknown[0]!r} is not allowed")
        if "code" not in self.response_types:
            raise _fail(cid, "'response_types' must include 'code'")
        if not isinstance(self.scope, str):
            raise _fail(cid, "'scope' is required (a space-separated string)")
        try:
            scopes = Scopes.parse(self.scope, strict=False)
        except ScopeError as exc:
            raise _fail(cid, f"'scope': {exc}") from None
        if not scopes.has_atproto:
            raise _fail(cid, "'scope' must include 'atproto'")
        if not self.redirect_uris:
            raise _fail(cid, "at least one redirect URI is required")
        for uri in self.redirect_uris:
            problem = _redirect_problem(uri, self.application_type, cid)
            if problem:
                raise _fail(cid, problem)
        auth = self.is_confidential or self.jwks is not None or self.jwks_uri is not None
        if self.is_loopback and auth:
            raise _fail(cid, "an http://localhost client is always public")
        self._validate_auth(cid)
        self._validate_links(cid)

    def _validate_auth(self, cid: str) -> None:
        method = self.token_endpoint_auth_method
        if method not in ("none", "private_key_jwt"):
            raise _fail(cid, f"'token_endpoint_auth_method' {method!r} is not supported")
        if self.jwks is not None and self.jwks_uri is not None:
            raise _fail(cid, "give 'jwks' or 'jwks_uri', not both")
        if self.jwks is not None:
            validate_jwks(self.jwks, f"client metadata of {cid!r}: 'jwks'")
        if self.jwks_uri is not None and not self.jwks_uri.startswith("https://"):
            raise _fail(cid, "'jwks_uri' must be an https URL")
        if method == "none":
            if self.token_endpoint_auth_signing_alg is not None:
                raise _fail(cid, "a public client must not set 'token_endpoint_auth_signing_alg'")
            return
        if self.token_endpoint_auth_signing_alg != "ES256":
            raise _fail(
                cid, "a confidential client must set 'token_endpoint_auth_signing_alg' to ES256"
            )
        if self.jwks is None and self.jwks_uri is None:
            raise _fail(cid, "a confidential client needs 'jwks' or 'jwks_uri'")

    def _validate_links(self, cid: str) -> None:
        if self.client_uri is not None:
            host = split(self.client_uri, "client_uri", ClientMetadataError).hostname
            if not self.is_loopback and host != urlsplit(cid).hostname:
                raise _fail(cid, "'client_uri' must have the client_id's host name")
        for name in ("logo_uri", "tos_uri", "policy_uri"):
            value = getattr(self, name)
            if value is not None and not value.startswith("https://"):
                raise _fail(cid, f"{name!r} must be an https URL")
