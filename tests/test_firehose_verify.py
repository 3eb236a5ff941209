"""Commit verification: signatures, Sync 1.1 inversion and rev gaps, on real frames and
against the reference network."""

from __future__ import annotations

import json
from typing import Any

import pytest

from skykit.client import Client
from skykit.crypto import Keypair
from skykit.data import CID
from skykit.firehose import (
    CommitEvent,
    CommitVerificationError,
    CommitVerifier,
    Firehose,
    RevTracker,
    StreamPolicy,
    check_commit,
    decode_frame,
)
from skykit.identity import DidDocument, Resolver, ResolverConfig
from tests import corpora
from tests.network.harness import Network
from tests.test_real_blocks import _relay_frames


class DocumentsResolver:
    """Keys from the DID documents captured with the frames (did_docs.json)."""

    def __init__(self) -> None:
        path = corpora.path("real", "jetstream", "corpus", "did_docs.json")
        self.documents = json.loads(path.read_text())
        self.lookups = 0

    def resolve_did(self, did: str) -> DidDocument:
        self.lookups += 1
        return DidDocument.from_json(self.documents[did])


def _commits() -> list[CommitEvent]:
    return [e for e in map(decode_frame, _relay_frames()) if isinstance(e, CommitEvent)]


def test_every_real_commit_verifies() -> None:
    verifier = CommitVerifier(DocumentsResolver())
    commits = _commits()
    assert len(commits) == 148
    for commit in commits:
        verifier.verify(commit)
        assert commit.rev_gap is False


def test_a_wrong_key_fails_the_signature() -> None:
    commit = _commits()[0]
    with pytest.raises(CommitVerificationError, match="bad signature"):
        check_commit(commit, Keypair.generate("k256").did_key())


def test_a_wrong_prev_data_fails_the_inversion() -> None:
    commit = _commits()[0]
    key = DocumentsResolver().resolve_did(commit.repo).signing_key
    check_commit(commit, key)
    commit.body["prevData"] = CID.compute(b"another tree")
    with pytest.raises(CommitVerificationError, match="previous root"):
        check_commit(commit, key)
    check_commit(commit, key, inversion=False)  # the signature alone still holds


def test_a_rotated_key_is_resolved_again_once() -> None:
    resolver: Any = DocumentsResolver()
    real = resolver.resolve_did
    stale = {"calls": 0}

    def rotating(did: str) -> DidDocument:
        stale["calls"] += 1
        document = real(did)
        if stale["calls"] == 1:  # the first answer carries an old key
            raw = dict(resolver.documents[did])
            raw["verificationMethod"] = [
                {
                    **raw["verificationMethod"][0],
                    "publicKeyMultibase": Keypair.generate("k256").public_key.multibase(),
                }
            ]
            return DidDocument.from_json(raw)
        return document

    resolver.resolve_did = rotating
    CommitVerifier(resolver).verify(_commits()[0])
    assert stale["calls"] == 2


def test_rev_gaps_are_detected() -> None:
    tracker = RevTracker()
    commit = _commits()[0]
    assert tracker.observe(commit) is False  # nothing known before
    commit.body["since"] = "3aaaaaaaaaaaa"
    commit.body["rev"] = "3zzzzzzzzzzzz"
    assert tracker.observe(commit) is True  # its since is not the rev seen last


def test_the_firehose_verifies_reference_network_commits(pds_network: Network) -> None:
    account = pds_network.create_account("verified")
    client = Client(pds_network.pds_url)
    client.login(account.handle, account.password)
    uris = [client.post(f"verified {i}").uri for i in range(3)]
    config = ResolverConfig(plc_url=pds_network.plc_url, allow_loopback=True)
    seen = []
    with Resolver(config=config) as resolver:
        policy = StreamPolicy(receive_timeout=5, max_failures=2)
        url = pds_network.pds_url.replace("http", "ws")
        with Firehose(url, cursor=0, policy=policy, verifier=CommitVerifier(resolver)) as firehose:
            for event in firehose:
                if isinstance(event, CommitEvent) and event.repo == account.did:
                    seen += [f"at://{account.did}/{op.path}" for op in event.ops]
                    if len(seen) == len(uris):
                        assert event.rev_gap is False
                        break
    assert seen == uris
