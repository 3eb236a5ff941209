"""Finding the authorization server: from a handle or DID (identity → PDS → its
protected-resource metadata → the server's metadata), or from a PDS or entryway URL.

Also the check that closes a flow: the account in ``sub`` really is served by the server
that issued the tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from skykit.errors import SkykitError
from skykit.oauth._errors import DiscoveryError, ServerMetadataError, SubjectMismatchError
from skykit.oauth._metadata import (
    RESOURCE_PATH,
    SERVER_PATH,
    AuthorizationServerMetadata,
    ProtectedResourceMetadata,
)
from skykit.oauth._ops import Plan, Resolve, fetch_json
from skykit.oauth._urls import check_web_url, origin

if TYPE_CHECKING:
    from skykit.identity import Identity


@dataclass(frozen=True)
class Discovered:
    """Where a flow goes: the authorization server, and the account and PDS when the flow
    started from a handle or DID."""

    server: AuthorizationServerMetadata
    pds: str | None = None
    identity: Identity | None = None


def is_server_url(target: str) -> bool:
    return target.startswith(("https://", "http://"))


def resolve(identifier: str) -> Plan[Identity]:
    try:
        identity: Identity = yield Resolve(identifier)
    except SkykitError as exc:
        raise DiscoveryError(f"could not resolve {identifier!r}: {exc}") from exc
    return identity


def pds_of(identity: Identity, *, allow_loopback_http: bool) -> str:
    if identity.pds_endpoint is None:
        raise DiscoveryError(f"the DID document of {identity.did} names no PDS (#atproto_pds)")
    url = check_web_url(
        identity.pds_endpoint,
        f"the PDS of {identity.did}",
        DiscoveryError,
        allow_loopback_http=allow_loopback_http,
    )
    return origin(url)


def fetch_server(issuer: str, *, allow_loopback_http: bool) -> Plan[AuthorizationServerMetadata]:
    doc = yield from fetch_json(
        f"{issuer}{SERVER_PATH}", "authorization-server metadata", ServerMetadataError
    )
    return AuthorizationServerMetadata.parse(
        doc, issuer=issuer, allow_loopback_http=allow_loopback_http
    )


def server_of_pds(pds: str, *, allow_loopback_http: bool) -> Plan[AuthorizationServerMetadata]:
    """The authorization server a PDS delegates to, both documents validated."""
    doc = yield from fetch_json(
        f"{pds}{RESOURCE_PATH}", "protected-resource metadata", ServerMetadataError
    )
    server = yield from _server_of(pds, doc, allow_loopback_http=allow_loopback_http)
    return server


def _server_of(
    pds: str, doc: object, *, allow_loopback_http: bool
) -> Plan[AuthorizationServerMetadata]:
    resource = ProtectedResourceMetadata.parse(
        doc, resource_url=pds, allow_loopback_http=allow_loopback_http
    )
    server = yield from fetch_server(
        resource.authorization_server, allow_loopback_http=allow_loopback_http
    )
    server.check_resource(pds)
    return server


def discover(target: str, *, allow_loopback_http: bool) -> Plan[Discovered]:
    """A handle, DID, or PDS/entryway URL → the authorization server to use."""
    if is_server_url(target):
        url = check_web_url(
            target, "the server URL", DiscoveryError, allow_loopback_http=allow_loopback_http
        )
        base = origin(url)
        try:
            doc = yield from fetch_json(
                f"{base}{RESOURCE_PATH}", "protected-resource metadata", ServerMetadataError
            )
        except ServerMetadataError:  # not a PDS: an entryway (an authorization server)?
            server = yield from fetch_server(base, allow_loopback_http=allow_loopback_http)
            return Discovered(server)
        server = yield from _server_of(base, doc, allow_loopback_http=allow_loopback_http)
        return Discovered(server, pds=base)
    identity = yield from resolve(target.removeprefix("@"))
    pds = pds_of(identity, allow_loopback_http=allow_loopback_http)
    server = yield from server_of_pds(pds, allow_loopback_http=allow_loopback_http)
    return Discovered(server, pds=pds, identity=identity)


def check_subject(
    sub: str, issuer: str, *, allow_loopback_http: bool
) -> Plan[tuple[Identity, str]]:
    """Resolve ``sub`` and confirm its PDS names ``issuer`` as its authorization server;
    returns the identity and the PDS origin."""
    identity = yield from resolve(sub)
    if identity.did != sub:
        raise SubjectMismatchError(f"{sub} resolved to another DID, {identity.did}")
    pds = pds_of(identity, allow_loopback_http=allow_loopback_http)
    try:
        server = yield from server_of_pds(pds, allow_loopback_http=allow_loopback_http)
    except DiscoveryError as exc:
        raise SubjectMismatchError(
            f"cannot confirm that {issuer} is the authorization server of {sub}: {exc}"
        ) from exc
    if server.issuer != issuer:
        raise SubjectMismatchError(
            f"{sub} is hosted by {pds}, whose authorization server is {server.issuer}, "
            f"not {issuer}, which issued these tokens"
        )
    return identity, pds
