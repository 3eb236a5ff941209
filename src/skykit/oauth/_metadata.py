"""Server metadata: a PDS's protected-resource document and an authorization server's
document (RFC 8414), each checked against what the atproto OAuth profile requires."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from skykit.oauth._errors import ServerMetadataError
from skykit.oauth._urls import check_origin_url, check_web_url, origin

RESOURCE_PATH = "/.well-known/oauth-protected-resource"
SERVER_PATH = "/.well-known/oauth-authorization-server"


def _strings(doc: Mapping[str, Any], name: str, what: str) -> tuple[str, ...]:
    value = doc.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ServerMetadataError(f"{what}: {name!r} must be an array of strings")
    return tuple(value)


def _require(values: tuple[str, ...], needed: tuple[str, ...], name: str, what: str) -> None:
    missing = [v for v in needed if v not in values]
    if missing:
        raise ServerMetadataError(f"{what}: {name!r} must include {', '.join(map(repr, missing))}")


@dataclass(frozen=True)
class ProtectedResourceMetadata:
    """``/.well-known/oauth-protected-resource`` of a PDS: which authorization server
    issues its tokens."""

    resource: str
    authorization_server: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def parse(
        cls, doc: Any, *, resource_url: str | None = None, allow_loopback_http: bool = False
    ) -> ProtectedResourceMetadata:
        """Validate ``doc``; ``resource_url`` is where it was fetched from (its origin must
        be the document's ``resource``)."""
        what = "protected-resource metadata"
        if not isinstance(doc, Mapping):
            raise ServerMetadataError(f"{what} must be a JSON object")
        resource = check_origin_url(
            doc.get("resource"),
            f"{what}: 'resource'",
            ServerMetadataError,
            allow_loopback_http=allow_loopback_http,
        )
        if resource_url is not None and resource != origin(resource_url):
            raise ServerMetadataError(
                f"{what}: 'resource' is {resource!r}, but the document came from "
                f"{origin(resource_url)!r}"
            )
        servers = _strings(doc, "authorization_servers", what)
        if len(servers) != 1:
            raise ServerMetadataError(
                f"{what}: 'authorization_servers' must name exactly one server, got {len(servers)}"
            )
        server = check_origin_url(
            servers[0],
            f"{what}: the authorization server",
            ServerMetadataError,
            allow_loopback_http=allow_loopback_http,
        )
        return cls(resource, server, dict(doc))


@dataclass(frozen=True)
class AuthorizationServerMetadata:
    """``/.well-known/oauth-authorization-server``: the endpoints and what the server
    supports. ``parse`` refuses any document the atproto profile does not allow."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    pushed_authorization_request_endpoint: str
    revocation_endpoint: str | None
    scopes_supported: tuple[str, ...]
    protected_resources: tuple[str, ...] | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def parse(
        cls, doc: Any, *, issuer: str | None = None, allow_loopback_http: bool = False
    ) -> AuthorizationServerMetadata:
        """Validate ``doc``; ``issuer`` is the origin it was fetched from (the document's
        ``issuer`` must be exactly that)."""
        what = "authorization-server metadata"
        if not isinstance(doc, Mapping):
            raise ServerMetadataError(f"{what} must be a JSON object")
        found = check_origin_url(
            doc.get("issuer"),
            f"{what}: 'issuer'",
            ServerMetadataError,
            allow_loopback_http=allow_loopback_http,
        )
        if issuer is not None and found != issuer.rstrip("/"):
            raise ServerMetadataError(
                f"{what}: 'issuer' is {found!r}, but the document came from {issuer!r}"
            )
        what = f"authorization server {found}"

        def url(name: str, required: bool = True) -> str | None:
            value = doc.get(name)
            if value is None and not required:
                return None
            return check_web_url(
                value,
                f"{what}: {name!r}",
                ServerMetadataError,
                allow_loopback_http=allow_loopback_http,
            )

        _require(
            _strings(doc, "response_types_supported", what),
            ("code",),
            "response_types_supported",
            what,
        )
        grants = _strings(doc, "grant_types_supported", what)
        _require(grants, ("authorization_code", "refresh_token"), "grant_types_supported", what)
        challenges = _strings(doc, "code_challenge_methods_supported", what)
        _require(challenges, ("S256",), "code_challenge_methods_supported", what)
        methods = _strings(doc, "token_endpoint_auth_methods_supported", what)
        _require(
            methods, ("none", "private_key_jwt"), "token_endpoint_auth_methods_supported", what
        )
        signing = _strings(doc, "token_endpoint_auth_signing_alg_values_supported", what)
        _require(signing, ("ES256",), "token_endpoint_auth_signing_alg_values_supported", what)
        if "none" in signing:
            raise ServerMetadataError(
                f"{what}: 'token_endpoint_auth_signing_alg_values_supported' must not include 'none'"
            )
        scopes = _strings(doc, "scopes_supported", what)
        _require(scopes, ("atproto",), "scopes_supported", what)
        dpop = _strings(doc, "dpop_signing_alg_values_supported", what)
        _require(dpop, ("ES256",), "dpop_signing_alg_values_supported", what)
        for flag in (
            "authorization_response_iss_parameter_supported",
            "require_pushed_authorization_requests",
            "client_id_metadata_document_supported",
        ):
            if doc.get(flag) is not True:
                raise ServerMetadataError(f"{what}: {flag!r} must be true, got {doc.get(flag)!r}")
        if doc.get("require_request_uri_registration", True) is not True:
            raise ServerMetadataError(
                f"{what}: 'require_request_uri_registration' must not be false"
            )
        resources = None
        if doc.get("protected_resources") is not None:
            resources = _strings(doc, "protected_resources", what)
        return cls(
            issuer=found,
            authorization_endpoint=str(url("authorization_endpoint")),
            token_endpoint=str(url("token_endpoint")),
            pushed_authorization_request_endpoint=str(url("pushed_authorization_request_endpoint")),
            revocation_endpoint=url("revocation_endpoint", required=False),
            scopes_supported=scopes,
            protected_resources=resources,
            raw=dict(doc),
        )

    def check_resource(self, resource: str) -> None:
        """Refuse a PDS this server does not list, when it lists its resources."""
        if self.protected_resources is not None and origin(resource) not in {
            origin(r) for r in self.protected_resources
        }:
            raise ServerMetadataError(
                f"authorization server {self.issuer} does not list {origin(resource)} among "
                "its protected resources"
            )
