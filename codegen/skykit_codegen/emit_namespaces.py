"""Namespace classes: ``client.app.bsky.feed.get_timeline`` as typed attributes.

Each package of generated modules gets a ``Namespace`` and an ``AsyncNamespace`` whose
attributes are its sub-namespaces and the ``Call``/``AsyncCall`` of its queries and
procedures. Modules load when an attribute is first touched.
"""

from __future__ import annotations

from collections.abc import Mapping

from skykit_codegen.text import HEADER, docstring


def emit_namespace(
    package: str,
    label: str,
    subpackages: list[str],
    calls: Mapping[str, str | None],
    preamble: list[str] | None = None,
) -> str:
    """The ``__init__`` of ``package``: ``calls`` maps module name → description."""
    lines = [HEADER.format(what=f"the lexicons under {label}"), f'"""The {label} namespace."""']
    children = sorted(subpackages) + sorted(calls)
    if not children and not preamble:
        return "\n".join(lines) + "\n"  # holds lexicons, but no calls
    lines += ["", "from __future__ import annotations", "", "import functools as _functools"]
    lines += ["import typing as _t", "", "from skykit import xrpc as _x"]
    lines += preamble or []
    if children:
        lines += ["", "if _t.TYPE_CHECKING:"]
        lines += [f"    from {package} import {child} as _{child}" for child in children]
    for is_async in (False, True):
        cls = "AsyncNamespace" if is_async else "Namespace"
        call = "AsyncCall" if is_async else "Call"
        lines += ["", "", f"class {cls}(_x.{cls}):"]
        lines += [f'    """{"Async calls" if is_async else "Calls"} under {label}."""']
        for child in sorted(subpackages):
            lines += [
                "",
                "    @_functools.cached_property",
                f"    def {child}(self) -> _{child}.{cls}:",
            ]
            lines += [
                f"        from {package} import {child}",
                "",
                f"        return {child}.{cls}(self._client)",
            ]
        for child in sorted(calls):
            lines += [
                "",
                "    @_functools.cached_property",
                f"    def {child}(self) -> _{child}.{call}:",
            ]
            first_line = (calls[child] or "").strip().splitlines()[:1]
            lines += docstring(first_line[0] if first_line else None, "        ")
            lines += [
                f"        from {package} import {child}",
                "",
                f"        return {child}.{call}(self._client)",
            ]
    return "\n".join(lines) + "\n"
