"""Reading JSON from the network without leaking ``json``/``UnicodeDecodeError`` or
``RecursionError`` to callers: every failure becomes the caller's ``IdentityError`` class."""

from __future__ import annotations

import json
from typing import Any

from skykit.identity._errors import IdentityError


def load_json(
    data: bytes | str, what: str, identifier: str | None, error: type[IdentityError]
) -> Any:
    """The parsed JSON value of ``data``, or ``error`` naming ``what`` was malformed."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text)
    except UnicodeDecodeError:
        raise error(f"{what} is not UTF-8", identifier) from None
    except RecursionError:
        raise error(f"{what} is nested too deeply", identifier) from None
    except ValueError as exc:  # JSONDecodeError, and ints beyond Python's digit limit
        raise error(f"{what} is not valid JSON: {exc}", identifier) from None
