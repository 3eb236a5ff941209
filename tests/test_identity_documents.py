"""DID documents: every real document in the corpora reads with the right PDS and key (the
keys verify real commit signatures), and the atproto rules for malformed or unusual ones."""

from __future__ import annotations

import copy
import json
from typing import Any

import libipld
import pytest

from skykit.crypto import Keypair, PublicKey
from skykit.data import CID, decode_dag_cbor, encode_dag_cbor
from skykit.identity import (
    DidDocument,
    DidDocumentMismatchError,
    IdentityError,
    InvalidDidDocumentError,
)
from skykit.repo import read_car
from tests import corpora
from tests.test_real_blocks import _relay_frames, _split_frame

ATPROTO_KEY = "did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF"
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


def identity_doc(name: str) -> bytes:
    return corpora.path("real", "indigo", "identity", name).read_bytes()


def jetstream_docs() -> dict[str, Any]:
    path = corpora.path("real", "jetstream", "corpus", "did_docs.json")
    docs: dict[str, Any] = json.loads(path.read_text())
    return docs


def doc(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": DID,
        "alsoKnownAs": ["at://alice.example.com"],
        "verificationMethod": [
            {
                "id": f"{DID}#atproto",
                "type": "Multikey",
                "controller": DID,
                "publicKeyMultibase": ATPROTO_KEY.removeprefix("did:key:"),
            }
        ],
        "service": [
            {
                "id": "#atproto_pds",
                "type": "AtprotoPersonalDataServer",
                "serviceEndpoint": "https://pds.example.com",
            }
        ],
    }
    base.update(fields)
    return base


# -- real documents --------------------------------------------------------------------------


def test_indigo_multikey_document() -> None:
    document = DidDocument.from_bytes(identity_doc("did_plc_doc.json"), DID)
    assert document.did == DID
    assert document.handle == "atproto.com"
    assert document.pds_endpoint == "https://bsky.social"
    assert document.signing_key == PublicKey.from_did_key(ATPROTO_KEY)
    assert document.labeler_endpoint is None
    assert document.feed_generator_endpoint is None


def test_indigo_legacy_document_gives_the_same_key() -> None:
    # The spec's example: the legacy uncompressed k256 encoding of atproto.com's key.
    document = DidDocument.from_bytes(identity_doc("did_plc_doc_legacy.json"), DID)
    assert document.verification_methods[0].id == "#atproto"
    assert document.verification_methods[0].type == "EcdsaSecp256k1VerificationKey2019"
    assert document.signing_key == PublicKey.from_did_key(ATPROTO_KEY)
    assert document.pds_endpoint == "https://bsky.social"
    assert document.handle == "atproto.com"


def test_indigo_did_web_feed_generator() -> None:
    document = DidDocument.from_bytes(
        identity_doc("did_web_doc.json"), "did:web:discover.bsky.social"
    )
    assert document.feed_generator_endpoint == "https://discover.bsky.social"
    assert document.handle is None
    assert document.pds_endpoint is None
    assert document.signing_key is None
    assert document.raw["authentication"] is None


def test_every_jetstream_document_reads_with_its_pds_and_key() -> None:
    docs = jetstream_docs()
    assert len(docs) == 148
    for did, raw in docs.items():
        document = DidDocument.from_json(raw, did)
        method = raw["verificationMethod"][0]
        service = raw["service"][0]
        assert document.did == did
        assert document.pds_endpoint == service["serviceEndpoint"].rstrip("/")
        assert document.pds_endpoint is not None
        assert document.pds_endpoint.startswith("https://")
        assert document.signing_key is not None
        assert document.signing_key.multibase() == method["publicKeyMultibase"]
        assert document.handle == raw["alsoKnownAs"][0].removeprefix("at://").lower()


