"""Custom tool definitions: decorator, schema from signatures, registry, running tools.

No server is involved: these are the pieces the session uses before and after a
request (spec §3.5 and §5).
"""

import enum
import functools
import sys
import threading
import types
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Optional, Union

import anyio
import attrs
import pytest

from composio_router.custom_tools import (
    CustomTool,
    CustomToolkit,
    CustomToolRegistry,
    RegisteredCustomTool,
    SessionContext,
    SyncSessionContext,
    tool,
)
from composio_router.errors import (
    CustomToolDefinitionError,
    CustomToolError,
    InvalidInputError,
    ToolNotFoundError,
)

# --------------------------------------------------------------------------- fixtures


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@attrs.define
class Point:
    """A point on the grid."""

    x: int
    y: int = 0


@attrs.define
class Shape:
    name: Annotated[str, "what to call it"]
    points: list[Point]
    color: Color = Color.RED
    tags: list[str] = attrs.Factory(list)
    note: str | None = attrs.field(default=None, metadata={"description": "free text"})


@attrs.define
class Result:
    found: bool = False
    count: int = 0


class FakeSession:
    """Implements the ContextSession protocol and records what tools ask of it."""

    user_id = "user-1"
    session_id = "trs_fake"

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.loop_thread = threading.get_ident()

    async def execute(
        self, tool_slug: str, arguments: Mapping[str, Any] | None = None, *, account: str | None = None
    ) -> Any:
        assert threading.get_ident() == self.loop_thread  # always runs on the event loop
        self.calls.append(("execute", tool_slug, arguments, account))
        return {"data": {"slug": tool_slug}}

    async def proxy_execute(
        self, toolkit: str, endpoint: str, method: str, body: Any = None, parameters: Any = None
    ) -> Any:
        self.calls.append(("proxy", toolkit, endpoint, method, body, parameters))
        return {"status": 200}


def make_tool(slug: str, **options: Any) -> CustomTool[..., Any]:
    def fn() -> None:
        """Does nothing."""

    return tool(slug=slug, **options)(fn)


# --------------------------------------------------------------------------- decorator


def test_bare_decorator_defaults() -> None:
    @tool
    def grep_files(pattern: str) -> dict[str, Any]:
        """Search files.

            Indented details.
        """
        return {"pattern": pattern}

    assert isinstance(grep_files, CustomTool)
    assert grep_files.slug == "GREP_FILES"
    assert grep_files.name == "Grep Files"
    assert grep_files.description == "Search files.\n\nIndented details."
    assert grep_files.extends_toolkit is None
    assert grep_files.output_schema is None
    assert grep_files.preload is False
    assert grep_files.is_async is False
    # Still callable as the plain function.
    assert grep_files("x") == {"pattern": "x"}
    assert grep_files.fn("y") == {"pattern": "y"}


def test_parameterised_decorator() -> None:
    out = {"type": "object", "properties": {"hits": {"type": "integer"}}}

    @tool(
        slug="GREP",
        name="Grep the repo",
        description="Regex search.",
        extends_toolkit="github",
        output_schema=out,
        preload=True,
    )
    async def search(pattern: str) -> None:
        pass

    assert (search.slug, search.name, search.description) == ("GREP", "Grep the repo", "Regex search.")
    assert search.extends_toolkit == "github"
    assert search.output_schema == out
    assert search.preload is True
    assert search.is_async is True


def test_explicit_description_wins_over_docstring() -> None:
    @tool(description="explicit")
    def f() -> None:
        """docstring"""

    assert f.description == "explicit"


# --------------------------------------------------------------------------- schema


def test_schema_unsupported_annotation_is_a_definition_error() -> None:
    with pytest.raises(CustomToolDefinitionError, match=r"parameter `o`.*unsupported annotation object"):

        @tool
        def f(o: object) -> None:
            """Doc."""


def test_schema_primitives() -> None:
    @tool
    def f(
        s: str, i: int, x: float, b: bool, n: None, anything: Any,
        limit: int = 20, ratio: float = 0.5, flag: bool = False, label: str = "hi",
    ) -> None:
        """Doc."""

    assert f.input_schema == {
        "type": "object",
        "properties": {
            "s": {"type": "string"},
            "i": {"type": "integer"},
            "x": {"type": "number"},
            "b": {"type": "boolean"},
            "n": {"type": "null"},
            "anything": {},
            "limit": {"type": "integer", "default": 20},
            "ratio": {"type": "number", "default": 0.5},
            "flag": {"type": "boolean", "default": False},
            "label": {"type": "string", "default": "hi"},
        },
        "required": ["s", "i", "x", "b", "n", "anything"],
    }


