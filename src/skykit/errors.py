"""The root of every exception skykit raises."""

from __future__ import annotations


class SkykitError(Exception):
    """Base class of every error raised by skykit.

    Catch this to handle any failure the SDK reports; each layer raises a more specific
    subclass that names what was wrong.
    """
