"""A tiny base for immutable keyword-only records that type checkers treat as dataclasses.

``dataclasses.dataclass`` costs about half a millisecond per class at import (it compiles
each generated method with ``exec``); the schema model has some thirty classes, so that
would dominate ``import skykit.lexicon``. This base builds nothing per class: one generic
``__init__``, ``__eq__``, ``__hash__`` and ``__repr__`` read the field list collected from
the annotations, and ``dataclass_transform`` tells mypy/pyright the constructor signature.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, ClassVar, dataclass_transform

__all__ = ["Frozen"]


@dataclass_transform(kw_only_default=True, frozen_default=True)
class Frozen:
    """Keyword-only, immutable, compared and hashed by value.

    Fields are the class's non-``ClassVar`` annotations (inherited ones first); a class
    attribute of the same name is its default. Fields annotated as mappings are left out
    of the hash (read-only mapping proxies are not hashable) but still compared.
    """

    _fields: ClassVar[tuple[str, ...]] = ()
    _field_set: ClassVar[frozenset[str]] = frozenset()
    _defaults: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[frozenset[str]] = frozenset()
    _unhashed: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = list(cls._fields)
        defaults = dict(cls._defaults)
        unhashed = set(cls._unhashed)
        # Not inspect.get_annotations: importing inspect costs more than this whole module.
        own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
        for name, annotation in own.items():
            text = annotation if isinstance(annotation, str) else repr(annotation)
            if text.startswith(("ClassVar", "typing.ClassVar")):
                continue
            if name not in fields:
                fields.append(name)
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
            else:
                defaults.pop(name, None)
            if "Mapping" in text:
                unhashed.add(name)
        cls._fields = tuple(fields)
        cls._field_set = frozenset(fields)
        cls._defaults = defaults
        cls._required = frozenset(name for name in fields if name not in defaults)
        cls._unhashed = frozenset(unhashed)

    def __init__(self, **values: Any) -> None:
        cls = type(self)
        if not cls._required <= values.keys() <= cls._field_set:
            missing = sorted(cls._required - values.keys())
            unknown = sorted(values.keys() - cls._field_set)
            problem = f"missing {missing}" if missing else f"unexpected {unknown}"
            raise TypeError(f"{cls.__name__}(): {problem} field(s)")
        state = self.__dict__
        for name in cls._fields:
            state[name] = values[name] if name in values else cls._defaults[name]

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable (cannot delete {name!r})")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        skip = self._unhashed
        return hash((type(self), *(v for k, v in self.__dict__.items() if k not in skip)))

    def __reduce__(self) -> tuple[Any, ...]:
        # Mapping proxies cannot be pickled or deep-copied: ship them as dicts.
        mappings = self._unhashed
        state = {k: dict(v) if k in mappings else v for k, v in self.__dict__.items()}
        return (_rebuild, (type(self), state))

    def __repr__(self) -> str:
        defaults = self._defaults
        shown = [
            f"{name}={value!r}"
            for name, value in self.__dict__.items()
            if name not in defaults or (value is not defaults[name] and value != defaults[name])
        ]
        return f"{type(self).__name__}({', '.join(shown)})"


def _rebuild(cls: type[Frozen], state: dict[str, Any]) -> Frozen:
    instance = cls.__new__(cls)
    for name in cls._unhashed:
        state[name] = MappingProxyType(state[name])
    instance.__dict__.update(state)
    return instance
