"""Pure conversions: strict-mode rewrite, Gemini subset, every provider's tool format, schema modifiers."""

from __future__ import annotations

import copy
from typing import Any, Literal

import pytest
from attrs import evolve
from google.genai import types as genai_types
from openai.lib._pydantic import _ensure_strict_json_schema
from openai.types.chat import ChatCompletionToolParam
from openai.types.responses import FunctionToolParam
from pydantic import BaseModel, Field

from composio_router import InvalidInputError, Tool
from composio_router.models.tools import ToolkitRef
from composio_router.providers import (
    AnthropicProvider,
    GeminiProvider,
    IdentityProvider,
    OpenAIProvider,
    OpenAIResponsesProvider,
    Provider,
    schema_modifier,
)
from composio_router.providers._jsonschema import (
    NotStrict,
    strict_or_raise,
    strip_optional_nulls,
    to_gemini_schema,
    to_openai_strict,
)

from . import validate

# -- fixtures: odd but real-world schemas --------------------------------------------------

NESTED: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "SendEmail",
    "type": "object",
    "properties": {
        "to": {"type": "array", "items": {"type": "string", "format": "email"}, "minItems": 1},
        "subject": {"type": "string", "title": "Subject", "examples": ["Hi"]},
        "priority": {"type": "string", "enum": ["low", "high"], "default": "low"},
        "retries": {"type": "integer", "minimum": 0, "maximum": 5},
        "when": {"type": ["string", "null"], "format": "date-time"},
        "sender": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "address": {"type": "string", "format": "uri"}},
            "required": ["address"],
        },
        "attachment": {"anyOf": [{"$ref": "#/$defs/File"}, {"type": "null"}]},
        "mode": {"oneOf": [{"type": "string", "const": "draft"}, {"type": "integer"}]},
    },
    "required": ["to", "subject"],
    "$defs": {
        "File": {"type": "object", "properties": {"name": {"type": "string"}, "size": {"type": "integer"}}, "required": ["name"]}
    },
}


def make_tool(slug: str, schema: dict[str, Any], description: str = "A tool.", toolkit: str = "demo") -> Tool:
    return Tool(slug=slug, name=slug.title(), description=description, input_parameters=schema, toolkit=ToolkitRef(slug=toolkit))


def assert_strict(schema: Any) -> None:
    """Independent check of strict mode's rules, on every object of the schema."""
    if isinstance(schema, dict):
        if schema.get("type") == "object" or (isinstance(schema.get("type"), list) and "object" in schema["type"]):
            assert schema["additionalProperties"] is False
            assert schema["required"] == list(schema["properties"])
        for key in ("default", "title", "examples", "$schema", "minLength", "oneOf"):
            assert key not in schema
        for value in schema.values():
            assert_strict(value)
    elif isinstance(schema, list):
        for value in schema:
            assert_strict(value)


# -- OpenAI strict mode ------------------------------------------------------------------------


def test_strict_rewrite_closes_objects_and_makes_optionals_nullable() -> None:
    original = copy.deepcopy(NESTED)
    strict = to_openai_strict(NESTED)
    assert original == NESTED  # pure: the input is not touched
    assert strict is not None
    assert_strict(strict)
    props = strict["properties"]
    assert props["to"] == {"type": "array", "items": {"type": "string", "format": "email"}, "minItems": 1}
    assert props["subject"] == {"type": "string"}  # required: not nullable; title/examples dropped
    assert props["priority"] == {"type": ["string", "null"], "enum": ["low", "high", None]}
    assert props["retries"]["type"] == ["integer", "null"]
    assert props["when"] == {"type": ["string", "null"], "format": "date-time"}
    sender = props["sender"]
    assert sender["type"] == ["object", "null"]
    assert sender["properties"]["address"] == {"type": "string"}  # unknown format dropped
    assert sender["properties"]["name"] == {"type": ["string", "null"]}
    assert props["attachment"] == {"anyOf": [{"$ref": "#/$defs/File"}, {"type": "null"}]}
    assert props["mode"] == {"anyOf": [{"type": "string", "const": "draft"}, {"type": "integer"}, {"type": "null"}]}
    assert strict["$defs"]["File"]["required"] == ["name", "size"]
    assert strict["$defs"]["File"]["properties"]["size"] == {"type": ["integer", "null"]}


