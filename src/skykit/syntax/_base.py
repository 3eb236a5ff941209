"""The common shape of the typed values: a ``str`` that was validated on construction.

Being ``str`` subclasses, they pass anywhere a string is accepted, compare equal to the plain
string, hash the same and serialise as themselves. Construction runs the format's check, so
an instance is always valid; pickling and copying re-run it through ``__new__``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Self

from skykit.syntax._errors import InvalidSyntaxError, not_a_str

ProblemFinder = Callable[[str], "str | None"]
"""Returns ``None`` for a valid value, else a short description of what is wrong."""


class SyntaxStr(str):
    """Base of the validated string types; subclasses name their format and its check."""

    __slots__ = ()

    format_name: ClassVar[str]
    _find_problem: ClassVar[ProblemFinder]

    def __init_subclass__(
        cls, *, format_name: str | None = None, find_problem: ProblemFinder | None = None
    ) -> None:
        super().__init_subclass__()
        if format_name is not None:
            cls.format_name = format_name
        if find_problem is not None:
            cls._find_problem = staticmethod(find_problem)

    def __new__(cls, value: object) -> Self:
        if cls is SyntaxStr:
            raise TypeError("SyntaxStr is abstract; construct DID, Handle, NSID, ... instead")
        if type(value) is cls:
            return value  # already validated, and immutable
        return str.__new__(cls, cls._validated(value))

    @classmethod
    def _validated(cls, value: object) -> str:
        """The text to store for `value`, or raise :class:`InvalidSyntaxError`."""
        if not isinstance(value, str):
            raise not_a_str(cls.format_name, value)
        problem = cls._find_problem(value)
        if problem is not None:
            raise InvalidSyntaxError(cls.format_name, value, problem)
        return str(value)

    @classmethod
    def _trusted(cls, text: str) -> Self:
        """Wrap text already known to be valid (e.g. a part of a validated AT-URI)."""
        return str.__new__(cls, text)

    @classmethod
    def is_valid(cls, value: object) -> bool:
        """Whether `value` would be accepted by the constructor."""
        return isinstance(value, str) and cls._find_problem(value) is None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str.__repr__(self)})"
