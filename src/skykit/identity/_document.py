"""DID documents as typed values: the atproto parts (handle, PDS, signing key, labeler and
feed-generator services) read by the rules of atproto.com/specs/did.

Reading is strict about the document's frame (an object whose ``id`` is the expected DID,
lists where lists belong) and lenient inside lists: the spec says to take the *first valid*
handle, key or service, so malformed entries are skipped rather than fatal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, final
from urllib.parse import urlsplit

from skykit.crypto import CryptoError, PublicKey
from skykit.identity._errors import DidDocumentMismatchError, InvalidDidDocumentError
from skykit.identity._json import load_json
from skykit.syntax import DID, Handle

MAX_LIST_ENTRIES: Final = 1000
"""More entries than this in ``alsoKnownAs``, ``verificationMethod`` or ``service`` makes a
document invalid (real documents have a handful; PLC allows 10 keys)."""

ATPROTO_KEY: Final = "atproto"
ATPROTO_LABEL_KEY: Final = "atproto_label"
PDS_SERVICE: Final = ("atproto_pds", "AtprotoPersonalDataServer")
LABELER_SERVICE: Final = ("atproto_labeler", "AtprotoLabeler")
FEED_GENERATOR_SERVICE: Final = ("bsky_fg", "BskyFeedGenerator")


@dataclass(frozen=True, slots=True)
class VerificationMethod:
    """One ``verificationMethod`` entry with the fields atproto uses."""

    id: str
    type: str
    controller: str
    public_key_multibase: str


@dataclass(frozen=True, slots=True)
class Service:
    """One ``service`` entry whose ``serviceEndpoint`` is a string."""

    id: str
    type: str
    endpoint: str


@final
class DidDocument:
    """A parsed DID document.

    ``handle``, ``pds_endpoint`` and ``signing_key`` are what the document *claims*: a handle
    is only trustworthy after the bidirectional check that ``Resolver.resolve`` performs.
    Each is ``None`` when the document has no valid entry for it. Endpoints are returned
    without a trailing ``/``.
    """

    __slots__ = (
        "_raw",
        "also_known_as",
        "did",
        "handle",
        "pds_endpoint",
        "services",
        "signing_key",
        "verification_methods",
    )

    did: DID
    also_known_as: tuple[str, ...]
    verification_methods: tuple[VerificationMethod, ...]
    services: tuple[Service, ...]
    handle: Handle | None
    pds_endpoint: str | None
    signing_key: PublicKey | None
    _raw: Mapping[str, Any]

    def __init__(
        self,
        did: DID,
        also_known_as: tuple[str, ...],
        verification_methods: tuple[VerificationMethod, ...],
        services: tuple[Service, ...],
        raw: Mapping[str, Any] | None = None,
    ) -> None:
        self.did = did
        self.also_known_as = also_known_as
        self.verification_methods = verification_methods
        self.services = services
        self._raw = MappingProxyType(dict(raw) if raw is not None else {})
        self.handle = _first_handle(also_known_as)
        self.pds_endpoint = self.service_endpoint(*PDS_SERVICE)
        self.signing_key = self.verification_key(ATPROTO_KEY)

    @classmethod
    def from_json(cls, value: object, did: str | None = None) -> DidDocument:
        """The document of a parsed JSON object. With ``did``, the document must be that
        DID's (``DidDocumentMismatchError`` otherwise)."""
        return parse_did_document(value, did)

    @classmethod
    def from_bytes(cls, data: bytes | str, did: str | None = None) -> DidDocument:
        """The document of JSON text, as served by a PLC directory or a did:web host."""
        what = f"DID document of {did}" if did else "DID document"
        return parse_did_document(load_json(data, what, did, InvalidDidDocumentError), did)

    @property
    def raw(self) -> Mapping[str, Any]:
        """The top-level JSON object as received (read-only view)."""
        return self._raw

    @property
    def labeler_endpoint(self) -> str | None:
        """The ``#atproto_labeler`` service (``AtprotoLabeler``), if any."""
        return self.service_endpoint(*LABELER_SERVICE)

    @property
    def labeler_key(self) -> PublicKey | None:
        """The ``#atproto_label`` key that signs the labeler's labels, if any."""
        return self.verification_key(ATPROTO_LABEL_KEY)

    @property
    def feed_generator_endpoint(self) -> str | None:
        """The ``#bsky_fg`` service (``BskyFeedGenerator``), if any."""
        return self.service_endpoint(*FEED_GENERATOR_SERVICE)

    def service_endpoint(self, fragment: str, type_: str | None = None) -> str | None:
        """The endpoint of the first valid service whose id is ``#<fragment>`` (relative or
        with this DID in front) and, when given, whose type is ``type_``."""
        for service in self.services:
            if _is_own_fragment(service.id, self.did, fragment) and (
                type_ is None or service.type == type_
            ):
                endpoint = normalize_endpoint(service.endpoint)
                if endpoint is not None:
                    return endpoint
        return None

    def verification_key(self, fragment: str) -> PublicKey | None:
        """The first key with id ``#<fragment>`` controlled by this DID that parses, in the
        Multikey form or either legacy form."""
        for method in self.verification_methods:
            if method.controller != self.did or not _is_own_fragment(method.id, self.did, fragment):
                continue
            try:
                return PublicKey.from_verification_method(method.type, method.public_key_multibase)
            except CryptoError:
                continue
        return None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DidDocument):
            return NotImplemented
        return (
            self.did == other.did
            and self.also_known_as == other.also_known_as
            and self.verification_methods == other.verification_methods
            and self.services == other.services
        )

    def __hash__(self) -> int:
        return hash((self.did, self.also_known_as, self.verification_methods, self.services))

    def __repr__(self) -> str:
        return (
            f"DidDocument(did={self.did!r}, handle={self.handle!r}, "
            f"pds_endpoint={self.pds_endpoint!r}, signing_key={self.signing_key!r})"
        )


