"""Metadata documents: every file in real/indigo/oauth-metadata/ parses and validates (or is
refused with its reason), client metadata is generated and checked per the atproto profile
for the three kinds of clients, and authorization-server documents missing any required
piece are refused with a message naming it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from skykit.oauth import (
    AuthorizationServerMetadata,
    ClientKey,
    ClientMetadata,
    ClientMetadataError,
    ProtectedResourceMetadata,
    ServerMetadataError,
    loopback_client_id,
    validate_jwks,
)
from tests import corpora

FOLDER = ("real", "indigo", "oauth-metadata")


def load(name: str) -> Any:
    return json.loads(corpora.path(*FOLDER, name).read_text())


def corpus_files() -> list[str]:
    if not corpora.available():
        return []
    return sorted(p.name for p in corpora.CORPORA.joinpath(*FOLDER).glob("*.json"))


def check_corpus_file(name: str) -> str:
    """Validate one file by its kind; returns what it was read as."""
    doc = load(name)
    if name.endswith("-authorization-server.json"):
        server = AuthorizationServerMetadata.parse(doc, issuer=doc["issuer"])
        assert server.pushed_authorization_request_endpoint.endswith("/oauth/par")
        assert server.token_endpoint == f"{server.issuer}/oauth/token"
        assert "atproto" in server.scopes_supported
        return "authorization server"
    if name.endswith("-protected-resource.json"):
        resource = ProtectedResourceMetadata.parse(doc, resource_url=doc["resource"])
        assert resource.authorization_server.startswith("https://")
        return "protected resource"
    if name.endswith("-client-metadata.json"):
        client = ClientMetadata.parse(doc, client_id=doc["client_id"])
        assert client.to_json() == {
            **doc,
            "application_type": doc.get("application_type", "web"),
        }
        return "confidential client" if client.is_confidential else "public client"
    if name.endswith("-jwks.json"):
        keys = validate_jwks(doc)
        assert all(k["kty"] == "EC" for k in keys)
        return "jwks"
    raise AssertionError(f"no rule for {name}")


@pytest.mark.parametrize("name", corpus_files())
def test_every_corpus_document_validates(name: str) -> None:
    check_corpus_file(name)


def test_corpus_documents_are_what_their_names_say() -> None:
    corpora.path(*FOLDER)  # skips (or fails under CI) without the corpora
    kinds = {name: check_corpus_file(name) for name in corpus_files()}
    assert len(kinds) == 9
    assert kinds["flaskdemo-client-metadata.json"] == "confidential client"
    assert kinds["smokesignal-client-metadata.json"] == "public client"
    assert kinds["statusphere-client-metadata.json"] == "public client"
    assert sorted(kinds.values()).count("jwks") == 2


def test_corpus_documents_from_the_wrong_place_are_refused() -> None:
    server = load("bsky-entryway-authorization-server.json")
    with pytest.raises(ServerMetadataError, match=r"came from 'https://pds\.robocracy\.org'"):
        AuthorizationServerMetadata.parse(server, issuer="https://pds.robocracy.org")
    resource = load("morel-protected-resource.json")
    with pytest.raises(ServerMetadataError, match="'resource'"):
        ProtectedResourceMetadata.parse(resource, resource_url="https://bsky.social")
    client = load("statusphere-client-metadata.json")
    with pytest.raises(ClientMetadataError, match="another client_id"):
        ClientMetadata.parse(client, client_id="https://statusphere.mozzius.dev/other.json")
    # The entryway lists no protected resources: any PDS may delegate to it.
    AuthorizationServerMetadata.parse(server).check_resource("https://morel.example")
    indie = AuthorizationServerMetadata.parse(load("indie-authorization-server.json"))
    with pytest.raises(ServerMetadataError, match="protected resources"):
        indie.check_resource("https://elsewhere.example")


def valid_server(issuer: str = "https://as.example.com") -> dict[str, Any]:
    """A document with everything the profile requires (the shape of the corpus's)."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "pushed_authorization_request_endpoint": f"{issuer}/oauth/par",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256", "ES256K"],
        "scopes_supported": ["atproto", "transition:generic"],
        "authorization_response_iss_parameter_supported": True,
        "require_pushed_authorization_requests": True,
        "require_request_uri_registration": True,
        "dpop_signing_alg_values_supported": ["ES256"],
        "client_id_metadata_document_supported": True,
    }