def test_strict_rewrite_is_a_fixpoint_of_the_openai_sdk_strict_transform() -> None:
    strict = to_openai_strict(NESTED)
    assert strict is not None
    again = _ensure_strict_json_schema(copy.deepcopy(strict), path=(), root=copy.deepcopy(strict))
    assert again == strict


class Address(BaseModel):
    street: str
    zip: str | None = None


class Person(BaseModel):
    name: str = Field(description="full name")
    age: int | None = None
    kind: Literal["a", "b"] = "a"
    home: Address
    other: Address | None = None


def _objects(schema: Any, path: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(schema, dict):
        if "properties" in schema:
            out[path] = (schema["required"], schema["additionalProperties"])
        for key, value in schema.items():
            out.update(_objects(value, f"{path}/{key}"))
    return out


def test_strict_rewrite_agrees_with_the_openai_sdk_on_a_pydantic_model() -> None:
    import openai

    theirs = openai.pydantic_function_tool(Person)["function"]["parameters"]
    ours = to_openai_strict(Person.model_json_schema())
    assert ours is not None
    assert _objects(ours) == _objects(theirs)  # same objects closed, same required lists
    validate(FunctionToolParam, {"type": "function", "name": "person", "parameters": ours, "strict": True})


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ({"type": "object", "properties": {"m": {"type": "object", "additionalProperties": {"type": "string"}}}}, "open map"),
        ({"type": "object", "properties": {"m": {"type": "object", "additionalProperties": True}}}, "open map"),
        ({"type": "object", "properties": {"args": {"type": "object"}}}, "free-form object"),
        ({"type": "object", "properties": {"xs": {"type": "array"}}}, "array without"),
        ({"type": "object", "properties": {"s": {"type": "string", "minLength": 3}}}, "minLength"),
        ({"type": "object", "properties": {"v": {}}}, "without a type"),
        ({"type": "object", "properties": {"v": {"allOf": [{"type": "string"}, {"type": "integer"}]}}}, "allOf"),
        ({"type": "object", "additionalProperties": {"type": "string"}}, "open map"),
        ({"type": "object", "properties": {"r": {"$ref": "https://example.com/s.json"}}}, "non-local"),
    ],
)
def test_strict_rewrite_refuses_what_strict_mode_cannot_express(schema: dict[str, Any], reason: str) -> None:
    assert to_openai_strict(schema) is None
    with pytest.raises(NotStrict, match=reason):
        strict_or_raise(schema)


def test_strict_rewrite_depth_limit() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(12):
        deep = {"type": "object", "properties": {"x": deep}, "required": ["x"]}
    assert to_openai_strict(deep) is None


def test_strict_rewrite_of_empty_and_missing_schemas() -> None:
    empty = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
    assert to_openai_strict({}) == empty
    assert to_openai_strict(None) == empty
    assert to_openai_strict({"type": "object", "additionalProperties": False}) == empty


def test_strip_optional_nulls_undoes_strict_nullables_only() -> None:
    args = {
        "to": ["a@b.c"],
        "subject": None,  # required: kept (the tool reports it)
        "priority": None,
        "sender": {"address": "x", "name": None},
        "attachment": None,
        "unknown": None,  # not in the schema: left alone
    }
    assert strip_optional_nulls(NESTED, args) == {
        "to": ["a@b.c"],
        "subject": None,
        "sender": {"address": "x"},
        "unknown": None,
    }


# -- OpenAI chat / Responses / Anthropic formats --------------------------------------------

