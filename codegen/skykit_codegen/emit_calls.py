"""The ``Call`` and ``AsyncCall`` classes of a query or procedure.

Both are written from one template: the async class differs only by ``async``/``await``
and its iterator types, so the two never drift apart.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from skykit_codegen import naming
from skykit_codegen.text import annotation, docstring, string
from skykit_codegen.world import CodegenError

if TYPE_CHECKING:
    from skykit_codegen.emit_module import ModuleEmitter

_JSON = "application/json"


@dataclass(frozen=True)
class Arg:
    name: str  # Python keyword argument
    wire: str  # name on the wire
    annotation: str
    required: bool

    def signature(self) -> str:
        if self.required:
            return f"{self.name}: {annotation(self.annotation)}"
        return f"{self.name}: {annotation(self.annotation + ' | None')} = None"


def kwarg_name(prop: str, taken: set[str]) -> str:
    name = naming.snake_case(prop)
    if keyword.iskeyword(name) or name in ("self", "options", "data", "encoding", "max_items"):
        name += "_"
    while name in taken:
        name += "_"
    taken.add(name)
    return name


class CallEmitter:
    def __init__(self, module: ModuleEmitter, schema: Mapping[str, Any]) -> None:
        self.m = module
        self.schema = schema
        self.is_query = schema["type"] == "query"
        self.taken: set[str] = set()
        self.params: list[Arg] = []
        self.input_encoding: str | None = None
        self.input_args: list[Arg] = []
        self.output_encoding: str | None = schema.get("output", {}).get("encoding")
        self.output_type: str | None = None
        self.page_field: tuple[str, str] | None = None  # (python field, item type)

    def args_of(self, schema: Mapping[str, Any] | None, model: str) -> list[Arg]:
        """Keyword arguments for the properties of ``schema``, typed as the fields of the
        ``model`` class written for it (so inline objects are not written twice)."""
        if not schema:
            return []
        required = set(schema.get("required", []))
        context = schema.get("_context", self.m.nsid)
        args = []
        for prop, prop_schema in schema.get("properties", {}).items():
            hint = model + naming.pascal_case(prop)
            annotation = self.m.field_types.get((hint, prop))
            if annotation is None:
                annotation = self.m.type_expr(prop_schema, context)
            args.append(Arg(kwarg_name(prop, self.taken), prop, annotation, prop in required))
        return sorted(args, key=lambda a: not a.required)

    # -- models of the call -----------------------------------------------------------

    def emit_bodies(self) -> None:
        params = self.schema.get("parameters")
        if params and params.get("properties"):
            self.m.emit_model("Params", params, lexicon_id="", type_id=None)
            self.params = self.args_of(params, "Params")
        body = self.schema.get("input")
        if body is not None:
            self.input_encoding = body.get("encoding")
            if body.get("schema") is not None:
                if self.input_encoding != _JSON:
                    raise CodegenError(
                        f"{self.m.nsid}: input schema with encoding {self.input_encoding}"
                    )
                properties = self.emit_body_model("Input", body["schema"])
                self.input_args = self.args_of(properties, "Input")
        out = self.schema.get("output")
        if out is not None and out.get("schema") is not None:
            if out.get("encoding") != _JSON:
                raise CodegenError(
                    f"{self.m.nsid}: output schema with encoding {out.get('encoding')}"
                )
            properties = self.emit_body_model("Output", out["schema"])
            self.output_type = "Output"
            self.page_field = self.find_page_field(properties)

    def emit_body_model(self, class_name: str, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """Write ``Input``/``Output``; returns the object schema it stands for."""
        if schema["type"] == "object":
            self.m.emit_model(class_name, schema, lexicon_id="", type_id=None)
            return schema
        if schema["type"] == "ref":
            target = self.m.world.resolve(schema["ref"], self.m.nsid)
            if target.schema["type"] != "object":
                raise CodegenError(f"{self.m.nsid}: {class_name} refers to a non-object")
            base = self.m.class_ref(
                target.nsid, self.m.world.names(target.nsid).classes[target.name], eager=True
            )
            self.m.lines += ["", f"{class_name}: _t.TypeAlias = {base}"]
            self.m.lines += [f'"""The {class_name.lower()} of {self.m.nsid}: {target.type_id}."""']
            return {**target.schema, "_context": target.nsid}
        raise CodegenError(f"{self.m.nsid}: {class_name} schema of type {schema['type']!r}")

    def find_page_field(self, output: Mapping[str, Any]) -> tuple[str, str] | None:
        if not self.is_query or "cursor" not in {a.wire for a in self.params}:
            return None
        properties = output.get("properties", {})
        if "cursor" not in properties:
            return None
        required = output.get("required", [])
        arrays = [p for p, s in properties.items() if s["type"] == "array"]
        arrays.sort(key=lambda p: p not in required)
        if not arrays:
            return None
        item = self.m.field_types.get(("Output" + naming.pascal_case(arrays[0]), "[]"))
        if item is None:
            item = self.m.type_expr(
                properties[arrays[0]]["items"], output.get("_context", self.m.nsid)
            )
        return naming.field_name(arrays[0]), item

    # -- the call classes ---------------------------------------------------------------

    def emit(self) -> None:
        self.emit_bodies()
        # Input properties came after params when names were taken, so params keep theirs.
        for is_async in (False, True):
            self.emit_class(is_async)

    def emit_class(self, is_async: bool) -> None:
        m = self.m
        base = "_x.AsyncXrpcCall" if is_async else "_x.XrpcCall"
        m.lines += ["", "", f"class {'AsyncCall' if is_async else 'Call'}({base}):"]
        m.lines += docstring(self.schema.get("description"), "    ") or [
            f'    """Calls {m.nsid}."""'
        ]
        binary_out = self.output_encoding is not None and self.output_type is None
        if self.is_query and binary_out:
            ret = "bytes"
            self.method(is_async, "__call__", ret, "_query_bytes", self.params, "")
            stream = "_x.AsyncByteStream" if is_async else "_x.ByteStream"
            self.method(is_async, "stream", stream, "_query_stream", self.params, "", plain=True)
            return
        output = self.output_type or "None"
        if self.is_query:
            call = f"NSID, {self.dict_of(self.params)}, {output}, ERRORS, options"
            self.method(is_async, "__call__", output, "_query", self.params, call)
            if self.page_field is not None:
                self.emit_pagination(is_async)
            return
        params = self.dict_of(self.params)
        if self.input_encoding is None:
            call = f"NSID, {params}, None, None, {output}, ERRORS, options"
            self.method(is_async, "__call__", output, "_procedure", self.params, call)
        elif self.input_args or self.input_encoding == _JSON:
            args = self.input_args + self.params
            body = self.dict_of(self.input_args)
            call = f"NSID, {params}, Input, {body}, {output}, ERRORS, options"
            self.method(is_async, "__call__", output, "_procedure", args, call)
        else:
            encoding = string(self.input_encoding)
            call = f"NSID, {params}, data, encoding, {output}, ERRORS, options"
            extra = ["data: _x.Body", f"encoding: str = {encoding}"]
            self.method(is_async, "__call__", output, "_procedure_bytes", self.params, call, extra)

    def emit_pagination(self, is_async: bool) -> None:
        assert self.page_field is not None
        field, item = self.page_field
        items = f"_t.AsyncIterator[{item}]" if is_async else f"_t.Iterator[{item}]"
        pages = (
            f"_t.AsyncIterator[{self.output_type}]"
            if is_async
            else f"_t.Iterator[{self.output_type}]"
        )
        params = self.dict_of(self.params)
        call = f"NSID, {params}, {self.output_type}, {string(field)}, max_items, ERRORS, options"
        extra = ["max_items: int | None = None"]
        self.method(is_async, "paginate", items, "_paginate", self.params, call, extra, plain=True)
        call = f"NSID, {params}, {self.output_type}, max_items, ERRORS, options"
        extra = ["max_items: int | None = None"]
        self.method(is_async, "pages", pages, "_pages", self.params, call, extra, plain=True)

    def method(
        self,
        is_async: bool,
        name: str,
        returns: str,
        runtime: str,
        args: list[Arg],
        call: str,
        extra: list[str] | None = None,
        *,
        plain: bool = False,
    ) -> None:
        """Write one method; ``plain`` methods return an iterator or stream object directly."""
        m = self.m
        call = call or f"NSID, {self.dict_of(args)}, ERRORS, options"
        is_coroutine = is_async and not plain
        prefix = "async def" if is_coroutine else "def"
        extra = list(extra or [])
        positional = [extra.pop(0)] if extra and extra[0].startswith("data:") else []
        signature = ["self", *positional, "*", *extra, *(a.signature() for a in args)]
        signature.append("options: _x.CallOptions | None = None")
        m.lines += [
            "",
            f"    {prefix} {name}(",
            *(f"        {s}," for s in signature),
            f"    ) -> {annotation(returns)}:",
        ]
        awaited = "await " if is_coroutine else ""
        m.lines += [f"        return {awaited}self.{runtime}({call})"]

    @staticmethod
    def dict_of(args: list[Arg]) -> str:
        return "{" + ", ".join(f"{string(a.wire)}: {a.name}" for a in args) + "}"
