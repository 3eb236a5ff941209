"""A did:plc audit log (``GET <plc>/<did>/log/audit``) and the check that it is a valid
history: every operation hashes to its CID and is signed by a rotation key of the operation
it follows, the genesis hashes to the DID, the active operations form one ``prev`` chain, and
every nullified operation was overridden by a higher-priority key within the 72-hour
recovery window. The check trusts nothing the directory says beyond the order of entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, final

from skykit.identity._document import DidDocument, Service, VerificationMethod
from skykit.identity._errors import (
    DidDeactivatedError,
    InvalidPlcLogError,
    PlcVerificationError,
)
from skykit.identity._json import load_json
from skykit.identity._plc_op import PlcOperation
from skykit.syntax import DID

MAX_LOG_ENTRIES: Final = 2000
RECOVERY_WINDOW: Final = timedelta(hours=72)
DID_KEY_PREFIX: Final = "did:key:"


@dataclass(frozen=True, slots=True)
class PlcLogEntry:
    """One audit log entry: the operation and what the directory recorded about it."""

    did: DID
    operation: PlcOperation
    cid: str
    nullified: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class _Checked:
    index: int
    entry: PlcLogEntry
    signer: int


@final
class PlcAuditLog:
    """The operations of one DID, oldest first. Build one with :meth:`from_json` or
    :meth:`from_bytes`, which verify the history unless told not to."""

    __slots__ = ("did", "entries")

    def __init__(self, did: DID, entries: tuple[PlcLogEntry, ...]) -> None:
        self.did = did
        self.entries = entries

    @classmethod
    def from_json(
        cls, value: object, did: str | None = None, *, verify: bool = True
    ) -> PlcAuditLog:
        """The log of a parsed JSON array. With ``did`` every entry must be that DID's."""
        log = _parse(value, did)
        if verify:
            log.verify()
        return log

    @classmethod
    def from_bytes(
        cls, data: bytes | str, did: str | None = None, *, verify: bool = True
    ) -> PlcAuditLog:
        what = f"PLC audit log of {did}" if did else "PLC audit log"
        return cls.from_json(load_json(data, what, did, InvalidPlcLogError), did, verify=verify)

    @property
    def active(self) -> tuple[PlcLogEntry, ...]:
        """The entries not nullified: the DID's current history."""
        return tuple(entry for entry in self.entries if not entry.nullified)

    @property
    def current(self) -> PlcOperation:
        """The latest active operation: the DID's current state."""
        return self.active[-1].operation

    def verify(self) -> None:
        """Check the whole history; ``PlcVerificationError`` says which entry fails and why."""
        checked: dict[str, _Checked] = {}
        active: list[_Checked] = []
        for index, entry in enumerate(self.entries):
            result = self._check_entry(index, entry, checked)
            checked[entry.cid] = result
            if not entry.nullified:
                expected = active[-1].entry.cid if active else None
                if entry.operation.prev != expected:
                    raise self._error(
                        index,
                        f"is active but its prev is {entry.operation.prev} while the previous "
                        f"active operation is {expected}",
                    )
                active.append(result)
        self._check_nullifications(checked, active)

    def document(self) -> DidDocument:
        """The DID document the current state renders to (as a PLC directory serves it)."""
        state = self.current
        if state.is_tombstone:
            raise DidDeactivatedError(f"{self.did} was deactivated (PLC tombstone)", self.did)
        methods = tuple(
            VerificationMethod(
                f"{self.did}#{name}", "Multikey", self.did, key.removeprefix(DID_KEY_PREFIX)
            )
            for name, key in state.verification_methods.items()
        )
        services = tuple(
            Service(f"#{name}", service.type, service.endpoint)
            for name, service in state.services.items()
        )
        return DidDocument(self.did, state.also_known_as, methods, services)

    def __repr__(self) -> str:
        return f"PlcAuditLog(did={self.did!r}, entries={len(self.entries)})"

    def _check_entry(
        self, index: int, entry: PlcLogEntry, checked: dict[str, _Checked]
    ) -> _Checked:
        op = entry.operation
        try:
            actual = str(op.cid())
        except InvalidPlcLogError as exc:
            raise self._error(index, str(exc)) from None
        if actual != entry.cid:
            raise self._error(index, f"is listed as {entry.cid} but hashes to {actual}")
        if entry.cid in checked:
            raise self._error(index, "repeats an earlier operation")
        if index and entry.created_at < self.entries[index - 1].created_at:
            raise self._error(index, "is older than the entry before it")
        if op.prev is None:
            if index != 0:
                raise self._error(index, "has prev null but is not the first operation")
            if op.genesis_did() != self.did:
                raise self._error(index, f"is a genesis that hashes to {op.genesis_did()}")
            keys = op.rotation_keys
        else:
            if op.type == "create":
                raise self._error(index, "is a legacy create, which may only be a genesis")
            parent = checked.get(op.prev)
            if parent is None:
                raise self._error(index, f"follows {op.prev}, which is not earlier in the log")
            if parent.entry.operation.is_tombstone:
                raise self._error(index, "follows a tombstone")
            keys = parent.entry.operation.rotation_keys
        try:
            signer = op.signer_index(keys)
        except InvalidPlcLogError as exc:
            raise self._error(index, str(exc)) from None
        if signer is None:
            raise self._error(
                index, f"is signed by none of the {len(keys)} rotation keys it must be signed by"
            )
        return _Checked(index, entry, signer)

    def _check_nullifications(self, checked: dict[str, _Checked], active: list[_Checked]) -> None:
        """A nullified operation that forks from the active chain must have been overridden
        by the active operation with the same prev: later, signed by a key of higher
        priority (lower index), within the recovery window. Operations built on a nullified
        one go with it."""
        if not active:
            raise self._error(0, "is nullified, so the log has no active history")
        successor = {result.entry.operation.prev: result for result in active}
        for result in checked.values():
            entry = result.entry
            if not entry.nullified:
                continue
            prev = entry.operation.prev
            parent = checked.get(prev) if prev is not None else None
            if parent is not None and parent.entry.nullified:
                continue  # built on a nullified operation: nullified with it
            override = successor.get(prev)
            if override is None or override.index < result.index:
                raise self._error(result.index, "is nullified but no later operation overrides it")
            if override.signer >= result.signer:
                raise self._error(
                    result.index,
                    f"is nullified by operation {override.index}, whose rotation key "
                    f"(#{override.signer}) does not outrank its own (#{result.signer})",
                )
            if override.entry.created_at - entry.created_at > RECOVERY_WINDOW:
                raise self._error(
                    result.index,
                    f"is nullified by operation {override.index} after the 72-hour recovery window",
                )

    def _error(self, index: int, problem: str) -> PlcVerificationError:
        cid = self.entries[index].cid if index < len(self.entries) else "?"
        return PlcVerificationError(
            f"PLC audit log of {self.did}: operation {index} ({cid}) {problem}", self.did
        )


