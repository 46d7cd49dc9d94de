"""Type annotations of custom tool parameters, compiled once into schema + checker nodes.

A custom tool's signature is read at decoration time. Each parameter annotation is
compiled into a :class:`TypeNode` that carries

* ``schema``: the JSON Schema fragment sent to the server (and on to the LLM), and
* ``check()`` / ``convert()``: the strict test of an incoming JSON value and the
  conversion to the Python type the function asked for.

Compiling up front keeps the per-call cost to a walk over the arguments: no
``get_type_hints`` or ``get_origin`` on the hot path.

Checking is strict in the way JSON input needs: an ``int`` is a fine ``float``; an
integral float (``2.0``, what JavaScript serializers write) is a fine ``int``; a
string is never a number and a ``bool`` is never an ``int``. The project's
converter is lenient on purpose (it reads server responses), so values are
checked here first and only then handed to it for attrs classes and enums.

Supported annotations: ``str``, ``int``, ``float``, ``bool``, ``None``, ``Any``,
``list[T]`` (and ``Sequence[T]``), ``dict[str, T]`` (and ``Mapping[str, T]``),
``Literal[...]``, ``Enum`` subclasses, unions (``T | None``, ``Optional[T]``,
``A | B``), attrs classes (recursively; not self-referential) and
``Annotated[T, "description"]``.
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Union

import attrs

from .models._converter import structure

__all__ = ["NOT_JSON", "TypeNode", "UnsupportedAnnotationError", "compile_annotation", "json_value"]

_JSON_TYPE_NAMES: dict[type, str] = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    type(None): "null",
    list: "array",
    tuple: "array",
    dict: "object",
}


class UnsupportedAnnotationError(Exception):
    """An annotation this module cannot turn into JSON Schema. The caller adds context."""


class _NotJson:
    def __repr__(self) -> str:
        return "NOT_JSON"


NOT_JSON: Any = _NotJson()
"""Returned by :func:`json_value` for values that have no JSON form."""


def json_value(value: Any) -> Any:
    """The JSON form of a default value, or :data:`NOT_JSON` (then no ``default`` is emitted)."""
    if isinstance(value, enum.Enum):  # first: IntEnum and StrEnum members are ints and strs
        return json_value(value.value)
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else NOT_JSON
    if isinstance(value, list | tuple):
        items = [json_value(v) for v in value]
        return NOT_JSON if any(i is NOT_JSON for i in items) else items
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            return NOT_JSON
        out = {k: json_value(v) for k, v in value.items()}
        return NOT_JSON if any(v is NOT_JSON for v in out.values()) else out
    return NOT_JSON


def _describe(value: Any) -> str:
    kind = _JSON_TYPE_NAMES.get(type(value))
    if kind is None:
        kind = next((n for t, n in _JSON_TYPE_NAMES.items() if isinstance(value, t)), None)
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{kind} {text}" if kind else f"{type(value).__name__} {text}"


class TypeNode:
    """One compiled annotation: its JSON Schema and its strict value checker.

    ``check(value, path)`` returns ``None`` when the value fits, else a message that
    names ``path`` (``items[2].name``). ``convert(value)`` may only be called on a
    value ``check`` accepted. ``passthrough`` nodes convert to the value itself.
    """

    __slots__ = ("expected", "passthrough", "schema")

    def __init__(self, schema: dict[str, Any], expected: str, *, passthrough: bool) -> None:
        self.schema = schema
        self.expected = expected
        self.passthrough = passthrough

    def check(self, value: Any, path: str) -> str | None:
        raise NotImplementedError

    def convert(self, value: Any) -> Any:
        return value

    def _mismatch(self, value: Any, path: str) -> str:
        return f"`{path}`: expected {self.expected}, got {_describe(value)}"


class _AnyNode(TypeNode):
    def __init__(self) -> None:
        super().__init__({}, "any JSON value", passthrough=True)

    def check(self, value: Any, path: str) -> str | None:
        return None


class _ExactNode(TypeNode):
    """``str``, ``bool`` and ``None``: the Python type must match exactly (no coercion)."""

    __slots__ = ("_type",)

    def __init__(self, tp: type) -> None:
        name = _JSON_TYPE_NAMES[tp]
        super().__init__({"type": name}, name, passthrough=True)
        self._type = tp

    def check(self, value: Any, path: str) -> str | None:
        return None if isinstance(value, self._type) else self._mismatch(value, path)


class _IntNode(TypeNode):
    def __init__(self) -> None:
        super().__init__({"type": "integer"}, "integer", passthrough=False)

    def check(self, value: Any, path: str) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        if isinstance(value, float) and value.is_integer():
            return None
        return self._mismatch(value, path)

    def convert(self, value: Any) -> Any:
        return value if type(value) is int else int(value)


class _FloatNode(TypeNode):
    def __init__(self) -> None:
        super().__init__({"type": "number"}, "number", passthrough=False)

    def check(self, value: Any, path: str) -> str | None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return None
        return self._mismatch(value, path)

    def convert(self, value: Any) -> Any:
        return value if type(value) is float else float(value)


def _enum_schema(values: Sequence[Any]) -> dict[str, Any]:
    kinds = {_JSON_TYPE_NAMES[type(v)] for v in values}
    schema: dict[str, Any] = {}
    if len(kinds) == 1:
        schema["type"] = kinds.pop()
    schema["enum"] = list(values)
    return schema


def _choice_key(value: Any) -> tuple[type, Any] | None:
    # Keyed by exact type so that True never matches 1 and 1.0 never matches 1.
    try:
        hash(value)
    except TypeError:
        return None
    return (type(value), value)


class _LiteralNode(TypeNode):
    __slots__ = ("_keys",)

    def __init__(self, values: Sequence[Any]) -> None:
        for v in values:
            if v is not None and type(v) not in (str, int, bool):
                raise UnsupportedAnnotationError(
                    f"Literal value {v!r} has no JSON form; use str, int, bool or None values"
                )
        shown = ", ".join(repr(v) for v in values)
        super().__init__(_enum_schema(values), f"one of {shown}", passthrough=True)
        self._keys = frozenset((type(v), v) for v in values)

    def check(self, value: Any, path: str) -> str | None:
        return None if _choice_key(value) in self._keys else self._mismatch(value, path)


class _EnumNode(TypeNode):
    __slots__ = ("_cls", "_members")

    def __init__(self, cls: type[enum.Enum]) -> None:
        values = [m.value for m in cls]
        for v in values:
            if v is not None and type(v) not in (str, int, float, bool):
                raise UnsupportedAnnotationError(
                    f"enum {cls.__name__} has the value {v!r}, which has no JSON form"
                )
        shown = ", ".join(repr(v) for v in values)
        super().__init__(_enum_schema(values), f"one of {shown}", passthrough=False)
        self._cls = cls
        # Looked up here rather than through the converter: its `int` hook is registered by
        # class, so an IntEnum would dispatch to it and come back as a plain int.
        self._members = {(type(m.value), m.value): m for m in cls}

    def check(self, value: Any, path: str) -> str | None:
        if isinstance(value, self._cls) or _choice_key(value) in self._members:
            return None
        return self._mismatch(value, path)

    def convert(self, value: Any) -> Any:
        return value if isinstance(value, self._cls) else self._members[(type(value), value)]


class _ListNode(TypeNode):
    __slots__ = ("_item",)

    def __init__(self, item: TypeNode) -> None:
        schema: dict[str, Any] = {"type": "array"}
        if item.schema:
            schema["items"] = item.schema
        super().__init__(schema, f"array of {item.expected}", passthrough=item.passthrough)
        self._item = item

    def check(self, value: Any, path: str) -> str | None:
        if not isinstance(value, list | tuple):
            return self._mismatch(value, path)
        check = self._item.check
        for i, item in enumerate(value):
            problem = check(item, f"{path}[{i}]")
            if problem is not None:
                return problem
        return None

    def convert(self, value: Any) -> Any:
        if self.passthrough:
            return value
        convert = self._item.convert
        return [convert(v) for v in value]


class _DictNode(TypeNode):
    __slots__ = ("_value",)

    def __init__(self, value: TypeNode) -> None:
        schema: dict[str, Any] = {"type": "object"}
        if value.schema:
            schema["additionalProperties"] = value.schema
        super().__init__(schema, "object", passthrough=value.passthrough)
        self._value = value

    def check(self, value: Any, path: str) -> str | None:
        if not isinstance(value, Mapping):
            return self._mismatch(value, path)
        check = self._value.check
        for k, v in value.items():
            if not isinstance(k, str):
                return f"`{path}`: object keys must be strings, got {_describe(k)}"
            problem = check(v, f"{path}[{k!r}]")
            if problem is not None:
                return problem
        return None

    def convert(self, value: Any) -> Any:
        if self.passthrough:
            return value
        convert = self._value.convert
        return {k: convert(v) for k, v in value.items()}


class _UnionNode(TypeNode):
    __slots__ = ("_members", "_non_null")

    def __init__(self, members: Sequence[TypeNode]) -> None:
        expected = " or ".join(m.expected for m in members)
        schema = {"anyOf": [m.schema for m in members]}
        super().__init__(schema, expected, passthrough=all(m.passthrough for m in members))
        self._members = tuple(members)
        self._non_null = [i for i, m in enumerate(members) if m.schema != {"type": "null"}]

    def check(self, value: Any, path: str) -> str | None:
        problems = [m.check(value, path) for m in self._members]
        if None in problems:
            return None
        if value is not None and len(self._non_null) == 1:
            # `T | None` given a value of T's shape with a problem inside: T's message points
            # at it (`point.x`), where "expected T or null" would hide it.
            problem = problems[self._non_null[0]]
            if problem is not None and not problem.startswith(f"`{path}`: expected "):
                return problem
        return self._mismatch(value, path)

    def convert(self, value: Any) -> Any:
        # The first member that accepts the value decides its Python type (int | float: 2.0 -> 2).
        for m in self._members:
            if m.check(value, "") is None:
                return m.convert(value)
        raise AssertionError("convert() called on a value check() rejected")


@attrs.frozen
class _Field:
    name: str
    node: TypeNode
    required: bool


class _AttrsNode(TypeNode):
    __slots__ = ("_cls", "_fields", "_names", "_required")

    def __init__(self, cls: type, seen: frozenset[type]) -> None:
        try:
            hints = typing.get_type_hints(cls, include_extras=True)
        except Exception as exc:
            raise UnsupportedAnnotationError(
                f"cannot resolve the annotations of {cls.__name__} ({exc}); "
                "define the types it uses at module level"
            ) from exc
        fields: list[_Field] = []
        properties: dict[str, Any] = {}
        for a in attrs.fields(cls):
            if not a.init:
                continue  # cattrs does not read init=False fields either
            tp = hints.get(a.name, a.type)
            if tp is None:
                raise UnsupportedAnnotationError(
                    f"field {cls.__name__}.{a.name} has no type annotation; annotate it"
                )
            node = _compile(tp, seen | {cls}, f"{cls.__name__}.{a.name}")
            schema = dict(node.schema)
            if "description" not in schema and isinstance(a.metadata.get("description"), str):
                schema["description"] = a.metadata["description"]
            required = a.default is attrs.NOTHING
            if not required and not isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                default = json_value(a.default)
                if default is not NOT_JSON:
                    schema["default"] = default
            properties[a.name] = schema
            fields.append(_Field(a.name, node, required))
        schema = {"type": "object", "properties": properties}
        required_names = [f.name for f in fields if f.required]
        if required_names:
            schema["required"] = required_names
        if cls.__doc__:
            schema["description"] = inspect.cleandoc(cls.__doc__)
        super().__init__(schema, f"{cls.__name__} object", passthrough=False)
        self._cls = cls
        self._fields = tuple(fields)
        self._names = frozenset(f.name for f in fields)
        self._required = tuple(f.name for f in fields if f.required)

    def check(self, value: Any, path: str) -> str | None:
        if isinstance(value, self._cls):
            return None
        if not isinstance(value, Mapping):
            return self._mismatch(value, path)
        unknown = [k for k in value if k not in self._names]
        if unknown:
            shown = ", ".join(f"`{k}`" for k in unknown)
            accepted = ", ".join(f.name for f in self._fields)
            return f"`{path}`: unknown field(s) {shown} for {self._cls.__name__} (accepted: {accepted})"
        missing = [n for n in self._required if n not in value]
        if missing:
            shown = ", ".join(f"`{n}`" for n in missing)
            return f"`{path}`: missing required field(s) {shown} of {self._cls.__name__}"
        for f in self._fields:
            if f.name in value:
                problem = f.node.check(value[f.name], f"{path}.{f.name}")
                if problem is not None:
                    return problem
        return None

    def convert(self, value: Any) -> Any:
        if isinstance(value, self._cls):
            return value
        return structure(value, self._cls)


_PRIMITIVES: dict[Any, type] = {str: str, bool: bool, type(None): type(None), None: type(None)}
_LIST_ORIGINS = (list, Sequence)
_DICT_ORIGINS = (dict, Mapping)


def compile_annotation(tp: Any) -> TypeNode:
    """Compile one parameter annotation; raises :class:`UnsupportedAnnotationError`."""
    return _compile(tp, frozenset(), "")


def _compile(tp: Any, seen: frozenset[type], where: str) -> TypeNode:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        node = _compile(tp.__origin__, seen, where)
        description = next((m for m in tp.__metadata__ if isinstance(m, str)), None)
        if description is not None:
            node.schema = {**node.schema, "description": description}
        return node
    if tp is Any:
        return _AnyNode()
    if tp in _PRIMITIVES:
        return _ExactNode(_PRIMITIVES[tp])
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _EnumNode(tp)
    if tp is int:
        return _IntNode()
    if tp is float:
        return _FloatNode()
    if tp in _LIST_ORIGINS:
        return _ListNode(_AnyNode())
    if tp in _DICT_ORIGINS:
        return _DictNode(_AnyNode())
    if origin is Literal:
        return _LiteralNode(typing.get_args(tp))
    if origin is Union or origin is types.UnionType:
        return _UnionNode([_compile(m, seen, where) for m in typing.get_args(tp)])
    if origin in _LIST_ORIGINS:
        (item,) = typing.get_args(tp) or (Any,)
        return _ListNode(_compile(item, seen, where))
    if origin in _DICT_ORIGINS:
        key, value = typing.get_args(tp) or (str, Any)
        if key is not str:
            raise UnsupportedAnnotationError(
                f"{_show(tp)} has non-string keys; JSON objects only have string keys, use dict[str, ...]"
            )
        return _DictNode(_compile(value, seen, where))
    if isinstance(tp, type) and attrs.has(tp):
        if tp in seen:
            raise UnsupportedAnnotationError(
                f"attrs class {tp.__name__} refers to itself; recursive types are not supported"
            )
        return _AttrsNode(tp, seen)
    inside = f" (in {where})" if where else ""
    raise UnsupportedAnnotationError(
        f"unsupported annotation {_show(tp)}{inside}; use str, int, float, bool, None, list[T], "
        "dict[str, T], Literal[...], an Enum, a union of these, or an attrs class"
    )


def _show(tp: Any) -> str:
    return tp.__name__ if isinstance(tp, type) and not typing.get_args(tp) else repr(tp)
