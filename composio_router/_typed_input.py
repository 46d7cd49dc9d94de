"""Check a caller's plain dicts against the ``TypedDict`` that declares them.

Settings may be passed as dicts, as the official SDK takes them. The ``TypedDict`` that
types them for mypy is also the runtime rule, so the two cannot drift apart:
:func:`check_typed` walks a value against an annotation and raises
:class:`InvalidInputError` naming the key path of the first problem
(``tools['gmail'].tags[1]: expected one of ...``), before anything is sent.

Understood: ``TypedDict`` classes (unknown and missing keys, ``NotRequired``), ``bool``,
``int`` (never a bool), ``float``, ``str``, ``None``, ``Any``, ``Literal``, unions,
``Sequence``/``list`` (never a string), ``Mapping``/``dict`` with string keys, and plain
classes (an ``isinstance`` check). Anything else is a bug here and raises ``TypeError``.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Union

from .errors import InvalidInputError

__all__ = ["check_typed", "is_typed_dict"]


def is_typed_dict(tp: object) -> bool:
    """Whether ``tp`` is a ``TypedDict`` class."""
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


@functools.cache
def _hints(typed_dict: type, namespace: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    # As locals: a TypedDict's forward references evaluate in its module's globals whatever
    # globals are passed (they remember their module), but they do see the locals.
    return typing.get_type_hints(typed_dict, localns=dict(namespace))


def check_typed(value: object, tp: Any, path: str, namespace: Mapping[str, Any] | None = None) -> None:
    """Raise :class:`InvalidInputError` unless ``value`` fits ``tp``, naming ``path`` and below.

    ``namespace`` resolves names a ``TypedDict`` imports only for type checking.
    """
    problem = _problem(value, tp, path, tuple(sorted((namespace or {}).items())))
    if problem is not None:
        raise InvalidInputError(problem)


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return " or ".join(repr(a) for a in typing.get_args(tp))
    if origin in (list, Sequence, tuple) or tp in (list, Sequence):
        return "a list"
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        return "a mapping"
    if tp is None or tp is type(None):
        return "None"
    return tp.__name__ if isinstance(tp, type) else str(tp)


def _kind(tp: Any) -> str | None:
    """The JSON kind an annotation wants: "list", "mapping", or None (anything else)."""
    origin = typing.get_origin(tp)
    if origin in (list, Sequence, tuple) or tp in (list, Sequence):
        return "list"
    if is_typed_dict(tp) or origin in (dict, Mapping) or tp in (dict, Mapping):
        return "mapping"
    return None


def _value_kind(value: object) -> str | None:
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return "list"
    return None


def _problem(value: object, tp: Any, path: str, namespace: tuple[tuple[str, Any], ...]) -> str | None:
    if tp is Any:
        return None
    if tp is None or tp is type(None):
        return None if value is None else f"{path}: expected None, got {_describe(value)}"
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _problem(value, tp.__origin__, path, namespace)
    if origin is Literal:
        allowed = typing.get_args(tp)
        if any(value == a and type(value) is type(a) for a in allowed):
            return None
        return f"{path}: expected one of {', '.join(repr(a) for a in allowed)}, got {_describe(value)}"
    if origin is Union or origin is types.UnionType:
        return _union_problem(value, typing.get_args(tp), path, namespace)
    if is_typed_dict(tp):
        return _typed_dict_problem(value, tp, path, namespace)
    if tp is bool:
        return None if isinstance(value, bool) else f"{path}: expected True or False, got {_describe(value)}"
    if tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"{path}: expected an integer, got {_describe(value)}"
    if tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else f"{path}: expected a number, got {_describe(value)}"
    if tp is str:
        return None if isinstance(value, str) else f"{path}: expected a string, got {_describe(value)}"
    if origin in (list, Sequence, tuple) or tp in (list, Sequence):
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            return f"{path}: expected a list, got {_describe(value)}"
        args = typing.get_args(tp)
        item = args[0] if args else Any
        for i, member in enumerate(value):
            problem = _problem(member, item, f"{path}[{i}]", namespace)
            if problem is not None:
                return problem
        return None
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        if not isinstance(value, Mapping):
            return f"{path}: expected a mapping, got {_describe(value)}"
        args = typing.get_args(tp)
        item = args[1] if len(args) == 2 else Any
        for key, member in value.items():
            if not isinstance(key, str) or not key:
                return f"{path}: keys must be non-empty strings, got {key!r}"
            problem = _problem(member, item, f"{path}[{key!r}]", namespace)
            if problem is not None:
                return problem
        return None
    if isinstance(origin, type):  # a generic class, e.g. CustomTool[..., Any]: its instances
        tp = origin
    if isinstance(tp, type):
        return None if isinstance(value, tp) else f"{path}: expected a {tp.__name__}, got {_describe(value)}"
    raise TypeError(f"check_typed cannot check {tp!r} (at {path})")  # a bug in a declaration


def _typed_dict_problem(
    value: object, tp: type, path: str, namespace: tuple[tuple[str, Any], ...]
) -> str | None:
    if not isinstance(value, Mapping):
        return f"{path}: expected a mapping with keys {', '.join(_hints(tp, namespace))}, got {_describe(value)}"
    hints = _hints(tp, namespace)
    for key, member in value.items():
        if key not in hints:
            return f"{path}.{key}: unknown key; the keys are {', '.join(hints)}"
        problem = _problem(member, hints[key], f"{path}.{key}", namespace)
        if problem is not None:
            return problem
    missing = [key for key in sorted(tp.__required_keys__) if key not in value]  # type: ignore[attr-defined]
    if missing:
        return f"{path}: missing required key(s) {', '.join(missing)}"
    return None


def _union_problem(
    value: object, members: tuple[Any, ...], path: str, namespace: tuple[tuple[str, Any], ...]
) -> str | None:
    problems = []
    for member in members:
        problem = _problem(value, member, path, namespace)
        if problem is None:
            return None
        problems.append((member, problem))
    # The member the value was evidently meant to be says the most: the variant a mapping
    # names (a hook's "type"), else the only member of the value's kind (a list for a list).
    if isinstance(value, Mapping):
        for member, problem in problems:
            if is_typed_dict(member) and _matches_discriminator(value, member, namespace):
                return problem
    same_kind = [problem for member, problem in problems if _kind(member) == _value_kind(value) is not None]
    if len(same_kind) == 1:
        return same_kind[0]
    kinds = ", ".join(_name(m) for m, _ in problems if m is not None and m is not type(None))
    return f"{path}: expected {kinds}, got {_describe(value)}"


def _matches_discriminator(value: Mapping[Any, Any], tp: type, namespace: tuple[tuple[str, Any], ...]) -> bool:
    for key, hint in _hints(tp, namespace).items():
        if typing.get_origin(hint) is Literal and key in value and value[key] in typing.get_args(hint):
            return True
    return False