def _parse(value: object, did: str | None) -> PlcAuditLog:
    where = f"PLC audit log of {did}" if did else "PLC audit log"
    if not isinstance(value, list):
        raise InvalidPlcLogError(f"{where} must be a JSON array", did)
    if not value:
        raise InvalidPlcLogError(f"{where} is empty", did)
    if len(value) > MAX_LOG_ENTRIES:
        raise InvalidPlcLogError(f"{where} has more than {MAX_LOG_ENTRIES} entries", did)
    owner = did
    entries = []
    for index, item in enumerate(value):
        entry = _entry(item, f"{where}, entry {index}", owner)
        owner = owner or entry.did
        entries.append(entry)
    return PlcAuditLog(DID(owner) if owner else entries[0].did, tuple(entries))


def _entry(item: Any, where: str, did: str | None) -> PlcLogEntry:
    if not isinstance(item, dict):
        raise InvalidPlcLogError(f"{where} must be a JSON object", did)
    entry_did, cid, nullified, created = (
        item.get(k) for k in ("did", "cid", "nullified", "createdAt")
    )
    if not isinstance(entry_did, str) or not DID.is_valid(entry_did):
        raise InvalidPlcLogError(f"{where} has no valid 'did'", did)
    if did is not None and entry_did != did:
        raise InvalidPlcLogError(f"{where} belongs to {entry_did}", did)
    if not isinstance(cid, str) or not isinstance(nullified, bool) or not isinstance(created, str):
        raise InvalidPlcLogError(
            f"{where} needs string 'cid', bool 'nullified', string 'createdAt'", did
        )
    try:
        created_at = datetime.fromisoformat(created)
    except ValueError:
        raise InvalidPlcLogError(
            f"{where} has an invalid createdAt {created[:40]!r}", did
        ) from None
    if created_at.tzinfo is None:
        raise InvalidPlcLogError(f"{where} has a createdAt without a time zone", did)
    operation = PlcOperation.from_json(item.get("operation"), entry_did)
    return PlcLogEntry(DID(entry_did), operation, cid, nullified, created_at)
