"""did:plc audit logs: both real logs verify, every kind of tampering fails, and the recovery
rules (nullification by a higher-priority key within 72 hours) hold on logs built here."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from skykit.crypto import Keypair, PublicKey
from skykit.data import encode_dag_cbor
from skykit.identity import (
    DidDeactivatedError,
    IdentityError,
    InvalidPlcLogError,
    PlcAuditLog,
    PlcOperation,
    PlcVerificationError,
)
from tests import corpora

START = datetime(2024, 1, 1, tzinfo=UTC)


def real_log(name: str) -> list[dict[str, Any]]:
    path = corpora.path("real", "atproto-dart", f"plc-audit_log_{name}.json")
    log: list[dict[str, Any]] = json.loads(path.read_text())
    return log


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(op: dict[str, Any], key: Keypair) -> dict[str, Any]:
    unsigned = {k: v for k, v in op.items() if k != "sig"}
    return {**unsigned, "sig": b64url(key.sign(encode_dag_cbor(unsigned)))}


def cid_of(op: dict[str, Any]) -> str:
    return str(PlcOperation.from_json(op).cid())


def update(
    prev: dict[str, Any] | None,
    rotation: list[Keypair],
    signer: Keypair,
    handle: str = "alice.example.com",
) -> dict[str, Any]:
    op = {
        "type": "plc_operation",
        "rotationKeys": [key.did_key() for key in rotation],
        "verificationMethods": {"atproto": rotation[-1].did_key()},
        "alsoKnownAs": [f"at://{handle}"],
        "services": {
            "atproto_pds": {
                "type": "AtprotoPersonalDataServer",
                "endpoint": "https://pds.example.com",
            }
        },
        "prev": None if prev is None else cid_of(prev),
    }
    return sign(op, signer)


class LogBuilder:
    """Builds audit logs the way a PLC directory records them."""

    def __init__(self, genesis: dict[str, Any]) -> None:
        self.did = str(PlcOperation.from_json(genesis).genesis_did())
        self.entries: list[dict[str, Any]] = []
        self.add(genesis)

    def add(
        self, op: dict[str, Any], *, nullified: bool = False, at: timedelta | None = None
    ) -> None:
        created = START + (at if at is not None else timedelta(hours=len(self.entries)))
        self.entries.append(
            {
                "did": self.did,
                "operation": op,
                "cid": cid_of(op),
                "nullified": nullified,
                "createdAt": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            }
        )

    def log(self) -> PlcAuditLog:
        return PlcAuditLog.from_json(copy.deepcopy(self.entries), self.did)


@pytest.fixture
def keys() -> list[Keypair]:
    return [Keypair.generate("k256"), Keypair.generate("p256"), Keypair.generate("k256")]


# -- the real logs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "did", "entries", "handle", "pds", "key"),
    [
        (
            "bsky",
            "did:plc:z72i7hdynmk6r22z27h6tvur",
            4,
            "bsky.app",
            "https://puffball.us-east.host.bsky.network",
            "did:key:zQ3shQo6TF2moaqMTrUZEM1jeuYRQXeHEx4evX9751y2qPqRA",
        ),
        (
            "pfrazee",
            "did:plc:ragtjsm2j2vknwkz3zp4oxrd",
            6,
            "pfrazee.com",
            "https://morel.us-east.host.bsky.network",
            "did:key:zQ3shbTzUCq5zuk7oSj5zaJndqWhjwGDaGuvBXpjg8C19qssW",
        ),
    ],
)
def test_real_audit_logs_verify(
    name: str, did: str, entries: int, handle: str, pds: str, key: str
) -> None:
    raw = real_log(name)
    log = PlcAuditLog.from_json(raw, did)
    assert log.did == did
    assert len(log.entries) == len(log.active) == entries
    document = log.document()
    assert (document.did, document.handle, document.pds_endpoint) == (did, handle, pds)
    assert document.signing_key == PublicKey.from_did_key(key)
    data = corpora.path("real", "atproto-dart", f"plc-audit_log_{name}.json").read_bytes()
    assert PlcAuditLog.from_bytes(data).did == did


def test_legacy_create_genesis_is_read_in_the_regular_form() -> None:
    genesis = PlcAuditLog.from_json(real_log("pfrazee")).entries[0].operation
    assert genesis.type == "create"
    assert genesis.also_known_as == ("at://paul.bsky.social",)
    assert genesis.services["atproto_pds"].endpoint == "https://bsky.social"
    signing = "did:key:zQ3shP5TBe1sQfSttXty15FAEHV1DZgcxRZNxvEWnPfLFwLxJ"
    assert genesis.rotation_keys == (
        "did:key:zQ3shhCGUqDKjStzuDxPkTxN6ujddP4RkEKJJouJGRRkaLGbg",
        signing,
    )
    assert genesis.verification_methods == {"atproto": signing}
    assert genesis.raw["handle"] == "paul.bsky.social"


TAMPERING: dict[str, tuple[int, Callable[[dict[str, Any]], None], str]] = {
    "handle changed": (1, lambda op: op.update(alsoKnownAs=["at://evil.com"]), "hashes to"),
    "service changed": (
        3,
        lambda op: op["services"]["atproto_pds"].update(endpoint="https://evil.com"),
        "hashes to",
    ),
    "signing key swapped": (
        2,
        lambda op: op["verificationMethods"].update(
            atproto="did:key:zQ3shhCGUqDKjStzuDxPkTxN6ujddP4RkEKJJouJGRRkaLGbg"
        ),
        "hashes to",
    ),
    "signature altered": (0, lambda op: op.update(sig="A" + op["sig"][1:]), "hashes to"),
}


@pytest.mark.parametrize("case", list(TAMPERING))
@pytest.mark.parametrize("name", ["bsky", "pfrazee"])
def test_tampered_operation_fails(name: str, case: str) -> None:
    index, change, problem = TAMPERING[case]
    raw = real_log(name)
    change(raw[index]["operation"])
    with pytest.raises(PlcVerificationError, match=problem) as caught:
        PlcAuditLog.from_json(raw)
    assert f"operation {index}" in str(caught.value)


@pytest.mark.parametrize("name", ["bsky", "pfrazee"])
def test_tampered_operation_with_a_matching_cid_fails_its_signature(name: str) -> None:
    """A forger who also rewrites the CIDs (the directory's bookkeeping) is caught by the
    signatures."""
    raw = real_log(name)
    raw[2]["operation"]["alsoKnownAs"] = ["at://evil.com"]
    raw[2]["cid"] = cid_of(raw[2]["operation"])
    with pytest.raises(PlcVerificationError, match=r"operation 2 .* signed by none"):
        PlcAuditLog.from_json(raw)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda raw: raw.pop(0), r"operation 0 .* follows .* not earlier in the log"),
        (lambda raw: raw.insert(1, raw.pop(2)), r"operation 1 .* follows .* not earlier"),
        (lambda raw: raw.__setitem__(3, copy.deepcopy(raw[1])), "repeats|older"),
        (lambda raw: raw[-1].update(nullified=True), "no later operation overrides it"),
        (lambda raw: raw[0].update(nullified=True), "active|nullified"),
    ],
    ids=["genesis dropped", "reordered", "duplicated", "last nullified", "genesis nullified"],
)
def test_broken_history_fails(edit: Any, problem: str) -> None:
    raw = real_log("bsky")
    edit(raw)
    with pytest.raises(PlcVerificationError, match=problem):
        PlcAuditLog.from_json(raw)


def test_log_of_another_did_fails() -> None:
    with pytest.raises(InvalidPlcLogError, match="belongs to did:plc:z72i7hdynmk6r22z27h6tvur"):
        PlcAuditLog.from_json(real_log("bsky"), "did:plc:ragtjsm2j2vknwkz3zp4oxrd")
    raw = real_log("bsky")
    for entry in raw:
        entry["did"] = "did:plc:ragtjsm2j2vknwkz3zp4oxrd"
    with pytest.raises(PlcVerificationError, match="genesis that hashes to did:plc:z72i7"):
        PlcAuditLog.from_json(raw)


def test_unverified_parse_is_available_on_request() -> None:
    raw = real_log("bsky")
    raw[1]["operation"]["alsoKnownAs"] = ["at://evil.com"]
    log = PlcAuditLog.from_json(raw, verify=False)
    assert log.entries[1].operation.also_known_as == ("at://evil.com",)
    with pytest.raises(PlcVerificationError):
        log.verify()


# -- logs built here: rotation, tombstones, recovery -----------------------------------------


def test_key_rotation_moves_authority(keys: list[Keypair]) -> None:
    a, b, c = keys
    genesis = update(None, [a, b], b)
    builder = LogBuilder(genesis)
    rotated = update(genesis, [c], a)  # a hands control to c
    builder.add(rotated)
    builder.add(update(rotated, [c], c, handle="bob.example.com"))
    log = builder.log()
    assert log.document().handle == "bob.example.com"
    assert log.document().signing_key == c.public_key
    builder.add(update(builder.entries[-1]["operation"], [c], a))  # a no longer may sign
    with pytest.raises(PlcVerificationError, match=r"operation 3 .* signed by none of the 1"):
        builder.log()


def test_tombstone_deactivates_and_ends_the_history(keys: list[Keypair]) -> None:
    a, b, _ = keys
    genesis = update(None, [a, b], a)
    builder = LogBuilder(genesis)
    tombstone = sign({"type": "plc_tombstone", "prev": cid_of(genesis)}, b)
    builder.add(tombstone)
    log = builder.log()
    assert log.current.is_tombstone
    with pytest.raises(DidDeactivatedError, match="tombstone"):
        log.document()
    builder.add(update(tombstone, [a], a))
    with pytest.raises(PlcVerificationError, match="follows a tombstone"):
        builder.log()


def test_recovery_by_a_higher_priority_key_within_72_hours(keys: list[Keypair]) -> None:
    high, low, attacker = keys
    genesis = update(None, [high, low], low)
    builder = LogBuilder(genesis)
    hijack = update(genesis, [attacker], low)  # the low-priority key is compromised
    builder.add(hijack, nullified=True, at=timedelta(hours=1))
    builder.add(update(hijack, [attacker], attacker), nullified=True, at=timedelta(hours=2))
    builder.add(update(genesis, [high, low], high, "back.example.com"), at=timedelta(hours=40))
    log = builder.log()
    assert [entry.nullified for entry in log.entries] == [False, True, True, False]
    assert len(log.active) == 2
    assert log.document().handle == "back.example.com"


def test_recovery_after_the_window_fails(keys: list[Keypair]) -> None:
    high, low, attacker = keys
    genesis = update(None, [high, low], low)
    builder = LogBuilder(genesis)
    builder.add(update(genesis, [attacker], low), nullified=True, at=timedelta(hours=1))
    builder.add(update(genesis, [high], high), at=timedelta(hours=74))
    with pytest.raises(PlcVerificationError, match="after the 72-hour recovery window"):
        builder.log()


def test_recovery_by_an_equal_or_lower_priority_key_fails(keys: list[Keypair]) -> None:
    high, low, _ = keys
    genesis = update(None, [high, low], low)
    builder = LogBuilder(genesis)
    builder.add(update(genesis, [high, low], high), nullified=True)
    builder.add(update(genesis, [low], low, "other.example.com"))
    with pytest.raises(PlcVerificationError, match=r"key \(#1\) does not outrank its own \(#0\)"):
        builder.log()


def test_p256_rotation_keys_sign_too() -> None:
    key = Keypair.generate("p256")
    genesis = update(None, [key], key)
    assert LogBuilder(genesis).log().entries[0].operation.signer_index([key.did_key()]) == 0


# -- operation encoding ----------------------------------------------------------------------


def test_signature_encoding_is_strict(keys: list[Keypair]) -> None:
    genesis = update(None, [keys[0]], keys[0])
    sig = genesis["sig"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # 64 bytes take 86 characters; the last carries 2 bits of data and 4 that must be zero.
    dirty_last = alphabet[alphabet.index(sig[-1]) + 1]
    raw = base64.urlsafe_b64decode(sig + "==")
    for bad, problem in [
        (sig + "==", "not unpadded base64url"),
        ("+" + sig[1:], "not unpadded base64url"),
        ("/" + sig[1:], "not unpadded base64url"),
        (b64url(raw[:63]), "63 bytes"),
        (b64url(raw + b"\0"), "65 bytes"),
        (sig[:-1] + dirty_last, "non-zero padding bits"),
    ]:
        op = PlcOperation.from_json({**genesis, "sig": bad})
        with pytest.raises(InvalidPlcLogError, match=problem):
            op.signer_index([keys[0].did_key()])
    assert PlcOperation.from_json(genesis).signer_index([keys[0].did_key()]) == 0


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"type": "plc_whatever"}, "unknown type"),
        ({"type": 7}, "'type' must be a string"),
        ({"rotationKeys": []}, "0 rotation keys"),
        ({"rotationKeys": ["did:key:z"] * 6}, "6 rotation keys"),
        ({"rotationKeys": "did:key:z"}, "'rotationKeys' must be a list"),
        ({"verificationMethods": {"atproto": 1}}, "an object of strings"),
        ({"services": {"atproto_pds": "https://x"}}, "must be a JSON object"),
        ({"services": {"atproto_pds": {"type": "X"}}}, "'endpoint' must be a string"),
        ({"alsoKnownAs": [1]}, "list of strings"),
        ({"prev": 5}, "'prev' must be a string or null"),
        ({"sig": None}, "'sig' must be a string"),
    ],
)
def test_malformed_operations_are_refused(change: dict[str, Any], problem: str) -> None:
    key = Keypair.generate()
    with pytest.raises(InvalidPlcLogError, match=problem) as caught:
        PlcOperation.from_json({**update(None, [key], key), **change})
    assert isinstance(caught.value, IdentityError)


def test_prev_must_be_present_even_when_null() -> None:
    key = Keypair.generate()
    op = update(None, [key], key)
    del op["prev"]
    with pytest.raises(InvalidPlcLogError, match="lacks 'prev'"):
        PlcOperation.from_json(op)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({}, "must be a JSON array"),
        ([], "is empty"),
        (["x"], "must be a JSON object"),
        ([{"did": "nope"}], "no valid 'did'"),
        ([{"did": "did:plc:z72i7hdynmk6r22z27h6tvur", "cid": 1}], "needs string 'cid'"),
        (
            [
                {
                    "did": "did:plc:z72i7hdynmk6r22z27h6tvur",
                    "cid": "b",
                    "nullified": False,
                    "createdAt": "yesterday",
                }
            ],
            "invalid createdAt",
        ),
    ],
)
def test_malformed_logs_are_refused(value: object, problem: str) -> None:
    with pytest.raises(InvalidPlcLogError, match=problem):
        PlcAuditLog.from_json(value)


def test_non_json_log_is_refused() -> None:
    with pytest.raises(InvalidPlcLogError, match="not valid JSON"):
        PlcAuditLog.from_bytes(b"<html>", "did:plc:z72i7hdynmk6r22z27h6tvur")


def test_float_in_an_operation_cannot_be_hashed() -> None:
    raw = real_log("bsky")
    raw[0]["operation"]["extra"] = 1.5
    with pytest.raises(PlcVerificationError, match="cannot be encoded as DAG-CBOR"):
        PlcAuditLog.from_json(raw)
