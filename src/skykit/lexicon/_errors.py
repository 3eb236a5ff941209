"""The errors of the lexicon layer: bad schemas, missing schemas, and data that fails one."""

from __future__ import annotations

from skykit.errors import SkykitError


class LexiconError(SkykitError):
    """Base class of every error raised by :mod:`skykit.lexicon`."""


class InvalidLexiconError(LexiconError, ValueError):
    """A lexicon document (or a reference inside one) breaks the schema language.

    ``lexicon_id`` is the document's id when known, ``path`` the place inside the document
    (``"defs.main.record"``), ``reason`` what is wrong there.
    """

    def __init__(self, reason: str, *, lexicon_id: str | None = None, path: str = "") -> None:
        self.lexicon_id = lexicon_id
        self.path = path
        self.reason = reason
        parts = [p for p in (lexicon_id, path) if p]
        super().__init__(": ".join([*parts, reason]))

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_invalid, (self.reason, self.lexicon_id, self.path))


def _rebuild_invalid(reason: str, lexicon_id: str | None, path: str) -> InvalidLexiconError:
    return InvalidLexiconError(reason, lexicon_id=lexicon_id, path=path)


class DuplicateLexiconError(LexiconError, ValueError):
    """A catalog already holds a lexicon with this id."""

    def __init__(self, lexicon_id: str) -> None:
        self.lexicon_id = lexicon_id
        super().__init__(f"lexicon {lexicon_id!r} is already in the catalog")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.lexicon_id,))


class LexiconNotFoundError(LexiconError, LookupError):
    """A lexicon id or a definition inside one is not known to the catalog (nor its loader)."""


class LexiconValidationError(LexiconError, ValueError):
    """Data does not match its lexicon schema.

    ``path`` locates the failing value in the data (``"$.formats.handle"``, ``"$.tags[2]"``),
    ``reason`` names the rule it breaks, ``subject`` what was validated (e.g. the record's
    collection).
    """

    def __init__(self, reason: str, *, path: str = "$", subject: str | None = None) -> None:
        self.reason = reason
        self.path = path
        self.subject = subject
        prefix = f"{subject}: " if subject else ""
        super().__init__(f"{prefix}{path}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_validation, (self.reason, self.path, self.subject))


def _rebuild_validation(reason: str, path: str, subject: str | None) -> LexiconValidationError:
    return LexiconValidationError(reason, path=path, subject=subject)