def test_jetstream_document_keys_verify_the_relay_commits() -> None:
    """The strongest check that the key read is *the* signing key: it verifies the
    signatures of the 148 real commits in the relay capture."""
    keys = {
        did: DidDocument.from_json(raw, did).signing_key for did, raw in jetstream_docs().items()
    }
    verified = 0
    for frame in _relay_frames():
        header_bytes, body_bytes = _split_frame(frame)
        if decode_dag_cbor(header_bytes).get("t") != "#commit":
            continue
        body = decode_dag_cbor(body_bytes)
        car, commit_cid, repo = body["blocks"], body["commit"], body["repo"]
        assert isinstance(car, bytes)
        assert isinstance(commit_cid, CID)
        assert isinstance(repo, str)
        blocks = {block.cid: block.data for block in read_car(car)}
        commit = decode_dag_cbor(blocks[commit_cid])
        signature = commit.pop("sig")
        assert isinstance(signature, bytes)
        key = keys[repo]
        assert key is not None
        assert key.verify(encode_dag_cbor(commit), signature), repo
        commit["rev"] = "tampered"
        assert not key.verify(encode_dag_cbor(commit), signature)
        verified += 1
    assert verified == 148


# -- the atproto reading rules --------------------------------------------------------------


def test_first_valid_handle_wins_and_is_lowercased() -> None:
    aka = ["https://alice.example.com", "at://not a handle", "at://Alice.Example.COM", "at://b.com"]
    document = DidDocument.from_json(doc(alsoKnownAs=aka))
    assert document.handle == "alice.example.com"
    assert document.also_known_as == tuple(aka)


def test_at_uri_with_a_path_is_not_a_handle() -> None:
    document = DidDocument.from_json(doc(alsoKnownAs=["at://alice.example.com/app.bsky.feed.post"]))
    assert document.handle is None


def test_key_ids_may_be_relative_or_absolute_but_must_be_this_dids() -> None:
    method = doc()["verificationMethod"][0]
    for key_id in ("#atproto", f"{DID}#atproto"):
        document = DidDocument.from_json(doc(verificationMethod=[{**method, "id": key_id}]))
        assert document.signing_key == PublicKey.from_did_key(ATPROTO_KEY)
    for key_id in ("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa#atproto", "#atproto_label", "atproto"):
        document = DidDocument.from_json(doc(verificationMethod=[{**method, "id": key_id}]))
        assert document.signing_key is None, key_id


def test_key_controlled_by_another_did_is_ignored() -> None:
    method = {**doc()["verificationMethod"][0], "controller": "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"}
    assert DidDocument.from_json(doc(verificationMethod=[method])).signing_key is None


def test_first_valid_key_wins_over_malformed_ones() -> None:
    good = doc()["verificationMethod"][0]
    p256 = Keypair.generate("p256").public_key
    entries = [
        "not an object",
        {**good, "publicKeyMultibase": "zNotBase58!!"},
        {**good, "type": "Ed25519VerificationKey2020"},
        {"id": "#atproto", "type": "Multikey"},  # fields missing
        {**good, "publicKeyMultibase": p256.multibase()},
        good,
    ]
    document = DidDocument.from_json(doc(verificationMethod=entries))
    assert document.signing_key == p256
    assert document.signing_key.curve == "p256"
    assert len(document.verification_methods) == 4  # the two non-entries are skipped


def test_legacy_p256_key() -> None:
    key = Keypair.generate("p256").public_key

    legacy = libipld.encode_multibase("z", key.compressed)
    method = {
        "id": "#atproto",
        "type": "EcdsaSecp256r1VerificationKey2019",
        "controller": DID,
        "publicKeyMultibase": legacy,
    }
    assert DidDocument.from_json(doc(verificationMethod=[method])).signing_key == key


def test_labeler_and_feed_generator_services() -> None:
    label_key = Keypair.generate().public_key
    methods = [
        *doc()["verificationMethod"],
        {
            "id": "#atproto_label",
            "type": "Multikey",
            "controller": DID,
            "publicKeyMultibase": label_key.multibase(),
        },
    ]
    services = [
        {
            "id": "#atproto_labeler",
            "type": "AtprotoLabeler",
            "serviceEndpoint": "https://mod.example.com/",
        },
        {
            "id": f"{DID}#bsky_fg",
            "type": "BskyFeedGenerator",
            "serviceEndpoint": "https://feeds.example.com",
        },
        {
            "id": "#bsky_chat",
            "type": "BskyChatService",
            "serviceEndpoint": "https://chat.example.com",
        },
    ]
    document = DidDocument.from_json(doc(verificationMethod=methods, service=services))
    assert document.labeler_endpoint == "https://mod.example.com"
    assert document.labeler_key == label_key
    assert document.feed_generator_endpoint == "https://feeds.example.com"
    assert document.service_endpoint("bsky_chat", "BskyChatService") == "https://chat.example.com"
    assert document.service_endpoint("bsky_chat", "OtherType") is None
    assert document.pds_endpoint is None


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("https://pds.example.com", "https://pds.example.com"),
        ("https://pds.example.com/", "https://pds.example.com"),
        ("http://localhost:2583", "http://localhost:2583"),
        ("https://pds.example.com/xrpc", None),
        ("https://user:pw@pds.example.com", None),
        ("https://pds.example.com?x=1", None),
        ("https://pds.example.com#frag", None),
        ("ftp://pds.example.com", None),
        ("https://", None),
        ("https://pds.example.com:99999", None),
        ("not a url", None),
    ],
)
def test_pds_endpoint_must_be_a_server_url(endpoint: str, expected: str | None) -> None:
    service = {
        "id": "#atproto_pds",
        "type": "AtprotoPersonalDataServer",
        "serviceEndpoint": endpoint,
    }
    assert DidDocument.from_json(doc(service=[service])).pds_endpoint == expected