TOOLS = [
    make_tool("GMAIL_SEND_EMAIL", NESTED, "Send an email."),
    make_tool("COMPOSIO_MULTI_EXECUTE_TOOL", {"type": "object", "properties": {"tools": {"type": "array", "items": {"type": "object", "properties": {"tool_slug": {"type": "string"}, "arguments": {"type": "object"}}, "required": ["tool_slug", "arguments"]}}}, "required": ["tools"]}, "Run tools.", "composio"),
    make_tool("UTILS_PING", {}, ""),  # no arguments, no description
]


def test_openai_chat_tools_validate_against_the_sdk_types() -> None:
    from openai.types.chat import ChatCompletionFunctionToolParam

    tools = OpenAIProvider().wrap_tools(TOOLS)
    for t in tools:
        validate(ChatCompletionToolParam, t)
        validate(ChatCompletionFunctionToolParam, t)
    assert [t["function"]["name"] for t in tools] == ["GMAIL_SEND_EMAIL", "COMPOSIO_MULTI_EXECUTE_TOOL", "UTILS_PING"]
    assert tools[0]["function"]["parameters"]["properties"]["subject"]["title"] == "Subject"  # non-strict: as sent
    assert "$schema" not in tools[0]["function"]["parameters"]
    assert "strict" not in tools[0]["function"]
    assert tools[2]["function"] == {"name": "UTILS_PING", "parameters": {"type": "object", "properties": {}}}


def test_openai_chat_strict_option() -> None:
    tools = OpenAIProvider(strict=True).wrap_tools(TOOLS)
    for t in tools:
        validate(ChatCompletionToolParam, t)
    assert tools[0]["function"]["strict"] is True
    assert_strict(tools[0]["function"]["parameters"])
    assert tools[1]["function"]["strict"] is False  # free-form "arguments" object: not expressible
    assert tools[1]["function"]["parameters"] == TOOLS[1].input_parameters
    assert tools[2]["function"]["strict"] is True


def test_openai_responses_tools_validate_and_fall_back_per_tool() -> None:
    plain = OpenAIResponsesProvider().wrap_tools(TOOLS)
    strict = OpenAIResponsesProvider(strict=True).wrap_tools(TOOLS)
    for t in [*plain, *strict]:
        validate(FunctionToolParam, t)
        assert t["type"] == "function"
        assert "function" not in t  # flat
    assert [t["strict"] for t in plain] == [False, False, False]  # explicit: the API defaults to strict
    assert [t["strict"] for t in strict] == [True, False, True]
    assert_strict(strict[0]["parameters"])
    assert strict[0]["description"] == "Send an email."


def test_anthropic_tools_validate_and_cache_the_last_one() -> None:
    from anthropic.types import ToolParam, ToolUnionParam

    tools = AnthropicProvider().wrap_tools(TOOLS)
    for t in tools:
        validate(ToolParam, t)
        validate(ToolUnionParam, t)
        assert t["input_schema"]["type"] == "object"
        assert "cache_control" not in t
    cached = AnthropicProvider(cache_control=True).wrap_tools(TOOLS)
    assert [("cache_control" in t) for t in cached] == [False, False, True]
    assert cached[-1]["cache_control"] == {"type": "ephemeral"}
    validate(ToolParam, cached[-1])
    hour = AnthropicProvider(cache_control={"type": "ephemeral", "ttl": "1h"}).wrap_tools(TOOLS)
    validate(ToolParam, hour[-1])
    assert AnthropicProvider(cache_control=True).wrap_tools([]) == []
    with pytest.raises(InvalidInputError):
        AnthropicProvider(cache_control="yes")  # type: ignore[arg-type]


# -- Gemini -------------------------------------------------------------------------------------