def test_the_valid_document_is_valid() -> None:
    parsed = AuthorizationServerMetadata.parse(valid_server(), issuer="https://as.example.com")
    assert parsed.revocation_endpoint == "https://as.example.com/oauth/revoke"
    assert parsed.protected_resources is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"require_pushed_authorization_requests": False}, "require_pushed_authorization_requests"),
        ({"require_pushed_authorization_requests": None}, "require_pushed_authorization_requests"),
        ({"pushed_authorization_request_endpoint": None}, "pushed_authorization_request_endpoint"),
        ({"dpop_signing_alg_values_supported": ["RS256"]}, "dpop_signing_alg_values_supported"),
        ({"dpop_signing_alg_values_supported": None}, "dpop_signing_alg_values_supported"),
        ({"code_challenge_methods_supported": ["plain"]}, "S256"),
        ({"authorization_response_iss_parameter_supported": False}, "iss_parameter"),
        ({"client_id_metadata_document_supported": False}, "client_id_metadata"),
        ({"require_request_uri_registration": False}, "require_request_uri_registration"),
        ({"token_endpoint_auth_methods_supported": ["none"]}, "private_key_jwt"),
        ({"token_endpoint_auth_signing_alg_values_supported": ["ES256", "none"]}, "'none'"),
        ({"scopes_supported": ["transition:generic"]}, "'atproto'"),
        ({"grant_types_supported": ["authorization_code"]}, "refresh_token"),
        ({"response_types_supported": ["token"]}, "'code'"),
        ({"token_endpoint": "http://as.example.com/oauth/token"}, "https"),
        ({"authorization_endpoint": None}, "authorization_endpoint"),
        ({"issuer": "https://as.example.com/path"}, "bare origin"),
        ({"issuer": "https://as.example.com:443"}, "default port"),
        ({"issuer": "https://AS.example.com"}, "lower case"),
        ({"issuer": "https://other.example.com"}, "came from"),
        ({"issuer": "http://as.example.com"}, "https"),
    ],
)
def test_authorization_server_requirements(change: dict[str, Any], reason: str) -> None:
    doc = {**valid_server(), **change}
    doc = {k: v for k, v in doc.items() if v is not None}
    with pytest.raises(ServerMetadataError, match=reason):
        AuthorizationServerMetadata.parse(doc, issuer="https://as.example.com")


def test_loopback_servers_need_the_development_option() -> None:
    doc = valid_server("http://localhost:2583")
    with pytest.raises(ServerMetadataError, match="https"):
        AuthorizationServerMetadata.parse(doc, issuer="http://localhost:2583")
    parsed = AuthorizationServerMetadata.parse(
        doc, issuer="http://localhost:2583", allow_loopback_http=True
    )
    assert parsed.issuer == "http://localhost:2583"
    with pytest.raises(ServerMetadataError, match="local address"):
        AuthorizationServerMetadata.parse(valid_server("https://127.0.0.1"))


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"resource": "https://pds.example", "authorization_servers": []}, "exactly one"),
        (
            {
                "resource": "https://pds.example",
                "authorization_servers": ["https://a.example", "https://b.example"],
            },
            "exactly one",
        ),
        ({"resource": "https://pds.example"}, "authorization_servers"),
        (
            {"resource": "https://pds.example", "authorization_servers": ["https://a.example/x"]},
            "bare origin",
        ),
        (
            {"resource": "https://other.example", "authorization_servers": ["https://a.example"]},
            "came from",
        ),
        ([], "JSON object"),
    ],
)
def test_protected_resource_requirements(doc: Any, reason: str) -> None:
    with pytest.raises(ServerMetadataError, match=reason):
        ProtectedResourceMetadata.parse(doc, resource_url="https://pds.example")


