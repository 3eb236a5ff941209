"""One lexicon document → one Python module: models, constants, errors and call classes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skykit_codegen import naming
from skykit_codegen.text import HEADER, annotation, docstring, literal, string
from skykit_codegen.world import CodegenError, World

_PRIMITIVES = {
    "boolean": "bool",
    "integer": "int",
    "bytes": "_m.Bytes",
    "cid-link": "_m.CidLink",
    "blob": "_m.Blob",
    "unknown": "_m.Unknown",
    "null": "None",
}
_JSON = "application/json"


class ModuleEmitter:
    def __init__(self, world: World, nsid: str) -> None:
        self.world = world
        self.nsid = nsid
        self.doc = world.docs[nsid]
        self.module = world.modules[nsid]
        self.names = world.names(nsid)
        self.lazy_imports: set[str] = set()  # modules referenced only in annotations
        self.eager_imports: set[str] = set()  # modules needed when this module runs
        self.uses_xrpc = False
        self.lines: list[str] = []
        self.pending: list[tuple[str, Mapping[str, Any]]] = []  # inline objects to write
        # Annotations written for fields, by (class + property, property); "[]" for items.
        self.field_types: dict[tuple[str, str], str] = {}
        # A field named "list" shadows the builtin inside its class body.
        self.list_type = "_builtins.list" if _has_list_field(self.doc) else "list"

    # -- types -------------------------------------------------------------------------

    def class_ref(self, nsid: str, class_name: str, eager: bool = False) -> str:
        if nsid == self.nsid:
            return class_name
        (self.eager_imports if eager else self.lazy_imports).add(nsid)
        return f"{naming.module_alias(nsid)}.{class_name}"

    def type_expr(self, schema: Mapping[str, Any], context: str, hint: str = "") -> str:
        """The annotation for ``schema``; ``hint`` names a class for an inline object."""
        kind = schema["type"]
        if kind in _PRIMITIVES:
            return _PRIMITIVES[kind]
        if kind == "object":
            if not hint or context != self.nsid:
                raise CodegenError(f"{context}: an inline object needs a named place")
            name = self.names.claim(hint)
            self.pending.append((name, schema))
            return name
        if kind == "string":
            if schema.get("enum"):
                return "_t.Literal[" + ", ".join(string(v) for v in schema["enum"]) + "]"
            return "str"
        if kind == "array":
            item = self.type_expr(schema["items"], context, hint and hint + "Item")
            if hint:
                self.field_types[(hint, "[]")] = item
            return f"{self.list_type}[{item}]"
        if kind == "ref":
            return self.ref_type(schema["ref"], context)
        if kind == "union":
            return self.union_type(schema, context)
        raise CodegenError(f"{context}: unsupported type {kind!r} here")

    def ref_type(self, ref: str, context: str) -> str:
        target = self.world.resolve(ref, context)
        kind = target.schema["type"]
        if kind in ("object", "record"):
            return self.class_ref(target.nsid, self.world.names(target.nsid).classes[target.name])
        if kind == "token":
            return "str"
        if kind in ("query", "procedure", "subscription", "permission-set"):
            raise CodegenError(f"{context}: ref {ref!r} names a {kind}, which is not a type")
        return self.type_expr(target.schema, target.nsid)  # aliases are written out inline

    def union_type(self, schema: Mapping[str, Any], context: str) -> str:
        members = []
        for ref in schema["refs"]:
            target = self.world.resolve(ref, context)
            if target.schema["type"] not in ("object", "record"):
                raise CodegenError(f"{context}: union member {ref!r} is not an object")
            members.append(
                self.class_ref(target.nsid, self.world.names(target.nsid).classes[target.name])
            )
        if schema.get("closed"):
            return f"_t.Annotated[{' | '.join(members)}, _m.union(closed=True)]"
        return f"_t.Annotated[{' | '.join([*members, '_m.UnknownObject'])}, _m.union()]"

    # -- models -----------------------------------------------------------------------

    def emit_model(
        self,
        class_name: str,
        schema: Mapping[str, Any],
        *,
        lexicon_id: str,
        type_id: str | None,
        is_record: bool = False,
        description: str | None = None,
        base: str = "_m.LexModel",
    ) -> None:
        self.lines += ["", "", f"class {class_name}({base}):"]
        self.lines += docstring(description or schema.get("description"), "    ")
        if lexicon_id:
            self.lines += ["", f"    LEXICON_ID: _t.ClassVar[str] = {string(lexicon_id)}"]
        if is_record:
            self.lines += ["    IS_RECORD: _t.ClassVar[bool] = True"]
        if type_id is not None:
            self.lines += [
                "",
                f"    py_type: _t.Literal[{string(type_id)}] = _p.Field(",
                f'        default={string(type_id)}, validation_alias="$type", serialization_alias="$type"',
                "    )",
            ]
        required = set(schema.get("required", []))
        nullable = set(schema.get("nullable", []))
        used: set[str] = {"py_type"}
        for prop, prop_schema in schema.get("properties", {}).items():
            name = naming.field_name(prop)
            while name in used:
                name += "_"
            used.add(name)
            hint = class_name + naming.pascal_case(prop)
            self.emit_field(name, prop, prop_schema, prop in required, prop in nullable, hint)
        if len(self.lines) and self.lines[-1].endswith(":"):
            self.lines.append("    pass")
        while self.pending:
            inline_name, inline_schema = self.pending.pop(0)
            self.emit_model(inline_name, inline_schema, lexicon_id="", type_id=None)

    def emit_field(
        self,
        name: str,
        wire: str,
        schema: Mapping[str, Any],
        required: bool,
        nullable: bool,
        hint: str,
    ) -> None:
        expr = self.type_expr(schema, self.nsid, hint)
        self.field_types[(hint, wire)] = expr
        default = schema.get("default")
        if not required and default is not None and not nullable:
            default_expr = literal(default)
        elif not required:
            default_expr = "None"
        else:
            default_expr = None
        if nullable or (not required and default_expr == "None"):
            expr = f"{expr} | None"
        written = annotation(expr)
        alias = wire != name
        if alias:
            # `default=` by keyword: type checkers only see a default given that way
            args = [f"default={default_expr}"] if default_expr is not None else []
            args += [f"validation_alias={string(wire)}", f"serialization_alias={string(wire)}"]
            self.lines.append(f"    {name}: {written} = _p.Field({', '.join(args)})")
        elif default_expr is not None:
            self.lines.append(f"    {name}: {written} = {default_expr}")
        else:
            self.lines.append(f"    {name}: {written}")
        self.lines += docstring(schema.get("description"), "    ")

    # -- the module ---------------------------------------------------------------------

    def emit(self) -> str:
        defs: Mapping[str, Any] = self.doc["defs"]
        models: dict[str, str] = {}
        type_checking_aliases: list[str] = []
        # A record comes first; a query or procedure last, as its bodies may build on the
        # document's other defs.
        main_first = defs.get("main", {}).get("type") in ("record", "object")
        for def_name in sorted(defs, key=lambda n: (n != "main" if main_first else n == "main", n)):
            schema = defs[def_name]
            kind = schema["type"]
            type_id = self.nsid if def_name == "main" else f"{self.nsid}#{def_name}"
            if kind == "record":
                cls = self.names.classes[def_name]
                self.emit_model(
                    cls,
                    schema["record"],
                    lexicon_id=type_id,
                    type_id=type_id,
                    is_record=True,
                    description=schema.get("description"),
                )
                models[def_name] = cls
            elif kind == "object":
                cls = self.names.classes[def_name]
                self.emit_model(cls, schema, lexicon_id=type_id, type_id=type_id)
                models[def_name] = cls
            elif kind == "token":
                const = self.names.constants[def_name]
                self.lines += ["", f"{const}: _t.Final = {string(type_id)}"]
                self.lines += docstring(schema.get("description"), "")
            elif def_name in self.names.aliases:
                alias = self.names.aliases[def_name]
                type_checking_aliases.append(
                    f"    {alias}: _t.TypeAlias = {self.type_expr(schema, self.nsid)}"
                )
            elif kind in ("query", "procedure"):
                self.emit_xrpc(schema)
            elif kind == "subscription":
                self.emit_subscription(schema)
        self.emit_errors(defs.get("main"))
        return self.assemble(models, type_checking_aliases)

    def emit_subscription(self, schema: Mapping[str, Any]) -> None:
        if "parameters" in schema:
            self.emit_model("Params", schema["parameters"], lexicon_id="", type_id=None)
        message = schema.get("message", {}).get("schema")
        if message is None:
            return
        entries = []
        for ref in message.get("refs", []):
            target = self.world.resolve(ref, self.nsid)
            cls = self.class_ref(target.nsid, self.world.names(target.nsid).classes[target.name])
            entries.append(f"    {string(ref)}: {cls},")
        self.message_entries = entries

    def emit_errors(self, main: Mapping[str, Any] | None) -> None:
        if main is None or main["type"] not in ("query", "procedure"):
            return
        for error in main.get("errors", []):
            cls = self.names.errors[error["name"]]
            self.lines += ["", "", f"class {cls}(_x.XrpcError):"]
            self.lines += docstring(error.get("description"), "    ") or [
                f'    """The {error["name"]} error of {self.nsid}."""'
            ]
            self.lines += ["", f"    ERROR_NAME: _t.ClassVar[str] = {string(error['name'])}"]

    def emit_xrpc(self, schema: Mapping[str, Any]) -> None:
        from skykit_codegen.emit_calls import CallEmitter

        self.uses_xrpc = True
        CallEmitter(self, schema).emit()

    def import_line(self, nsid: str) -> str:
        package, _, leaf = self.world.modules[nsid].rpartition(".")
        return f"from {package} import {leaf} as {naming.module_alias(nsid)}"

    def assemble(self, models: Mapping[str, str], type_checking_aliases: list[str]) -> str:
        description = self.doc.get("description") or self.doc["defs"].get("main", {}).get(
            "description"
        )
        head = [HEADER.format(what=f"the lexicon {self.nsid}")]
        head += docstring(description, "") or [f'"""The lexicon {self.nsid}."""']
        head += [""]
        if self.list_type != "list":
            head += ["import builtins as _builtins"]
        head += ["import typing as _t", ""]
        head += ["import pydantic as _p", "", "from skykit import models as _m"]
        if self.uses_xrpc:
            head += ["from skykit import xrpc as _x"]
        lazy_only = sorted(self.lazy_imports - self.eager_imports)
        for nsid in sorted(self.eager_imports):
            head += [self.import_line(nsid)]
        if lazy_only:
            head += ["", "if _t.TYPE_CHECKING:"]
            head += [f"    {self.import_line(nsid)}" for nsid in lazy_only]
        head += ["", f"NSID: _t.Final = {string(self.nsid)}"]
        tail = ["", ""]
        errors = self.names.errors
        if self.uses_xrpc:
            tail += ["ERRORS: _t.Final[dict[str, type[_x.XrpcError]]] = {"]
            tail += [f"    {string(name)}: {cls}," for name, cls in errors.items()]
            tail += ["}"]
        entries = getattr(self, "message_entries", None)
        if entries is not None:
            tail += ["MESSAGES: _t.Final[dict[str, type[_m.LexModel]]] = {", *entries, "}"]
        tail += ["MODELS: _t.Final[dict[str, type[_m.LexModel]]] = {"]
        tail += [f"    {string(name)}: {cls}," for name, cls in models.items()]
        tail += ["}"]
        tail += [f"LEXICON: _t.Final[dict[str, _t.Any]] = {literal(dict(self.doc))}"]
        if type_checking_aliases:
            tail += ["", "if _t.TYPE_CHECKING:", *type_checking_aliases]
        if lazy_only:
            tail += ["", "if not _t.TYPE_CHECKING:"]
            tail += ["    # Bound after the classes so that other lexicons load on first use."]
            for nsid in lazy_only:
                module = string(self.world.modules[nsid])
                tail += [f"    {naming.module_alias(nsid)} = _m.lazy_module({module})"]
        return "\n".join(head + self.lines + tail) + "\n"


def _has_list_field(doc: Mapping[str, Any]) -> bool:
    for schema in doc["defs"].values():
        for holder in (schema, schema.get("record", {}), schema.get("parameters", {})):
            if "list" in holder.get("properties", {}):
                return True
        for body in (schema.get("input", {}), schema.get("output", {})):
            if "list" in (body.get("schema") or {}).get("properties", {}):
                return True
    return False
