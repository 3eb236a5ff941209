"""A confidential client (``private_key_jwt``, ES256) against the reference PDS, which fetches
the client's metadata (and JWKS) itself: the harness starts a PDS whose outbound ``fetch`` of
the client's https origin is rerouted to a loopback server run by this module, while all of
the PDS's metadata validation still runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from skykit.identity import ResolverConfig
from skykit.oauth import (
    AsyncOAuthClient,
    ClientConfigError,
    ClientKey,
    ClientMetadata,
    OAuthClient,
    OAuthSession,
    TokenError,
)
from tests.dns_server import DnsServer
from tests.network.doc_server import DocServer
from tests.network.harness import HERE, Account, Installation, Network, start_network
from tests.network.install import NetworkUnavailable
from tests.network.oauth_consent import approve, resolver_config
from tests.network.plugin import unavailable

pytestmark = pytest.mark.network

ORIGIN = "https://confidential.skykit-tests.dev"
SCOPE = "atproto transition:generic"


@pytest.fixture(scope="module")
def documents() -> Iterator[DocServer]:
    with DocServer() as server:
        yield server


@pytest.fixture(scope="module")
def reroute_network(
    network_installation: Installation,
    documents: DocServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Network]:
    routes = tmp_path_factory.mktemp("reroute") / "routes.json"
    routes.write_text(json.dumps({ORIGIN: documents.url}))
    try:
        network = start_network(
            "pds",
            installation=network_installation,
            preloads=[HERE / "reroute_fetch.mjs"],
            env={"SKYKIT_REROUTE_FILE": str(routes)},
        )
    except NetworkUnavailable as exc:
        unavailable(str(exc))
    with network:
        yield network


@pytest.fixture(scope="module")
def config(reroute_network: Network) -> Iterator[ResolverConfig]:
    with DnsServer() as dns:
        yield resolver_config(reroute_network, dns.port)


@pytest.fixture
def account(reroute_network: Network) -> Account:
    return reroute_network.create_account("conf")


def publish(
    documents: DocServer, name: str, key: ClientKey, *, by_uri: bool = False
) -> ClientMetadata:
    """Client metadata for ``{ORIGIN}/{name}/client-metadata.json``, served (with its JWKS
    when ``by_uri``) by the loopback server the PDS's fetches are rerouted to."""
    base = f"{ORIGIN}/{name}"
    options: dict[str, Any] = {"jwks_uri": f"{base}/jwks.json"} if by_uri else {"keys": [key]}
    metadata = ClientMetadata.confidential(
        f"{base}/client-metadata.json",
        [f"{base}/callback"],
        SCOPE,
        client_name="skykit confidential test client",
        client_uri=ORIGIN,
        **options,
    )
    documents.json(f"/{name}/client-metadata.json", metadata.to_json())
    if by_uri:
        documents.json(f"/{name}/jwks.json", {"keys": [key.public_jwk]})
    return metadata


def test_confidential_client_signs_in_refreshes_and_revokes(
    documents: DocServer, config: ResolverConfig, account: Account
) -> None:
    key = ClientKey.generate("key-1")
    metadata = publish(documents, "inline", key)
    with OAuthClient(metadata, keys=[key], resolver=config, allow_loopback_http=True) as oauth:
        assert oauth.jwks == {"keys": [key.public_jwk]}
        url = oauth.authorize(account.handle)
        assert documents.hits["/inline/client-metadata.json"] >= 1  # the PDS fetched it
        callback = approve(url, account.handle, account.password)
        assert callback.startswith(f"{ORIGIN}/inline/callback?")
        session = oauth.callback(callback).session
        assert session.client_kid == "key-1"
        assert session.client_id == metadata.client_id
        with oauth.client(session) as client:
            assert client.com.atproto.server.get_session().did == account.did
            renewed = client.refresh_session()  # a fresh client assertion, same key
            assert isinstance(renewed, OAuthSession)
            assert renewed.refresh_token != session.refresh_token
            assert client.com.atproto.server.get_session().did == account.did
            client.logout()
        assert oauth.session_store.get(account.did) is None


def test_an_assertion_the_published_keys_do_not_verify_is_refused(
    documents: DocServer, config: ResolverConfig, account: Account
) -> None:
    published = ClientKey.generate("key-1")
    publish(documents, "other-key", published)
    impostor = ClientKey.generate("key-1")  # same kid, another key
    metadata = ClientMetadata.confidential(
        f"{ORIGIN}/other-key/client-metadata.json",
        [f"{ORIGIN}/other-key/callback"],
        SCOPE,
        keys=[impostor],
        client_name="skykit confidential test client",
        client_uri=ORIGIN,
    )
    with (
        OAuthClient(metadata, keys=[impostor], resolver=config, allow_loopback_http=True) as oauth,
        pytest.raises(TokenError, match="pushed authorization request failed") as caught,
    ):
        oauth.authorize(account.handle)
    assert caught.value.error == "invalid_client"
    assert caught.value.status == 400
    assert "client_assertion" in str(caught.value)


@pytest.mark.anyio
async def test_async_confidential_client_with_a_jwks_uri(
    documents: DocServer, config: ResolverConfig, account: Account, anyio_backend: str
) -> None:
    key = ClientKey.generate("key-a")
    metadata = publish(documents, f"by-uri-{anyio_backend}", key, by_uri=True)
    async with AsyncOAuthClient(
        metadata, keys=[key], resolver=config, allow_loopback_http=True
    ) as oauth:
        url = await oauth.authorize(account.did)
        assert documents.hits[f"/by-uri-{anyio_backend}/jwks.json"] >= 1
        callback = await anyio.to_thread.run_sync(
            lambda: approve(url, account.handle, account.password)
        )
        session = (await oauth.callback(callback)).session
        async with oauth.client(session) as client:
            assert (await client.com.atproto.server.get_session()).did == account.did
        renewed = await oauth.restore(account.did, refresh=True)
        assert renewed.refresh_token != session.refresh_token
        await oauth.revoke(renewed)


def test_keys_must_match_the_published_jwks(documents: DocServer) -> None:
    key = ClientKey.generate("key-1")
    metadata = publish(documents, "local-check", key)
    with pytest.raises(ClientConfigError, match="not the public key"):
        OAuthClient(metadata, keys=[ClientKey.generate("key-1")])
    with pytest.raises(ClientConfigError, match="needs its signing keys"):
        OAuthClient(metadata)