def test_schema_omits_required_when_everything_has_a_default_and_non_json_defaults() -> None:
    sentinel = Point(1)

    @tool
    def f(p: Point = sentinel, tags: list[str] = ["a"], c: Color = Color.GREEN) -> None:  # noqa: B006
        """Doc."""

    schema = f.input_schema
    assert "required" not in schema
    assert "default" not in schema["properties"]["p"]  # attrs instances have no default shown
    assert schema["properties"]["tags"]["default"] == ["a"]
    assert schema["properties"]["c"]["default"] == "green"


def test_schema_no_parameters() -> None:
    @tool
    def ping() -> str:
        """Ping."""
        return "pong"

    assert ping.input_schema == {"type": "object", "properties": {}}


def test_schema_containers_literal_enum_union_annotated() -> None:
    @tool
    def f(
        ids: list[int],
        labels: dict[str, str],
        nested: dict[str, list[float]],
        raw_list: list,  # type: ignore[type-arg]
        raw_dict: dict,  # type: ignore[type-arg]
        mode: Literal["fast", "slow"],
        mixed: Literal[1, "one"],
        color: Color,
        level: Level,
        maybe: Optional[int],  # noqa: UP045 - typing.Union, not types.UnionType
        either: Union[str, int],  # noqa: UP007
        modern: str | None,
        query: Annotated[str, "a search query"],
        limit: Annotated[int, "max results", object()] = 10,
    ) -> None:
        """Doc."""

    props = f.input_schema["properties"]
    assert props["ids"] == {"type": "array", "items": {"type": "integer"}}
    assert props["labels"] == {"type": "object", "additionalProperties": {"type": "string"}}
    assert props["nested"] == {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "number"}},
    }
    assert props["raw_list"] == {"type": "array"}
    assert props["raw_dict"] == {"type": "object"}
    assert props["mode"] == {"type": "string", "enum": ["fast", "slow"]}
    assert props["mixed"] == {"enum": [1, "one"]}
    assert props["color"] == {"type": "string", "enum": ["red", "green"]}
    assert props["level"] == {"type": "integer", "enum": [1, 2]}
    assert props["maybe"] == {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert props["either"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert props["modern"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert props["query"] == {"type": "string", "description": "a search query"}
    assert props["limit"] == {"type": "integer", "description": "max results", "default": 10}
    assert f.input_schema["required"] == [
        "ids", "labels", "nested", "raw_list", "raw_dict", "mode", "mixed",
        "color", "level", "maybe", "either", "modern", "query",
    ]


def test_schema_nested_attrs() -> None:
    @tool
    def draw(shape: Shape, origin: Point | None = None) -> None:
        """Draw."""

    point = {
        "type": "object",
        "properties": {"x": {"type": "integer"}, "y": {"type": "integer", "default": 0}},
        "required": ["x"],
        "description": "A point on the grid.",
    }
    assert draw.input_schema["properties"]["shape"] == {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "what to call it"},
            "points": {"type": "array", "items": point},
            "color": {"type": "string", "enum": ["red", "green"], "default": "red"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "note": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "description": "free text",
                "default": None,
            },
        },
        "required": ["name", "points"],
    }
    assert draw.input_schema["properties"]["origin"] == {
        "anyOf": [point, {"type": "null"}],
        "default": None,
    }
    assert draw.input_schema["required"] == ["shape"]


@attrs.define
class Node:
    child: "Node | None" = None


def test_recursive_attrs_is_a_definition_error() -> None:
    with pytest.raises(CustomToolDefinitionError, match="refers to itself"):

        @tool
        def f(n: Node) -> None:
            """Doc."""


def test_non_string_dict_keys_are_a_definition_error() -> None:
    with pytest.raises(CustomToolDefinitionError, match=r"`m`.*dict\[str, \.\.\.\]"):

        @tool
        def f(m: dict[int, str]) -> None:
            """Doc."""


FUTURE_SOURCE = '''
from __future__ import annotations

from typing import Annotated, Optional

import attrs

from composio_router.custom_tools import SessionContext, tool


@attrs.define
class Box:
    width: int
    label: Optional[str] = None


@tool
async def pack(box: Box, ctx: SessionContext, note: Annotated[str, "why"] = "") -> Box:
    """Pack a box."""
    return box
'''


def test_from_future_annotations(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("future_tools_under_test")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(FUTURE_SOURCE, "<future_tools_under_test>", "exec"), module.__dict__)
    pack = module.pack
    assert pack.input_schema == {
        "type": "object",
        "properties": {
            "box": {
                "type": "object",
                "properties": {
                    "width": {"type": "integer"},
                    "label": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
                },
                "required": ["width"],
            },
            "note": {"type": "string", "description": "why", "default": ""},
        },
        "required": ["box"],
    }


def test_unresolvable_annotation_is_a_definition_error() -> None:
    def f(x: "Missing") -> None:  # type: ignore[name-defined]  # noqa: F821
        """Doc."""

    with pytest.raises(CustomToolDefinitionError, match=r"'F'.*cannot resolve its annotations"):
        tool(f)


# --------------------------------------------------------------------------- definition errors


@pytest.mark.parametrize("slug", ["has space", "dot.ted", "", "ümlaut"])
def test_bad_slug_pattern(slug: str) -> None:
    with pytest.raises(CustomToolDefinitionError, match=r"invalid.*A-Z, a-z, 0-9"):
        make_tool(slug)


@pytest.mark.parametrize("slug", ["LOCAL_GREP", "local_grep", "COMPOSIO_X", "Composio_x"])
def test_reserved_prefixes(slug: str) -> None:
    with pytest.raises(CustomToolDefinitionError, match=r"reserved prefix.*drop the prefix"):
        make_tool(slug)


def test_slug_derived_from_a_function_name_is_checked() -> None:
    with pytest.raises(CustomToolDefinitionError, match="slug="):
        tool(lambda: None)


def test_final_slug_over_60_chars() -> None:
    make_tool("A" * 54)  # LOCAL_ + 54 = 60: fine
    with pytest.raises(CustomToolDefinitionError, match=r"LOCAL_A{55} is 61 characters.*60"):
        make_tool("A" * 55)
    with pytest.raises(CustomToolDefinitionError, match=r"LOCAL_GITHUB_A{48} is 61 characters"):
        make_tool("A" * 48, extends_toolkit="github")
    short = make_tool("B" * 49)
    with pytest.raises(CustomToolDefinitionError, match=r"LOCAL_NOTES_B{49} is 61 characters"):
        CustomToolkit(slug="notes", name="Notes", description="d", tools=[short])


def test_name_and_description_lengths() -> None:
    with pytest.raises(CustomToolDefinitionError, match="name must be a string of 1 to 128"):
        make_tool("X", name="")
    with pytest.raises(CustomToolDefinitionError, match=r"name must be a string of 1 to 128.*129"):
        make_tool("X", name="n" * 129)
    make_tool("X", description="d" * 5120)
    with pytest.raises(CustomToolDefinitionError, match="description must be a string of 1 to 5120"):
        make_tool("X", description="d" * 5121)
    with pytest.raises(CustomToolDefinitionError, match=r"extends_toolkit.*invalid"):
        make_tool("X", extends_toolkit="")


def test_missing_description() -> None:
    with pytest.raises(CustomToolDefinitionError, match=r"'NO_DOC'.*no description.*docstring"):

        @tool
        def no_doc() -> None:
            pass


def test_unannotated_parameter() -> None:
    with pytest.raises(CustomToolDefinitionError, match=r"parameter `limit` has no type annotation"):

        @tool
        def f(pattern: str, limit=3) -> None:  # type: ignore[no-untyped-def]
            """Doc."""


def test_var_args_are_rejected() -> None:
    with pytest.raises(CustomToolDefinitionError, match=r"\*args is not allowed"):

        @tool
        def f(*args: str) -> None:
            """Doc."""

    with pytest.raises(CustomToolDefinitionError, match=r"\*\*kwargs is not allowed"):

        @tool
        def g(**kwargs: str) -> None:
            """Doc."""


def test_context_type_mismatch() -> None:
    with pytest.raises(CustomToolDefinitionError, match=r"`ctx` is a SessionContext.*SyncSessionContext"):

        @tool
        def sync_tool(ctx: SessionContext) -> None:
            """Doc."""

    with pytest.raises(CustomToolDefinitionError, match=r"`ctx` is a SyncSessionContext.*SessionContext"):

        @tool
        async def async_tool(ctx: SyncSessionContext) -> None:
            """Doc."""

    with pytest.raises(CustomToolDefinitionError, match="both ask for the session context"):

        @tool
        async def twice(a: SessionContext, b: SessionContext) -> None:
            """Doc."""


def test_context_is_excluded_from_schema() -> None:
    @tool
    async def f(query: str, ctx: SessionContext) -> None:
        """Doc."""

    @tool
    def g(ctx: Annotated[SyncSessionContext, "injected"], query: str) -> None:
        """Doc."""

    expected = {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}
    assert f.input_schema == expected
    assert g.input_schema == expected


def test_toolkit_rules() -> None:
    a, b = make_tool("A"), make_tool("B")
    with pytest.raises(CustomToolDefinitionError, match="1 to 100"):
        CustomToolkit(slug="kit", name="Kit", description="d", tools=[])
    with pytest.raises(CustomToolDefinitionError, match="1 to 100"):
        CustomToolkit(slug="kit", name="Kit", description="d", tools=[make_tool(f"T{i}") for i in range(101)])
    with pytest.raises(CustomToolDefinitionError, match="description must be a string of 1 to 2048"):
        CustomToolkit(slug="kit", name="Kit", description="d" * 2049, tools=[a])
    with pytest.raises(CustomToolDefinitionError, match=r"custom toolkit 'bad kit'.*invalid"):
        CustomToolkit(slug="bad kit", name="Kit", description="d", tools=[a])
    with pytest.raises(CustomToolDefinitionError, match=r"tool 'G' sets extends_toolkit='github'"):
        CustomToolkit(slug="kit", name="Kit", description="d", tools=[make_tool("G", extends_toolkit="github")])
    with pytest.raises(CustomToolDefinitionError, match=r"tools 'dup' and 'DUP' both get the final slug LOCAL_KIT_DUP"):
        CustomToolkit(slug="kit", name="Kit", description="d", tools=[make_tool("dup"), make_tool("DUP")])
    with pytest.raises(CustomToolDefinitionError, match="decorate it with @tool"):
        CustomToolkit(slug="kit", name="Kit", description="d", tools=[lambda: None])  # type: ignore[list-item]
    kit = CustomToolkit(slug="kit", name="Kit", description="d", tools=[a, b])
    assert kit.tools == (a, b)
    assert kit.preload is False


# --------------------------------------------------------------------------- registry


def test_final_slugs() -> None:
    grep = make_tool("grep")
    issue = make_tool("Triage", extends_toolkit="github")
    search = make_tool("search")
    kit = CustomToolkit(slug="notes", name="Notes", description="Notes tools", tools=[search])
    registry = CustomToolRegistry([grep, issue], [kit])

    assert [r.slug for r in registry.tools()] == ["LOCAL_GREP", "LOCAL_GITHUB_TRIAGE", "LOCAL_NOTES_SEARCH"]
    by_slug = {r.slug: r for r in registry.tools()}
    assert by_slug["LOCAL_GREP"].toolkit is None
    assert by_slug["LOCAL_GITHUB_TRIAGE"].toolkit == "github"
    assert by_slug["LOCAL_GITHUB_TRIAGE"].extends_toolkit == "github"
    assert by_slug["LOCAL_NOTES_SEARCH"].toolkit == "notes"
    assert by_slug["LOCAL_NOTES_SEARCH"].extends_toolkit is None
    assert by_slug["LOCAL_NOTES_SEARCH"].original_slug == "search"
    assert by_slug["LOCAL_NOTES_SEARCH"].tool is search
    assert [r.slug for r in registry.tools("GitHub")] == ["LOCAL_GITHUB_TRIAGE"]
    assert [r.slug for r in registry.tools("notes")] == ["LOCAL_NOTES_SEARCH"]
    assert registry.tools("slack") == []
    (toolkit,) = registry.toolkits()
    assert (toolkit.slug, toolkit.name, toolkit.description) == ("notes", "Notes", "Notes tools")
    assert [t.slug for t in toolkit.tools] == ["LOCAL_NOTES_SEARCH"]
    assert len(registry) == 3
    assert registry


def test_empty_registry() -> None:
    registry = CustomToolRegistry([], [])
    assert not registry
    assert len(registry) == 0
    assert registry.wire_payload() == {}
    assert registry.resolve("GITHUB_CREATE_ISSUE") is None
    assert registry.tools() == []
    assert registry.toolkits() == []


def test_collision_names_both_definitions() -> None:
    standalone = make_tool("GITHUB_GREP")
    extending = make_tool("grep", extends_toolkit="github")
    with pytest.raises(
        CustomToolDefinitionError,
        match=r"tool 'GITHUB_GREP' and tool 'grep' extending 'github' both get the final slug LOCAL_GITHUB_GREP",
    ):
        CustomToolRegistry([standalone, extending], [])

    kit_tool = make_tool("grep")
    kit = CustomToolkit(slug="github", name="G", description="d", tools=[kit_tool])
    with pytest.raises(
        CustomToolDefinitionError,
        match=r"tool 'GITHUB_GREP' and tool 'grep' in custom toolkit 'github' both get the final slug",
    ):
        CustomToolRegistry([standalone], [kit])

    with pytest.raises(CustomToolDefinitionError, match=r"tool 'grep' and tool 'GREP' both get the final slug LOCAL_GREP"):
        CustomToolRegistry([make_tool("grep"), make_tool("GREP")], [])


def test_duplicate_registrations() -> None:
    grep = make_tool("grep")
    with pytest.raises(CustomToolDefinitionError, match="'grep' is listed twice"):
        CustomToolRegistry([grep, grep], [])
    kit1 = CustomToolkit(slug="notes", name="N", description="d", tools=[make_tool("a")])
    kit2 = CustomToolkit(slug="NOTES", name="N", description="d", tools=[make_tool("b")])
    with pytest.raises(CustomToolDefinitionError, match="toolkits 'notes' and 'NOTES' have the same slug"):
        CustomToolRegistry([], [kit1, kit2])
    with pytest.raises(CustomToolDefinitionError, match="decorate the function with @tool"):
        CustomToolRegistry([lambda: None], [])  # type: ignore[list-item]
    # One tool object both on its own and inside a toolkit is two distinct final slugs.
    both = CustomToolRegistry([grep], [CustomToolkit(slug="kit", name="K", description="d", tools=[grep])])
    assert [r.slug for r in both.tools()] == ["LOCAL_GREP", "LOCAL_KIT_GREP"]


def test_resolve() -> None:
    grep = make_tool("grep")
    gh_grep = make_tool("grep", extends_toolkit="github")
    triage = make_tool("triage", extends_toolkit="github")
    kit = CustomToolkit(slug="notes", name="N", description="d", tools=[make_tool("grep")])
    registry = CustomToolRegistry([grep, gh_grep, triage], [kit])

    resolved = registry.resolve("LOCAL_GREP")
    assert isinstance(resolved, RegisteredCustomTool)
    assert resolved.tool is grep
    assert registry.resolve("local_github_grep").tool is gh_grep  # type: ignore[union-attr]
    assert registry.resolve("LOCAL_NOTES_GREP").toolkit == "notes"  # type: ignore[union-attr]
    assert registry.resolve("Triage").slug == "LOCAL_GITHUB_TRIAGE"  # type: ignore[union-attr]
    assert registry.resolve("GITHUB_CREATE_ISSUE") is None
    assert registry.resolve("COMPOSIO_SEARCH_TOOLS") is None
    with pytest.raises(
        ToolNotFoundError,
        match=r"'grep' is ambiguous: it matches LOCAL_GREP, LOCAL_GITHUB_GREP, LOCAL_NOTES_GREP",
    ):
        registry.resolve("grep")
    with pytest.raises(ToolNotFoundError, match="no custom tool LOCAL_NOPE is registered"):
        registry.resolve("LOCAL_NOPE")

    assert registry.is_local("LOCAL_GREP")
    assert registry.is_local("LOCAL_NOPE")
    assert registry.is_local("triage")
    assert registry.is_local("grep")
    assert not registry.is_local("GITHUB_CREATE_ISSUE")


def test_wire_payload_exact_shape() -> None:
    @tool(extends_toolkit="github", output_schema={"type": "object"}, preload=True)
    def triage(issue: int) -> None:
        """Triage an issue."""

    @tool
    def plain(text: str) -> None:
        """Plain tool."""

    @tool(preload=True)
    def kit_tool(q: str = "") -> None:
        """In a kit."""

    kit = CustomToolkit(slug="notes", name="Notes", description="Notes tools", tools=[kit_tool], preload=True)
    kit2 = CustomToolkit(slug="misc", name="Misc", description="Misc tools", tools=[plain])
    registry = CustomToolRegistry([triage, plain], [kit, kit2])
    payload = registry.wire_payload()
    assert payload == {
        "custom_tools": [
            {
                "slug": "TRIAGE",
                "name": "Triage",
                "description": "Triage an issue.",
                "input_schema": {
                    "type": "object",
                    "properties": {"issue": {"type": "integer"}},
                    "required": ["issue"],
                },
                "output_schema": {"type": "object"},
                "extends_toolkit": "github",
                "preload": True,
            },
            {
                "slug": "PLAIN",
                "name": "Plain",
                "description": "Plain tool.",
                "input_schema": {
                    "type": "object",
                    "properties": {"text": {"type": "string"}},
                    "required": ["text"],
                },
            },
        ],
        "custom_toolkits": [
            {
                "slug": "notes",
                "name": "Notes",
                "description": "Notes tools",
                "tools": [
                    {
                        "slug": "KIT_TOOL",
                        "name": "Kit Tool",
                        "description": "In a kit.",
                        "input_schema": {
                            "type": "object",
                            "properties": {"q": {"type": "string", "default": ""}},
                        },
                        "preload": True,
                    }
                ],
                "preload": True,
            },
            {
                "slug": "misc",
                "name": "Misc",
                "description": "Misc tools",
                "tools": [
                    {
                        "slug": "PLAIN",
                        "name": "Plain",
                        "description": "Plain tool.",
                        "input_schema": {
                            "type": "object",
                            "properties": {"text": {"type": "string"}},
                            "required": ["text"],
                        },
                    }
                ],
            },
        ],
    }
    assert registry.wire_payload() is payload  # cached: it is sent on every call
    assert CustomToolRegistry([plain], []).wire_payload().keys() == {"custom_tools"}
    assert CustomToolRegistry([], [kit]).wire_payload().keys() == {"custom_toolkits"}


def test_apply_echo_adopts_server_slugs() -> None:
    grep = make_tool("grep")
    triage = make_tool("triage", extends_toolkit="github")
    kit = CustomToolkit(slug="notes", name="N", description="d", tools=[make_tool("search")])
    registry = CustomToolRegistry([grep, triage], [kit])
    payload_before = registry.wire_payload()

    registry.apply_echo(
        [
            {"slug": "LOCAL_GREP", "original_slug": "grep", "name": "Grep", "description": "d",
             "input_schema": {}},
            {"slug": "LOCAL_GH_TRIAGE", "original_slug": "triage", "extends_toolkit": "github",
             "name": "T", "description": "d", "input_schema": {}},
            {"slug": "LOCAL_UNKNOWN", "original_slug": "unknown"},  # not ours: ignored
            "garbage",  # type: ignore[list-item]
        ],
        [
            {"slug": "NOTES", "name": "N", "description": "d",
             "tools": [{"slug": "LOCAL_N_SEARCH", "original_slug": "SEARCH", "name": "S",
                        "description": "d", "input_schema": {}}]},
        ],
    )
    assert [r.slug for r in registry.tools()] == ["LOCAL_GREP", "LOCAL_GH_TRIAGE", "LOCAL_N_SEARCH"]
    assert registry.resolve("LOCAL_GH_TRIAGE").tool is triage  # type: ignore[union-attr]
    assert registry.resolve("triage").slug == "LOCAL_GH_TRIAGE"  # type: ignore[union-attr]
    assert registry.resolve("LOCAL_N_SEARCH").toolkit == "notes"  # type: ignore[union-attr]
    assert [t.slug for t in registry.toolkits()[0].tools] == ["LOCAL_N_SEARCH"]
    with pytest.raises(ToolNotFoundError):
        registry.resolve("LOCAL_GITHUB_TRIAGE")  # the local guess is gone
    assert registry.wire_payload() is payload_before  # the wire keeps the user slugs


def test_apply_echo_ignores_clashing_echo() -> None:
    registry = CustomToolRegistry([make_tool("a"), make_tool("b")], [])
    registry.apply_echo(
        [{"slug": "LOCAL_SAME", "original_slug": "a"}, {"slug": "LOCAL_SAME", "original_slug": "b"}], []
    )
    assert [r.slug for r in registry.tools()] == ["LOCAL_A", "LOCAL_B"]
    registry.apply_echo([], [])
    assert [r.slug for r in registry.tools()] == ["LOCAL_A", "LOCAL_B"]


# --------------------------------------------------------------------------- running


@pytest.mark.anyio
async def test_sync_tool_runs_in_a_worker_thread() -> None:
    seen: list[int] = []

    @tool
    def where(n: int) -> dict[str, Any]:
        """Report the thread."""
        seen.append(threading.get_ident())
        return {"n": n}

    assert await where.run({"n": 3}) == {"n": 3}
    assert len(seen) == 1
    assert seen[0] != threading.get_ident()


@pytest.mark.anyio
async def test_async_tool_runs_on_the_loop() -> None:
    seen: list[int] = []

    @tool
    async def where() -> dict[str, Any]:
        """Report the thread."""
        seen.append(threading.get_ident())
        await anyio.sleep(0)
        return {"ok": True}

    assert await where.run({}) == {"ok": True}
    assert seen == [threading.get_ident()]


@pytest.mark.anyio
async def test_arguments_are_structured() -> None:
    received: dict[str, Any] = {}

    @tool
    def draw(
        shape: Shape,
        ids: list[int],
        scale: float,
        color: Color,
        level: Level,
        origin: Point | None = None,
        by_name: dict[str, Point] | None = None,
        mode: Literal["a", "b"] = "a",
    ) -> None:
        """Draw."""
        received.update(locals())

    await draw.run(
        {
            "shape": {"name": "tri", "points": [{"x": 1}, {"x": 2.0, "y": 3}], "color": "green"},
            "ids": [1, 2.0],
            "scale": 2,
            "color": "red",
            "level": 2,
            "origin": {"x": 0, "y": 0},
            "by_name": {"a": {"x": 5}},
            "mode": "b",
        }
    )
    assert received["shape"] == Shape("tri", [Point(1), Point(2, 3)], Color.GREEN)
    assert received["ids"] == [1, 2]
    assert all(type(i) is int for i in received["ids"])
    assert received["scale"] == 2.0
    assert type(received["scale"]) is float
    assert received["color"] is Color.RED
    assert received["level"] is Level.HIGH
    assert received["origin"] == Point(0, 0)
    assert received["by_name"] == {"a": Point(5)}
    assert received["mode"] == "b"

    received.clear()
    await draw.run({"shape": Shape("sq", []), "ids": [], "scale": 1.5, "color": Color.GREEN, "level": 1})
    assert received["shape"] == Shape("sq", [])
    assert received["origin"] is None  # defaults apply for omitted arguments


@pytest.mark.anyio
async def test_an_attrs_parameter_may_come_as_any_mapping() -> None:
    # A caller's read-only mapping (not a dict) is an object too: structured, not refused.
    received: dict[str, Any] = {}

    @tool
    def place(origin: Point) -> None:
        """Place."""
        received["origin"] = origin

    await place.run({"origin": types.MappingProxyType({"x": 1, "y": 2})})
    assert received["origin"] == Point(1, 2)
    with pytest.raises(InvalidInputError):
        await place.run({"origin": [1, 2]})  # an array is still no object


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, r"missing required argument\(s\) `count`, `name`"),
        ({"count": 1, "name": "x", "extra": 1}, r"unknown argument\(s\) `extra` \(accepted: count, name, tags, point, color\)"),
        ({"count": "1", "name": "x"}, r"`count`: expected integer, got string '1'"),
        ({"count": True, "name": "x"}, r"`count`: expected integer, got boolean True"),
        ({"count": 1.5, "name": "x"}, r"`count`: expected integer, got number 1.5"),
        ({"count": 1, "name": None}, r"`name`: expected string, got null None"),
        ({"count": 1, "name": "x", "tags": ["a", 2]}, r"`tags\[1\]`: expected string, got integer 2"),
        ({"count": 1, "name": "x", "point": {"y": 1}}, r"`point`: missing required field\(s\) `x` of Point"),
        ({"count": 1, "name": "x", "point": {"x": 1, "z": 1}}, r"`point`: unknown field\(s\) `z` for Point"),
        ({"count": 1, "name": "x", "point": {"x": "1"}}, r"`point.x`: expected integer, got string"),
        ({"count": 1, "name": "x", "point": [1]}, r"`point`: expected Point object or null, got array"),
        ({"count": 1, "name": "x", "color": "blue"}, r"`color`: expected one of 'red', 'green', got string 'blue'"),
        ({"count": "a", "name": 1}, r"`count`: expected integer.*; `name`: expected string"),
    ],
)
@pytest.mark.anyio
async def test_argument_validation(arguments: dict[str, Any], message: str) -> None:
    calls: list[int] = []

    @tool(slug="CHECKED")
    def checked(
        count: int, name: str, tags: list[str] | None = None, point: Point | None = None, color: Color = Color.RED
    ) -> None:
        """Doc."""
        calls.append(count)

    with pytest.raises(InvalidInputError, match=r"invalid arguments for custom tool CHECKED: .*" + message):
        await checked.run(arguments)
    assert calls == []  # nothing ran


