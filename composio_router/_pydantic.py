"""Pydantic models as custom tool inputs and outputs, without depending on pydantic.

The official SDK declares a custom tool's input as one pydantic model
(``def grep(input: GrepInput, ctx)``). Those tools port unchanged: when a tool's input
parameter is annotated with a model class, the tool's input schema is the model's JSON
Schema and its arguments are validated into an instance.

pydantic is never imported here. A model class can only exist once its defining code has
imported pydantic, so the module is looked up in ``sys.modules``; when it is not there,
nothing is a model and this module costs nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["dump_model", "is_model", "is_model_class", "model_input_schema", "validate_model"]


def _base_model() -> type | None:
    module = sys.modules.get("pydantic")
    base = getattr(module, "BaseModel", None) if module is not None else None
    return base if isinstance(base, type) else None


def is_model_class(tp: object) -> bool:
    """Whether ``tp`` is a pydantic model class (``BaseModel`` itself excluded)."""
    base = _base_model()
    return base is not None and isinstance(tp, type) and issubclass(tp, base) and tp is not base


def is_model(value: object) -> bool:
    """Whether ``value`` is a pydantic model instance."""
    base = _base_model()
    return base is not None and isinstance(value, base)


def model_input_schema(model: Any) -> dict[str, Any]:
    """A model's JSON Schema as a tool's input schema: an object with named properties.

    A ``RootModel`` (no named fields) cannot be a tool's input and raises ``ValueError``.
    """
    schema = model.model_json_schema()
    if not isinstance(schema, Mapping) or schema.get("type") != "object":
        raise ValueError("the model's schema is not an object with named fields (a RootModel?)")
    out: dict[str, Any] = {"type": "object", "properties": dict(schema.get("properties") or {})}
    if schema.get("required"):
        out["required"] = list(schema["required"])
    if schema.get("$defs"):
        out["$defs"] = dict(schema["$defs"])  # nested models are referenced from the properties
    return out


def model_json_schema(model: Any) -> dict[str, Any]:
    """A model's full JSON Schema (a tool's output schema)."""
    schema = model.model_json_schema()
    return dict(schema)


def validate_model(model: Any, arguments: Mapping[str, Any]) -> tuple[Any, list[str]]:
    """``(instance, [])`` when ``arguments`` fit ``model``, else ``(None, problems)``.

    Each problem names where it is (``filters.limit: Input should be ...``).
    """
    try:
        return model.model_validate(dict(arguments)), []
    except Exception as exc:  # pydantic.ValidationError, without importing pydantic
        errors = getattr(exc, "errors", None)
        if not callable(errors):
            raise
        problems = []
        for error in errors():
            where = ".".join(str(part) for part in error.get("loc", ())) or "(input)"
            problems.append(f"`{where}`: {error.get('msg', 'invalid')}")
        return None, problems or [str(exc)]


def dump_model(value: Any) -> Any:
    """A model instance as JSON-ready data (what a tool returns to the LLM)."""
    return value.model_dump(mode="json")
