"""Discovery over real HTTP against small metadata servers on 127.0.0.1 (no reference PDS):
servers that break the atproto profile (no PAR required, a wrong issuer, no DPoP ES256, a
redirect, the wrong content type, an oversized body) are refused before any request is
pushed, each with a ``SkykitError`` naming the reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from skykit.errors import SkykitError
from skykit.oauth import (
    AsyncOAuthClient,
    ClientMetadata,
    DiscoveryError,
    OAuthClient,
    ServerMetadataError,
    TokenError,
)
from tests.network.doc_server import DocServer

RESOURCE = "/.well-known/oauth-protected-resource"
SERVER = "/.well-known/oauth-authorization-server"


def server_doc(base: str, **changes: Any) -> dict[str, Any]:
    issuer = base
    doc: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "pushed_authorization_request_endpoint": f"{issuer}/oauth/par",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        "scopes_supported": ["atproto", "transition:generic"],
        "authorization_response_iss_parameter_supported": True,
        "require_pushed_authorization_requests": True,
        "dpop_signing_alg_values_supported": ["ES256"],
        "client_id_metadata_document_supported": True,
    }
    doc.update(changes)
    return doc


@pytest.fixture
def docs() -> Iterator[DocServer]:
    with DocServer(max_lifetime=120.0) as server:
        yield server


def pds(docs: DocServer, **changes: Any) -> str:
    """Make ``docs`` a PDS that is its own authorization server (with ``changes``)."""
    docs.json(RESOURCE, {"resource": docs.url, "authorization_servers": [docs.url]})
    docs.json(SERVER, server_doc(docs.url, **changes))
    return docs.url


def oauth() -> OAuthClient:
    return OAuthClient(ClientMetadata.loopback(), allow_loopback_http=True, timeout=10.0)


def test_a_server_that_does_not_require_par_is_refused(docs: DocServer) -> None:
    url = pds(docs, require_pushed_authorization_requests=False)
    with oauth() as client, pytest.raises(ServerMetadataError) as caught:
        client.authorize(url)
    assert "require_pushed_authorization_requests' must be true" in str(caught.value)
    assert isinstance(caught.value, SkykitError)
    assert docs.hits["/oauth/par"] == 0  # nothing was pushed to it


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"dpop_signing_alg_values_supported": ["RS256"]}, "dpop_signing_alg_values_supported"),
        ({"issuer": "http://127.0.0.1:1"}, "came from"),
        ({"code_challenge_methods_supported": ["plain"]}, "S256"),
        ({"pushed_authorization_request_endpoint": "ftp://127.0.0.1/par"}, "https"),
    ],
)
def test_broken_authorization_servers_are_refused(
    docs: DocServer, changes: dict[str, Any], reason: str
) -> None:
    url = pds(docs, **changes)
    with oauth() as client, pytest.raises(ServerMetadataError, match=reason):
        client.authorize(url)


def test_a_pds_naming_another_resource_is_refused(docs: DocServer) -> None:
    pds(docs)
    docs.json(RESOURCE, {"resource": "http://127.0.0.1:1", "authorization_servers": [docs.url]})
    with oauth() as client, pytest.raises(ServerMetadataError, match="'resource'"):
        client.authorize(docs.url)


def test_metadata_must_be_a_plain_200_json_document(docs: DocServer) -> None:
    url = pds(docs)
    docs.raw(SERVER, b"", status=302)
    with oauth() as client, pytest.raises(ServerMetadataError, match="HTTP 302"):
        client.authorize(url)
    docs.raw(SERVER, json.dumps(server_doc(url)).encode(), kind="text/html")
    with oauth() as client, pytest.raises(ServerMetadataError, match="application/json"):
        client.authorize(url)
    docs.raw(SERVER, b"{not json", kind="application/json")
    with oauth() as client, pytest.raises(ServerMetadataError, match="not valid JSON"):
        client.authorize(url)
    docs.raw(SERVER, b" " * (2 << 20), kind="application/json")
    with oauth() as client, pytest.raises(DiscoveryError, match="limit"):
        client.authorize(url)


def test_an_entryway_url_is_its_own_authorization_server(docs: DocServer) -> None:
    """No protected-resource document: the URL is taken as an authorization server, and the
    flow goes on to PAR (which this fake server does not implement)."""
    docs.json(SERVER, server_doc(docs.url))
    with oauth() as client, pytest.raises(TokenError, match="pushed authorization request"):
        client.authorize(docs.url)
    assert docs.hits[RESOURCE] == 1
    assert docs.hits[SERVER] == 1


def test_http_and_local_servers_need_the_development_option(docs: DocServer) -> None:
    url = pds(docs)
    with OAuthClient(ClientMetadata.loopback()) as client:
        with pytest.raises(DiscoveryError, match="https"):
            client.authorize(url)
        with pytest.raises(DiscoveryError, match="local address"):
            client.authorize("https://127.0.0.1:1")
    assert docs.hits[RESOURCE] == 0


def test_unreachable_server_is_a_discovery_error() -> None:
    with oauth() as client, pytest.raises(DiscoveryError, match="could not fetch") as caught:
        client.authorize("http://127.0.0.1:1")
    assert not isinstance(caught.value, ServerMetadataError)


@pytest.mark.anyio
async def test_async_client_refuses_the_same_servers(docs: DocServer) -> None:
    url = pds(docs, require_pushed_authorization_requests=False)
    async with AsyncOAuthClient(ClientMetadata.loopback(), allow_loopback_http=True) as client:
        with pytest.raises(ServerMetadataError, match="require_pushed_authorization_requests"):
            await client.authorize(url)
        with anyio.fail_after(30):
            with pytest.raises(DiscoveryError, match="could not fetch"):
                await client.authorize("http://127.0.0.1:1")
