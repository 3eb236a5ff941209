"""at-identifier: where atproto accepts an account by either its handle or its DID."""

from __future__ import annotations

from skykit.syntax._base import SyntaxStr
from skykit.syntax._did import DID, did_problem
from skykit.syntax._handle import Handle, handle_problem


def at_identifier_problem(value: str) -> str | None:
    """What is wrong with `value` as a handle or DID, or None when it is valid.

    A DID always starts with ``did:`` and a handle cannot contain ``:``, so the prefix
    decides which syntax applies.
    """
    if value.startswith("did:"):
        return did_problem(value)
    return handle_problem(value)


class AtIdentifier(SyntaxStr, format_name="at-identifier", find_problem=at_identifier_problem):
    """A handle or a DID, kept exactly as given (a handle is not lowercased here)."""

    __slots__ = ()

    @property
    def is_did(self) -> bool:
        return self.startswith("did:")

    @property
    def is_handle(self) -> bool:
        return not self.startswith("did:")

    def as_typed(self) -> DID | Handle:
        """The identifier as a :class:`DID`, or as a (lowercased) :class:`Handle`."""
        if self.is_did:
            return DID._trusted(self)
        return Handle._trusted(self.lower())
