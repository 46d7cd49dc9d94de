"""The single cattrs converter every model goes through, and its hooks.

One converter, configured once (DESIGN §3):

* built on ``cattrs.preconf.orjson`` so unstructured output is what orjson writes
  natively (no second pass over the data);
* ``omit_if_default=True`` with :data:`UNSET` defaults on request models: a field the
  caller did not set never reaches the wire, while an explicit ``None`` does;
* free-form payloads (``dict[str, Any]``, ``Any``) pass through untouched in both
  directions: tool arguments and results are the caller's JSON, and walking them
  value by value would cost CPU on every execute for nothing;
* numbers the server types as ``number`` but means as integers (page counts,
  ``index``) are accepted as ``1`` or ``1.0`` (spec §14 #14);
* unknown keys in responses are ignored (cattrs' default), never an error.

Field renames (camelCase islands in snake_case JSON) are registered per class with
:func:`register_renames`, never with a blanket hook.
"""

from __future__ import annotations

from typing import Any, TypeVar

from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.orjson import OrjsonConverter, make_converter

__all__ = ["converter", "register_renames"]

T = TypeVar("T")

converter: OrjsonConverter = make_converter(omit_if_default=True, detailed_validation=False)


def _passthrough(value: Any, _type: Any = None) -> Any:
    return value


def _structure_int(value: Any, _type: Any) -> int:
    # Integral floats (`2.0`) come from servers that serialize through JavaScript.
    if isinstance(value, bool):
        raise TypeError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise TypeError(f"expected an integer, got {value!r}")


def _is_free_form(type_: Any) -> bool:
    return type_ == dict[str, Any] or type_ is Any


# Predicate hooks: generic aliases such as dict[str, Any] cannot be singledispatch keys.
converter.register_structure_hook_func(_is_free_form, _passthrough)
converter.register_unstructure_hook_func(_is_free_form, _passthrough)
def _structure_bool(value: Any, _type: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"expected a boolean, got {value!r}")


converter.register_structure_hook(int, _structure_int)
# bool subclasses int, so singledispatch would send booleans to the int hook without this.
converter.register_structure_hook(bool, _structure_bool)


def register_renames(cls: type[T], **python_to_wire: str) -> type[T]:
    """Map attribute names to wire keys for one class, in both directions."""
    # Typed as Any: cattrs spells per-attribute overrides as **kwargs beside its own flags.
    overrides: dict[str, Any] = {name: override(rename=wire) for name, wire in python_to_wire.items()}
    converter.register_structure_hook(cls, make_dict_structure_fn(cls, converter, **overrides))
    converter.register_unstructure_hook(
        cls, make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **overrides)
    )
    return cls