def test_first_valid_pds_wins_and_type_must_match() -> None:
    services = [
        {
            "id": "#atproto_pds",
            "type": "AtprotoPersonalDataServer",
            "serviceEndpoint": {"uri": "x"},
        },
        {
            "id": "#atproto_pds",
            "type": "SomethingElse",
            "serviceEndpoint": "https://wrong.example.com",
        },
        {
            "id": "#atproto_pds",
            "type": "AtprotoPersonalDataServer",
            "serviceEndpoint": "https://bad/path",
        },
        {
            "id": "#atproto_pds",
            "type": "AtprotoPersonalDataServer",
            "serviceEndpoint": "https://pds.example.com",
        },
        {
            "id": "#atproto_pds",
            "type": "AtprotoPersonalDataServer",
            "serviceEndpoint": "https://second.example.com",
        },
    ]
    assert DidDocument.from_json(doc(service=services)).pds_endpoint == "https://pds.example.com"


def test_missing_optional_lists_are_empty() -> None:
    document = DidDocument.from_json({"id": DID, "service": None})
    assert (document.handle, document.pds_endpoint, document.signing_key) == (None, None, None)
    assert document.services == ()


def test_equal_documents_compare_equal_and_raw_is_read_only() -> None:
    first, second = DidDocument.from_json(doc()), DidDocument.from_json(copy.deepcopy(doc()))
    assert first == second
    assert hash(first) == hash(second)
    assert first != DidDocument.from_json(doc(alsoKnownAs=[]))
    with pytest.raises(TypeError):
        first.raw["id"] = "x"  # type: ignore[index]
    assert "alice.example.com" in repr(first)


# -- malformed documents ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ([doc()], "must be a JSON object"),
        ("did:plc:x", "must be a JSON object"),
        ({"alsoKnownAs": []}, "no valid 'id'"),
        ({"id": 42}, "no valid 'id'"),
        ({"id": "DID:plc:abc"}, "no valid 'id'"),
        (doc(alsoKnownAs="at://alice.example.com"), "'alsoKnownAs' must be a list"),
        (doc(verificationMethod={"id": "#atproto"}), "'verificationMethod' must be a list"),
        (doc(service="https://pds.example.com"), "'service' must be a list"),
        (doc(alsoKnownAs=["at://a.com"] * 1001), "1001 entries"),
    ],
)
def test_malformed_documents_are_refused(value: object, problem: str) -> None:
    with pytest.raises(InvalidDidDocumentError, match=problem):
        DidDocument.from_json(value, DID)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"<html>not json</html>", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply|not valid JSON"),
        (b'{"id": 1' + b"0" * 5000 + b"}", "not valid JSON"),
        (b"", "not valid JSON"),
    ],
)
def test_malformed_json_is_refused(data: bytes, problem: str) -> None:
    with pytest.raises(InvalidDidDocumentError, match=problem) as caught:
        DidDocument.from_bytes(data, DID)
    assert caught.value.identifier == DID
    assert DID in str(caught.value)


def test_document_of_another_did_is_refused() -> None:
    with pytest.raises(
        DidDocumentMismatchError, match="did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
    ) as caught:
        DidDocument.from_json(doc(), "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
    assert isinstance(caught.value, InvalidDidDocumentError)
    assert isinstance(caught.value, IdentityError)