# -- client metadata ---------------------------------------------------------------------


def test_loopback_client_ids() -> None:
    metadata = ClientMetadata.loopback(
        ["http://127.0.0.1/callback"], scope="atproto transition:generic"
    )
    assert metadata.client_id == (
        "http://localhost?redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback"
        "&scope=atproto%20transition%3Ageneric"
    )
    assert metadata.application_type == "native"
    assert metadata.is_loopback
    assert not metadata.is_confidential
    assert metadata.redirect_uri_allowed("http://127.0.0.1:8123/callback")  # any port
    assert not metadata.redirect_uri_allowed("http://127.0.0.1:8123/other")
    assert not metadata.redirect_uri_allowed("http://localhost:8123/callback")
    bare = ClientMetadata.from_loopback_id("http://localhost")
    assert bare.redirect_uris == ("http://127.0.0.1/", "http://[::1]/")
    assert bare.scope == "atproto"
    assert loopback_client_id() == "http://localhost"
    pinned = ClientMetadata.loopback(["http://127.0.0.1:9000/cb"])
    assert pinned.redirect_uri_allowed("http://127.0.0.1:9000/cb")
    assert not pinned.redirect_uri_allowed("http://127.0.0.1:9001/cb")


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda: ClientMetadata.loopback(["http://localhost/cb"]), "RFC 8252"),
        (lambda: ClientMetadata.loopback(["https://app.example/cb"]), "127.0.0.1"),
        (lambda: ClientMetadata.loopback(scope="transition:generic"), "'atproto'"),
        (lambda: ClientMetadata.loopback(scope="atproto repo:nonsense"), "'scope'"),
        (lambda: ClientMetadata.from_loopback_id("http://localhost:8080"), "no port"),
        (lambda: ClientMetadata.from_loopback_id("http://localhost/path"), "no path"),
        (
            lambda: ClientMetadata.from_loopback_id("http://localhost?client_name=x"),
            "unknown query",
        ),
        (
            lambda: ClientMetadata.web("http://app.example/m.json", ["https://app.example/cb"]),
            "http://localhost",
        ),
        (
            lambda: ClientMetadata.web(
                "https://app.example:8443/m.json", ["https://app.example/cb"]
            ),
            "port",
        ),
        (
            lambda: ClientMetadata.web("https://app.example/m.json", ["https://other.example/cb"]),
            "origin",
        ),
        (
            lambda: ClientMetadata.web("https://app.example/m.json", ["http://127.0.0.1/cb"]),
            "native",
        ),
        (lambda: ClientMetadata.web("https://app.example/m.json", ["example.app:/cb"]), "native"),
        (lambda: ClientMetadata.web("https://app.example/m.json", []), "redirect URI"),
        (
            lambda: ClientMetadata.web(
                "https://app.example/m.json",
                ["https://app.example/cb"],
                client_uri="https://other.example",
            ),
            "client_uri",
        ),
        (
            lambda: ClientMetadata.web(
                "https://app.example/m.json",
                ["https://app.example/cb"],
                logo_uri="http://app.example/l.png",
            ),
            "logo_uri",
        ),
        (
            lambda: ClientMetadata.confidential(
                "https://app.example/m.json", ["https://app.example/cb"]
            ),
            "jwks",
        ),
        (
            lambda: ClientMetadata.confidential(
                "https://app.example/m.json",
                ["https://app.example/cb"],
                keys=[ClientKey.generate("k")],
                jwks_uri="https://app.example/jwks.json",
            ),
            "not both",
        ),
        (
            lambda: ClientMetadata.confidential(
                "https://app.example/m.json",
                ["https://app.example/cb"],
                jwks_uri="http://app.example/j",
            ),
            "jwks_uri",
        ),
    ],
)
def test_client_metadata_refusals(build: Any, reason: str) -> None:
    with pytest.raises(ClientMetadataError, match=reason):
        build()