@pytest.mark.anyio
async def test_non_mapping_arguments() -> None:
    @tool
    def f() -> None:
        """Doc."""

    with pytest.raises(InvalidInputError, match="expected a JSON object, got list"):
        await f.run([])  # type: ignore[arg-type]


@attrs.define
class Positive:
    value: int = attrs.field(validator=attrs.validators.gt(0))


@pytest.mark.anyio
async def test_attrs_validator_failure_is_invalid_input() -> None:
    @tool
    def f(p: Positive) -> None:
        """Doc."""

    with pytest.raises(InvalidInputError, match=r"`p`: .*value"):
        await f.run({"p": {"value": -1}})


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        ({"a": 1}, {"a": 1}),
        (None, {}),
        ("text", {"result": "text"}),
        (3, {"result": 3}),
        (1.5, {"result": 1.5}),
        (False, {"result": False}),
        ([1, Point(2)], {"result": [1, {"x": 2, "y": 0}]}),
        ((1, 2), {"result": [1, 2]}),
        (Result(), {"found": False, "count": 0}),  # defaults are kept in results
        (Point(1, 2), {"x": 1, "y": 2}),
        (Color.GREEN, {"result": "green"}),
        (Level.HIGH, {"result": 2}),
    ],
)
@pytest.mark.anyio
async def test_return_value_normalisation(returned: Any, expected: dict[str, Any]) -> None:
    @tool
    async def f() -> Any:
        """Doc."""
        return returned

    result = await f.run({})
    assert result == expected
    assert [type(v) for v in result.values()] == [type(v) for v in expected.values()]


