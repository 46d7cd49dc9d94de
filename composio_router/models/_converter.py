"""The single cattrs converter every model goes through, and its hooks.

One converter, configured once (DESIGN §3):

* built on ``cattrs.preconf.orjson`` so unstructured output is what orjson writes
  natively (no second pass over the data);
* ``omit_if_default=True`` with :data:`UNSET` defaults on request models: a field the
  caller did not set never reaches the wire, while an explicit ``None`` does;
* free-form payloads (``dict[str, Any]``, ``Any``) pass through untouched in both
  directions: tool arguments and results are the caller's JSON, and walking them
  value by value would cost CPU on every execute for nothing. Only the top level of
  a ``dict[str, Any]`` is checked (one ``isinstance``): code reads those with
  ``.get``, and a list or a number there must be a validation error, not an
  ``AttributeError`` later; ``null`` reads as ``{}`` (spec §1.6: absent or null);
* numbers the server types as ``number`` but means as integers (page counts,
  ``index``) are accepted as ``1`` or ``1.0`` (spec §14 #14);
* unknown keys in responses are ignored (cattrs' default), never an error.

It is built on first use, not at import: importing cattrs and generating hooks costs
tens of milliseconds that an application pays only once it talks to the API (the
import-time target of the benchmarks). Field renames (camelCase islands in
snake_case JSON) are declared per class with :func:`register_renames`, which only
records them until the converter exists; never a blanket hook. A class whose wire form
differs by more than names (a ``blocked`` execute result spells its error ``message``)
declares a :func:`register_wire_mapper`, applied to its raw JSON object before structuring.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from cattrs.preconf.orjson import OrjsonConverter

__all__ = [
    "get_converter",
    "register_renames",
    "register_wire_mapper",
    "structure",
    "structure_response",
    "unstructure",
]

T = TypeVar("T")
WireMapper = Callable[[Mapping[str, Any]], Mapping[str, Any]]

_renames: dict[type[Any], dict[str, str]] = {}
_mappers: dict[type[Any], WireMapper] = {}
_converter: OrjsonConverter | None = None
_lock = threading.Lock()


def _passthrough(value: Any, _type: Any = None) -> Any:
    return value


def _is_any(type_: Any) -> bool:
    return type_ is Any


def _is_json_object(type_: Any) -> bool:
    return bool(type_ == dict[str, Any])


def _structure_json_object(value: Any, _type: Any) -> dict[str, Any]:
    if type(value) is dict:
        return value
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    raise TypeError(f"expected a JSON object, got {type(value).__name__}")


def _structure_int(value: Any, _type: Any) -> int:
    # Integral floats (`2.0`) come from servers that serialize through JavaScript.
    if isinstance(value, bool):
        raise TypeError(f"expected an integer, got {_kind(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # A digit string is refused like any other wrong type: the spec's integers are numbers.
    raise TypeError(f"expected an integer, got {_kind(value)}")


def _structure_bool(value: Any, _type: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"expected a boolean, got {_kind(value)}")


def _structure_str(value: Any, _type: Any) -> str:
    # Strict: cattrs would call str() on anything, so a null session id became "None" and
    # later requests went to /session/None; an object became its Python repr.
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {_kind(value)}")


def _structure_float(value: Any, _type: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a number, got {_kind(value)}")


def _kind(value: Any) -> str:
    # The JSON type, not the value: a wrong value may be a secret a hostile server echoed.
    return {dict: "an object", list: "an array", type(None): "null", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _objects_only(fn: Any) -> Any:
    # cattrs' generated hooks look keys up with `in`, which works on a list or a string too:
    # `"mcp": []` would become an McpServer of defaults. A model comes from a JSON object
    # (or, for a custom tool's attrs parameter, any mapping a caller passes).
    def structure(value: Any, cl: Any) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected an object, got {_kind(value)}")
        return fn(value, cl)

    return structure


def _apply_renames(conv: OrjsonConverter, cls: type[Any], python_to_wire: dict[str, str]) -> None:
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    # Typed as Any: cattrs spells per-attribute overrides as **kwargs beside its own flags.
    overrides: dict[str, Any] = {name: override(rename=wire) for name, wire in python_to_wire.items()}
    conv.register_structure_hook(cls, _objects_only(make_dict_structure_fn(cls, conv, **overrides)))
    conv.register_unstructure_hook(
        cls, make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **overrides)
    )


def _apply_mapper(conv: OrjsonConverter, cls: type[Any], mapper: WireMapper) -> None:
    base = conv.get_structure_hook(cls)

    def structure_mapped(value: Any, type_: Any) -> Any:
        return base(mapper(value) if isinstance(value, Mapping) else value, type_)

    conv.register_structure_hook(cls, structure_mapped)


def _build(*, detailed: bool = False) -> OrjsonConverter:
    import attrs
    from cattrs.gen import make_dict_structure_fn
    from cattrs.preconf.orjson import make_converter

    conv = make_converter(omit_if_default=True, detailed_validation=detailed)
    # Predicate hooks: generic aliases such as dict[str, Any] cannot be singledispatch keys.
    conv.register_structure_hook_func(_is_any, _passthrough)
    conv.register_unstructure_hook_func(_is_any, _passthrough)
    conv.register_structure_hook_func(_is_json_object, _structure_json_object)
    conv.register_unstructure_hook_func(_is_json_object, _passthrough)
    conv.register_structure_hook(int, _structure_int)
    # bool subclasses int, so singledispatch would send booleans to the int hook without this.
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook_factory(attrs.has, lambda cl: _objects_only(make_dict_structure_fn(cl, conv)))
    for cls, python_to_wire in _renames.items():
        _apply_renames(conv, cls, python_to_wire)
    for cls, mapper in _mappers.items():
        _apply_mapper(conv, cls, mapper)
    return conv


def get_converter() -> OrjsonConverter:
    """The project's converter, built on first call (thread-safe)."""
    global _converter
    conv = _converter
    if conv is None:
        with _lock:
            if _converter is None:
                _converter = _build()
            conv = _converter
    return conv


