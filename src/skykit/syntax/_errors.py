"""The errors of the syntax layer, and how a rejected value is shown in them."""

from __future__ import annotations

from typing import Any

from skykit.errors import SkykitError

# Values can be kilobytes long (length-limit attacks); messages show a prefix only.
_SHOWN_CHARS = 64


def show(value: str) -> str:
    """A short, quoted rendering of `value` for an error message."""
    if len(value) <= _SHOWN_CHARS:
        return repr(value)
    return f"{value[:_SHOWN_CHARS]!r}... ({len(value)} characters)"


class InvalidSyntaxError(SkykitError, ValueError):
    """A value does not have the syntax its string format requires.

    ``format`` is the lexicon format name (``"handle"``, ``"at-uri"``, ...), ``value`` the
    rejected input and ``reason`` what is wrong with it.
    """

    def __init__(self, format_name: str, value: object, reason: str) -> None:
        self.format = format_name
        self.value = value
        self.reason = reason
        if isinstance(value, str):
            message = f"invalid {format_name} {show(value)}: {reason}"
        else:
            message = f"invalid {format_name}: {reason}"
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.format, self.value, self.reason))


def not_a_str(format_name: str, value: object) -> InvalidSyntaxError:
    """The error for a value that is not a string at all."""
    return InvalidSyntaxError(format_name, value, f"expected a str, got {type(value).__name__}")


class UnknownFormatError(SkykitError, LookupError):
    """A string format name that the lexicon language does not define."""

    def __init__(self, format_name: object, known: tuple[str, ...]) -> None:
        self.format = format_name
        self.known = known
        super().__init__(
            f"unknown string format {format_name!r}; known formats: {', '.join(known)}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.format, self.known))


class OutOfRangeError(SkykitError, ValueError):
    """A value is well-formed but lies outside what a conversion can represent
    (e.g. a year-0000 datetime as a Python ``datetime``, a TID timestamp beyond 53 bits)."""