@pytest.mark.anyio
async def test_dict_result_is_returned_as_is() -> None:
    data = {"a": [1, 2]}

    @tool
    def f() -> dict[str, Any]:
        """Doc."""
        return data

    assert await f.run({}) is data


@pytest.mark.parametrize("returned", [{1: "a"}, {1, 2}, object()])
@pytest.mark.anyio
async def test_non_json_results(returned: Any) -> None:
    @tool(slug="ODD")
    def f() -> Any:
        """Doc."""
        return returned

    with pytest.raises(CustomToolError, match="custom tool ODD failed: returned a"):
        await f.run({})


@pytest.mark.anyio
async def test_exception_becomes_custom_tool_error() -> None:
    @tool
    def boom() -> None:
        """Doc."""
        raise ValueError("exploded")

    @tool
    async def aboom() -> None:
        """Doc."""
        raise KeyError()

    with pytest.raises(CustomToolError, match="custom tool BOOM failed: exploded") as info:
        await boom.run({})
    assert isinstance(info.value.__cause__, ValueError)
    assert info.value.slug == "BOOM"

    # Run through the registry, the error names the final slug.
    registry = CustomToolRegistry([boom, aboom], [])
    with pytest.raises(CustomToolError, match="custom tool LOCAL_BOOM failed: exploded"):
        await registry.resolve("boom").run({})  # type: ignore[union-attr]
    with pytest.raises(CustomToolError, match="custom tool LOCAL_ABOOM failed: KeyError") as info:
        await registry.resolve("LOCAL_ABOOM").run({})  # type: ignore[union-attr]
    assert isinstance(info.value.__cause__, KeyError)
    assert info.value.slug == "LOCAL_ABOOM"