def test_native_and_confidential_clients() -> None:
    native = ClientMetadata(
        client_id="https://app.example.com/client-metadata.json",
        redirect_uris=("com.example.app:/callback", "http://127.0.0.1/cb"),
        application_type="native",
    )
    assert native.redirect_uri_allowed("com.example.app:/callback")
    with pytest.raises(ClientMetadataError, match="reversed"):
        ClientMetadata(
            client_id="https://app.example.com/m.json",
            redirect_uris=("org.example.app:/callback",),
            application_type="native",
        )
    key = ClientKey.generate("2026-key")
    confidential = ClientMetadata.confidential(
        "https://app.example.com/m.json", ["https://app.example.com/cb"], keys=[key]
    )
    doc = confidential.to_json()
    assert doc["token_endpoint_auth_method"] == "private_key_jwt"
    assert doc["token_endpoint_auth_signing_alg"] == "ES256"
    assert doc["jwks"] == {"keys": [key.public_jwk]}
    assert all("d" not in jwk for jwk in doc["jwks"]["keys"])  # public halves only
    assert ClientMetadata.parse(doc, client_id=confidential.client_id) == confidential


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"dpop_bound_access_tokens": False}, "dpop_bound_access_tokens"),
        ({"dpop_bound_access_tokens": None}, "dpop_bound_access_tokens"),
        ({"grant_types": ["refresh_token"]}, "authorization_code"),
        ({"grant_types": ["authorization_code", "implicit"]}, "implicit"),
        ({"response_types": ["token"]}, "'code'"),
        ({"scope": None}, "'scope'"),
        ({"application_type": "desktop"}, "application_type"),
        ({"token_endpoint_auth_method": "client_secret_post"}, "not supported"),
        ({"token_endpoint_auth_signing_alg": "none"}, "ES256"),
        ({"redirect_uris": "https://oauth-flask.demo.bsky.dev/cb"}, "array of strings"),
        ({"jwks": {"keys": [{"kty": "RSA", "kid": "x"}]}, "jwks_uri": None}, "P-256"),
    ],
)
def test_a_corpus_client_document_broken_one_field_at_a_time(
    change: dict[str, Any], reason: str
) -> None:
    doc = {**load("flaskdemo-client-metadata.json"), **change}
    doc = {k: v for k, v in doc.items() if v is not None}
    with pytest.raises(ClientMetadataError, match=reason):
        ClientMetadata.parse(doc)


@pytest.mark.parametrize(
    ("jwks", "reason"),
    [
        ({}, "'keys' array"),
        ({"keys": []}, "no keys"),
        ({"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "kid": "a"}]}, "32 bytes"),
        ({"keys": [{"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA", "kid": "a"}]}, "P-256"),
        ({"keys": ["not an object"]}, "JSON object"),
    ],
)
def test_jwks_refusals(jwks: Any, reason: str) -> None:
    with pytest.raises(ClientMetadataError, match=reason):
        validate_jwks(jwks)


def test_jwks_refuses_private_keys_and_foreign_points(tmp_path: Path) -> None:
    key = ClientKey.generate("a")
    with pytest.raises(ClientMetadataError, match="private part"):
        validate_jwks({"keys": [key.export()]})
    off_curve = {**key.public_jwk, "y": key.public_jwk["x"]}
    with pytest.raises(ClientMetadataError, match="not a point"):
        validate_jwks({"keys": [off_curve]})
    with pytest.raises(ClientMetadataError, match="twice"):
        validate_jwks({"keys": [key.public_jwk, key.public_jwk]})