def test_gemini_declarations_validate_with_the_sdk_models() -> None:
    declarations = GeminiProvider().wrap_tools(TOOLS)
    for d in declarations:
        genai_types.FunctionDeclaration.model_validate(d)  # extra="forbid": unknown keys fail
    genai_types.Tool.model_validate({"function_declarations": declarations})
    genai_types.GenerateContentConfig(tools=[genai_types.Tool(function_declarations=declarations)])
    ping = declarations[2]
    assert ping == {"name": "UTILS_PING"}  # no arguments: no parameters
    params = declarations[0]["parameters"]
    assert params["type"] == "OBJECT"
    assert params["required"] == ["to", "subject"]
    props = params["properties"]
    assert props["to"] == {"type": "ARRAY", "items": {"type": "STRING"}, "min_items": 1}  # "email" format dropped
    assert props["subject"] == {"type": "STRING"}  # title, examples dropped
    assert props["priority"] == {"type": "STRING", "enum": ["low", "high"], "format": "enum", "default": "low"}
    assert props["when"] == {"type": "STRING", "format": "date-time", "nullable": True}
    assert props["attachment"]["nullable"] is True  # anyOf [$ref, null] -> the inlined object, nullable
    assert props["attachment"]["properties"]["size"] == {"type": "INTEGER"}
    assert props["mode"]["any_of"] == [{"type": "STRING", "enum": ["draft"], "format": "enum"}, {"type": "INTEGER"}]
    nested_args = declarations[1]["parameters"]["properties"]["tools"]["items"]["properties"]["arguments"]
    assert nested_args == {"type": "OBJECT"}


ODD: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "anything": {},
        "list_of_any": {"type": "array"},
        "numbers": {"type": "integer", "enum": [1, 2, 3], "description": "A level"},
        "flag": {"enum": [True, False]},
        "multi": {"type": ["string", "integer", "null"]},
        "map": {"type": "object", "additionalProperties": {"type": "string"}},
        "merged": {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}, {"properties": {"b": {"type": "number", "format": "double"}}}]},
        "node": {"$ref": "#/definitions/Node"},
        "openapi_nullable": {"type": "string", "nullable": True, "maxLength": 10, "pattern": "^a"},
        "constant": {"const": 7},
    },
    "definitions": {
        "Node": {"type": "object", "properties": {"value": {"type": "string"}, "child": {"$ref": "#/definitions/Node"}}}
    },
}


def test_gemini_schema_subset_for_odd_schemas() -> None:
    out = to_gemini_schema(ODD)
    assert out is not None
    genai_types.Schema.model_validate(out)
    props = out["properties"]
    assert props["anything"] == {"type": "STRING"}
    assert props["list_of_any"] == {"type": "ARRAY", "items": {"type": "STRING"}}
    assert props["numbers"] == {"type": "INTEGER", "description": "A level (one of: 1, 2, 3)"}
    assert props["flag"]["type"] == "BOOLEAN"
    assert props["multi"] == {"any_of": [{"type": "STRING"}, {"type": "INTEGER"}], "nullable": True}
    assert props["map"] == {"type": "OBJECT"}  # additionalProperties dropped
    assert props["merged"]["properties"] == {"a": {"type": "STRING"}, "b": {"type": "NUMBER", "format": "double"}}
    assert props["merged"]["required"] == ["a"]
    assert props["node"]["properties"]["child"] == {"type": "OBJECT"}  # the cycle is cut
    assert props["openapi_nullable"] == {"type": "STRING", "max_length": 10, "pattern": "^a", "nullable": True}
    assert props["constant"]["type"] == "INTEGER"
    assert "additional_properties" not in str(out)
    genai_types.FunctionDeclaration.model_validate({"name": "ODD", "parameters": out})