@pytest.mark.anyio
async def test_cancellation_propagates_untouched() -> None:
    @tool
    async def slow() -> None:
        """Doc."""
        await anyio.sleep_forever()

    with anyio.move_on_after(0.05) as scope:
        await slow.run({})
    assert scope.cancelled_caught


@pytest.mark.anyio
async def test_async_tool_with_session_context() -> None:
    @tool
    async def chain(query: str, ctx: SessionContext) -> dict[str, Any]:
        """Calls other tools."""
        first = await ctx.execute("GITHUB_LIST_REPOS", {"q": query}, account="ca_1")
        second = await ctx.proxy_execute("github", "/user", "GET", None, [{"name": "a"}])
        return {"user": ctx.user_id, "session": ctx.session_id, "first": first, "second": second}

    session = FakeSession()
    registry = CustomToolRegistry([chain], [])
    result = await registry.resolve("LOCAL_CHAIN").run({"query": "x"}, session=session)  # type: ignore[union-attr]
    assert result == {
        "user": "user-1",
        "session": "trs_fake",
        "first": {"data": {"slug": "GITHUB_LIST_REPOS"}},
        "second": {"status": 200},
    }
    assert session.calls == [
        ("execute", "GITHUB_LIST_REPOS", {"q": "x"}, "ca_1"),
        ("proxy", "github", "/user", "GET", None, [{"name": "a"}]),
    ]