def structure(obj: Any, cl: type[T]) -> T:
    """Structure wire JSON into a model (lenient: unknown keys are ignored)."""
    return (_converter or get_converter()).structure(obj, cl)


def structure_response(obj: Any, cl: type[T]) -> T:
    """Like :func:`structure`, for a server's answer: a shape the models cannot read is an
    :class:`APIResponseValidationError` (a ``ComposioError``), never a bare ``TypeError``."""
    try:
        return (_converter or get_converter()).structure(obj, cl)
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}"
    problem = _where(obj, cl) or problem
    from ..errors import APIResponseValidationError

    # Raised outside the except block, and the message (scrubbed of secrets by the error
    # itself) carries the problem: the structuring error as context could echo a key.
    name = getattr(cl, "__name__", str(cl))
    raise APIResponseValidationError(
        f"the server's response does not fit {name}: {problem}", status_code=200, body=obj
    )


_detailed: list[OrjsonConverter] = []


def _where(obj: Any, cl: Any) -> str | None:
    """Which fields do not fit, e.g. ``expected a string, got null @ $.session_id``.

    Worked out only on this error path, with a second converter that tracks paths (slower,
    so the fast one does not); None if it cannot tell.
    """
    from cattrs import transform_error

    with _lock:
        if not _detailed:
            _detailed.append(_build(detailed=True))
    try:
        _detailed[0].structure(obj, cl)
    except Exception as exc:
        try:
            return "; ".join(transform_error(exc, format_exception=_describe))
        except Exception:
            return None
    return None


def _describe(exc: BaseException, _type: Any) -> str:
    return str(exc) if isinstance(exc, TypeError | ValueError) else f"{type(exc).__name__}: {exc}"


def unstructure(obj: Any) -> Any:
    """Unstructure a request model to JSON-ready data (UNSET fields omitted)."""
    return (_converter or get_converter()).unstructure(obj)


def register_renames(cls: type[T], **python_to_wire: str) -> type[T]:
    """Map attribute names to wire keys for one class, in both directions."""
    with _lock:
        _renames[cls] = python_to_wire
        for conv in (_converter, *_detailed):
            if conv is not None:
                _apply_renames(conv, cls, python_to_wire)
    return cls


def register_wire_mapper(cls: type[T], mapper: WireMapper) -> type[T]:
    """Rewrite a raw JSON object of ``cls`` (a fresh mapping, never in place) before structuring."""
    with _lock:
        _mappers[cls] = mapper
        for conv in (_converter, *_detailed):
            if conv is not None:
                _apply_mapper(conv, cls, mapper)
    return cls