def test_gemini_schema_matches_what_the_sdk_builds_from_a_pydantic_model() -> None:
    # google-genai turns a pydantic model into its own Schema: ours must agree on the shape.
    ours = to_gemini_schema(Person.model_json_schema())
    assert ours is not None
    theirs = genai_types.Schema.from_json_schema(
        json_schema=genai_types.JSONSchema.model_validate(_inline_refs(Person.model_json_schema())),
        api_option="GEMINI_API",
    )
    mine = genai_types.Schema.model_validate(ours)
    assert _shape(mine) == _shape(theirs)


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(copy.deepcopy(defs[node["$ref"].split("/")[-1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)  # type: ignore[no-any-return]


def _shape(schema: genai_types.Schema) -> Any:
    """Types, nesting and nullability: what the model sees of the structure."""
    if schema.any_of:
        inner = [_shape(s) for s in schema.any_of if s.type != genai_types.Type.NULL]
        nullable = bool(schema.nullable) or any(s.type == genai_types.Type.NULL for s in schema.any_of)
        return ("anyOf", tuple(inner), nullable) if len(inner) > 1 else (*inner[0][:-1], nullable)
    props = tuple(sorted((k, _shape(v)) for k, v in (schema.properties or {}).items()))
    items = _shape(schema.items) if schema.items else None
    return (schema.type, props, items, bool(schema.nullable))


# -- protocol, identity, schema modifiers ----------------------------------------------------------


def test_every_provider_satisfies_the_protocol() -> None:
    from composio_router.providers import LangChainProvider, McpProvider

    for provider in (IdentityProvider(), OpenAIProvider(), OpenAIResponsesProvider(), AnthropicProvider(), GeminiProvider(), LangChainProvider(), McpProvider()):
        assert isinstance(provider, Provider)
        assert provider.name
        assert type(provider).__name__ in repr(provider)


def test_schema_modifiers_filter_by_tool_and_toolkit_and_never_touch_the_input() -> None:
    seen: list[tuple[str, str]] = []

    @schema_modifier(tools=["gmail_send_email"])
    def shorter(slug: str, toolkit: str, tool: Tool) -> Tool:
        seen.append((slug, toolkit))
        tool.input_parameters["properties"].pop("mode")  # in place: on a copy
        return evolve(tool, description="Send mail.")

    @schema_modifier(toolkits=["COMPOSIO"])
    def tagged(slug: str, toolkit: str, tool: Tool) -> Tool:
        return evolve(tool, description=f"[{toolkit}] {tool.description}")

    everyone = schema_modifier(lambda slug, toolkit, tool: evolve(tool, description=tool.description + "!"))
    before = copy.deepcopy(TOOLS)
    tools = OpenAIProvider().wrap_tools(TOOLS, modifiers=[shorter, tagged, everyone])
    assert before == TOOLS
    assert seen == [("GMAIL_SEND_EMAIL", "demo")]
    assert tools[0]["function"]["description"] == "Send mail.!"
    assert "mode" not in tools[0]["function"]["parameters"]["properties"]
    assert tools[1]["function"]["description"] == "[composio] Run tools.!"
    assert tools[2]["function"]["description"] == "!"
    assert IdentityProvider().wrap_tools(TOOLS, modifiers=shorter)[0].description == "Send mail."


def test_bad_modifiers_are_clear_errors() -> None:
    with pytest.raises(InvalidInputError, match="not a modifier"):
        OpenAIProvider().wrap_tools(TOOLS, modifiers=[lambda *a: a])  # type: ignore[list-item]
    bad = schema_modifier(lambda slug, toolkit, tool: {"name": "x"})  # type: ignore[arg-type,return-value]
    with pytest.raises(InvalidInputError, match="expected a Tool"):
        OpenAIProvider().wrap_tools(TOOLS, modifiers=bad)
    with pytest.raises(InvalidInputError, match="list of slugs"):
        schema_modifier(tools="GMAIL_SEND_EMAIL")

    async def coro(slug: str, toolkit: str, tool: Tool) -> Tool:
        return tool

    with pytest.raises(InvalidInputError, match="sync"):
        schema_modifier(coro)  # type: ignore[arg-type]