@pytest.mark.anyio
async def test_sync_tool_with_sync_session_context() -> None:
    threads: list[int] = []

    @tool
    def chain(ctx: SyncSessionContext, query: str) -> dict[str, Any]:
        """Calls other tools from a worker thread."""
        threads.append(threading.get_ident())
        first = ctx.execute("LOCAL_OTHER", {"q": query})
        second = ctx.proxy_execute("github", "/user", "POST", body={"a": 1})
        return {"user": ctx.user_id, "session": ctx.session_id, "first": first, "second": second}

    session = FakeSession()
    result = await chain.run({"query": "x"}, session=session)
    assert result["first"] == {"data": {"slug": "LOCAL_OTHER"}}
    assert result["second"] == {"status": 200}
    assert (result["user"], result["session"]) == ("user-1", "trs_fake")
    assert threads[0] != threading.get_ident()
    assert session.calls == [
        ("execute", "LOCAL_OTHER", {"q": "x"}, None),
        ("proxy", "github", "/user", "POST", {"a": 1}, None),
    ]


@pytest.mark.anyio
async def test_context_tool_without_a_session() -> None:
    @tool
    async def needs(ctx: SessionContext) -> None:
        """Doc."""

    with pytest.raises(InvalidInputError, match=r"takes the session context \(parameter `ctx`\)"):
        await needs.run({})
    with pytest.raises(InvalidInputError, match=r"unknown argument\(s\) `ctx`"):
        await needs.run({"ctx": 1}, session=FakeSession())