def parse_did_document(value: object, did: str | None = None) -> DidDocument:
    """Read a DID document from parsed JSON; see :meth:`DidDocument.from_json`."""
    shown = did or "a DID"
    if not isinstance(value, dict):
        raise InvalidDidDocumentError(
            f"DID document of {shown} must be a JSON object, got {type(value).__name__}", did
        )
    doc_id = value.get("id")
    if not isinstance(doc_id, str) or not DID.is_valid(doc_id):
        raise InvalidDidDocumentError(
            f"DID document of {shown} has no valid 'id' (got {doc_id!r:.80})", did
        )
    if did is not None and doc_id != did:
        raise DidDocumentMismatchError(
            f"DID document requested for {did} is the document of {doc_id}", did
        )
    owner = DID(doc_id)
    also_known_as = tuple(
        entry for entry in _list_field(value, "alsoKnownAs", owner) if isinstance(entry, str)
    )
    methods = tuple(
        method
        for entry in _list_field(value, "verificationMethod", owner)
        if (method := _verification_method(entry)) is not None
    )
    services = tuple(
        service
        for entry in _list_field(value, "service", owner)
        if (service := _service(entry)) is not None
    )
    return DidDocument(owner, also_known_as, methods, services, value)


def normalize_endpoint(endpoint: str) -> str | None:
    """``endpoint`` without a trailing ``/`` when it is an http(s) URL of a server (scheme,
    host, optional port; no credentials, path, query or fragment), else ``None``."""
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or "#" in endpoint:
        return None
    return endpoint.removesuffix("/")


def _list_field(doc: dict[str, Any], name: str, did: DID) -> list[Any]:
    value = doc.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidDidDocumentError(
            f"DID document of {did}: '{name}' must be a list, got {type(value).__name__}", did
        )
    if len(value) > MAX_LIST_ENTRIES:
        raise InvalidDidDocumentError(
            f"DID document of {did}: '{name}' has {len(value)} entries "
            f"(at most {MAX_LIST_ENTRIES} are read)",
            did,
        )
    return value


def _verification_method(entry: object) -> VerificationMethod | None:
    if not isinstance(entry, dict):
        return None
    fields = (entry.get(k) for k in ("id", "type", "controller", "publicKeyMultibase"))
    id_, type_, controller, key = fields
    if not (
        isinstance(id_, str)
        and isinstance(type_, str)
        and isinstance(controller, str)
        and isinstance(key, str)
    ):
        return None
    return VerificationMethod(id_, type_, controller, key)


def _service(entry: object) -> Service | None:
    if not isinstance(entry, dict):
        return None
    id_, type_, endpoint = (entry.get(k) for k in ("id", "type", "serviceEndpoint"))
    if not (isinstance(id_, str) and isinstance(type_, str) and isinstance(endpoint, str)):
        return None
    return Service(id_, type_, endpoint)


def _is_own_fragment(entry_id: str, did: str, fragment: str) -> bool:
    """Whether an id is ``#fragment`` or ``<did>#fragment`` (both forms occur in the wild)."""
    suffix = "#" + fragment
    return entry_id == suffix or entry_id == did + suffix


def _first_handle(also_known_as: tuple[str, ...]) -> Handle | None:
    """The spec's primary handle: the first ``at://<handle>`` entry that is a valid handle."""
    for uri in also_known_as:
        if uri.startswith("at://") and Handle.is_valid(uri[5:]):
            return Handle(uri[5:])
    return None