@pytest.mark.anyio
async def test_positional_only_parameters() -> None:
    @tool
    def f(a: int, b: int = 5, /, c: int = 0) -> dict[str, Any]:
        """Doc."""
        return {"sum": a + b + c}

    assert await f.run({"a": 1}) == {"sum": 6}
    assert await f.run({"a": 1, "b": 1, "c": 1}) == {"sum": 3}


@pytest.mark.anyio
async def test_union_picks_the_first_matching_member() -> None:
    @tool
    def f(v: int | float, w: float | int, s: str | int) -> dict[str, Any]:
        """Doc."""
        return {"v": type(v).__name__, "w": type(w).__name__, "s": type(s).__name__}

    assert await f.run({"v": 2.0, "w": 2, "s": 3}) == {"v": "int", "w": "float", "s": "int"}


def test_empty_parentheses_and_other_callables() -> None:
    @tool()
    def plain() -> None:
        """Doc."""

    assert plain.slug == "PLAIN"

    async def search(query: str, limit: int) -> dict[str, Any]:
        """Search."""
        return {"query": query, "limit": limit}

    bound = tool(slug="SEARCH_TEN")(functools.partial(search, limit=10))
    assert bound.is_async
    assert bound.description == "Search."
    assert bound.input_schema["properties"]["limit"] == {"type": "integer", "default": 10}
    assert bound.input_schema["required"] == ["query"]

    class Counter:
        """Count."""

        async def __call__(self, step: int = 1) -> int:
            return step

    counter = tool(slug="COUNT")(Counter())
    assert counter.is_async
    assert counter.description == "Count."
    assert counter.input_schema == {"type": "object", "properties": {"step": {"type": "integer", "default": 1}}}
