"""Custom tools: plain Python functions the SDK runs in-process for a Tool Router session.

Define a tool with :func:`tool`; its JSON input schema comes from the signature::

    @tool(extends_toolkit="github")
    async def grep(pattern: Annotated[str, "regular expression"], limit: int = 20) -> dict[str, Any]:
        \"\"\"Search the checked-out repository.\"\"\"
        ...

Group tools with :class:`CustomToolkit`. A session builds one
:class:`CustomToolRegistry` from its tools and toolkits: it computes the final
``LOCAL_…`` slugs (spec §3.5), holds the ``experimental`` payload that is resent on
every call (v3.1 sessions do not persist customs), adopts the slugs the server
echoes, and routes an executed slug to the tool that runs it (spec §5).

Tools that call other tools take a :class:`SessionContext` (``async def`` tools) or
:class:`SyncSessionContext` (``def`` tools, which run in a worker thread) parameter;
it is injected at call time and is not part of the schema.

A tool may also take one pydantic model as its whole input, as the official SDK declares
them (``def grep(input: GrepInput, ctx)``): the model's JSON Schema is the input schema,
the arguments are validated into an instance, and a second parameter, annotated or not,
is the session context (see :mod:`._pydantic`; pydantic itself is never imported).
"""

from __future__ import annotations

import enum
import functools
import inspect
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, Protocol, TypeVar, overload

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
import attrs

from . import _pydantic
from ._schema import NOT_JSON, TypeNode, UnsupportedAnnotationError, compile_annotation, json_value
from .errors import CustomToolDefinitionError, CustomToolError, InvalidInputError, ToolNotFoundError
from .models._converter import get_converter
from .models.execution import ExecuteResult, ProxyExecuteResult, ProxyMethod

if TYPE_CHECKING:
    from anyio.lowlevel import EventLoopToken
    from cattrs import Converter

__all__ = [
    "BoundCall",
    "ContextSession",
    "CustomTool",
    "CustomToolRegistry",
    "CustomToolkit",
    "RegisteredCustomTool",
    "RegisteredCustomToolkit",
    "SessionContext",
    "SyncSessionContext",
    "tool",
]

P = ParamSpec("P")
R = TypeVar("R")

_SLUG_RE = re.compile(r"^[a-zA-Z0-9_-]+$")
_RESERVED_PREFIXES = ("LOCAL_", "COMPOSIO_")
_MAX_FINAL_SLUG = 60
_MAX_NAME = 128
_MAX_TOOL_DESCRIPTION = 5120
_MAX_TOOLKIT_DESCRIPTION = 2048
_MAX_TOOLKIT_TOOLS = 100


# --------------------------------------------------------------------------- context


class ContextSession(Protocol):
    """What a session context needs from a session. ``AsyncSession`` satisfies it."""

    @property
    def user_id(self) -> str: ...

    @property
    def session_id(self) -> str: ...

    async def execute(
        self, tool_slug: str, arguments: Mapping[str, Any] | None = None, *, account: str | None = None
    ) -> ExecuteResult: ...

    async def proxy_execute(
        self,
        toolkit: str,
        endpoint: str,
        method: ProxyMethod,
        body: Any = None,
        parameters: Sequence[Mapping[str, Any]] | None = None,
    ) -> ProxyExecuteResult: ...


class SessionContext:
    """The running session, handed to an ``async def`` custom tool that asks for it.

    Declare a parameter annotated ``SessionContext`` (any name); it is filled in at
    call time and never appears in the tool's input schema.
    """

    __slots__ = ("_session",)

    def __init__(self, session: ContextSession) -> None:
        self._session = session

    @property
    def user_id(self) -> str:
        """The user the session belongs to."""
        return self._session.user_id

    @property
    def session_id(self) -> str:
        """The Tool Router session id (``trs_…``)."""
        return self._session.session_id

    async def execute(
        self, tool_slug: str, arguments: Mapping[str, Any] | None = None, *, account: str | None = None
    ) -> ExecuteResult:
        """Execute another tool (Composio or custom) in this session."""
        return await self._session.execute(tool_slug, arguments, account=account)

    async def proxy_execute(
        self,
        toolkit: str,
        endpoint: str,
        method: ProxyMethod,
        body: Any = None,
        parameters: Sequence[Mapping[str, Any]] | None = None,
    ) -> ProxyExecuteResult:
        """Call a toolkit's own API with the session's credentials injected (spec §4.10)."""
        return await self._session.proxy_execute(toolkit, endpoint, method, body, parameters)

    def __repr__(self) -> str:
        return f"SessionContext(session_id={self.session_id!r}, user_id={self.user_id!r})"


class SyncSessionContext:
    """The running session for a plain ``def`` custom tool, which runs in a worker thread.

    Its methods block the worker thread while the call runs on the event loop, so
    they may only be used from inside the tool while it runs.
    """

    __slots__ = ("_session", "_token")

    def __init__(self, session: ContextSession, token: EventLoopToken | None = None) -> None:
        self._session = session
        # The loop the session runs on: the tool runs in a plain worker thread, which
        # needs the token to hand calls back to it.
        self._token = token

    @property
    def user_id(self) -> str:
        """The user the session belongs to."""
        return self._session.user_id

    @property
    def session_id(self) -> str:
        """The Tool Router session id (``trs_…``)."""
        return self._session.session_id

    def execute(
        self, tool_slug: str, arguments: Mapping[str, Any] | None = None, *, account: str | None = None
    ) -> ExecuteResult:
        """Execute another tool (Composio or custom) in this session; blocks until done."""
        call = functools.partial(self._session.execute, tool_slug, arguments, account=account)
        return anyio.from_thread.run(call, token=self._token)

    def proxy_execute(
        self,
        toolkit: str,
        endpoint: str,
        method: ProxyMethod,
        body: Any = None,
        parameters: Sequence[Mapping[str, Any]] | None = None,
    ) -> ProxyExecuteResult:
        """Call a toolkit's own API with the session's credentials; blocks until done."""
        call = functools.partial(
            self._session.proxy_execute, toolkit, endpoint, method, body, parameters
        )
        return anyio.from_thread.run(call, token=self._token)

    def __repr__(self) -> str:
        return f"SyncSessionContext(session_id={self.session_id!r}, user_id={self.user_id!r})"


# --------------------------------------------------------------------------- definitions


def _require_slug(value: str, what: str, fix: str) -> None:
    if not isinstance(value, str) or not _SLUG_RE.match(value):
        raise CustomToolDefinitionError(
            f"{what}: slug {value!r} is invalid; a slug is 1 or more of A-Z, a-z, 0-9, "
            f"'_' and '-'. {fix}"
        )


def _require_text(value: object, field: str, what: str, limit: int) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        got = f"{len(value)} characters" if isinstance(value, str) else repr(value)
        raise CustomToolDefinitionError(
            f"{what}: {field} must be a string of 1 to {limit} characters, got {got}"
        )


def _final_slug(what: str, *parts: str) -> str:
    final = "_".join(("LOCAL", *parts)).upper()
    if len(final) > _MAX_FINAL_SLUG:
        raise CustomToolDefinitionError(
            f"{what}: its final slug {final} is {len(final)} characters, more than the "
            f"{_MAX_FINAL_SLUG} allowed; shorten the tool slug (or the toolkit slug)"
        )
    return final


@attrs.frozen
class _Param:
    name: str
    node: TypeNode | None  # None (and no model): the injected session context
    required: bool
    default: Any
    positional_only: bool
    model: Any = None  # a pydantic model class: this parameter receives the whole input


def _source_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The function whose annotations and docstring describe ``fn``."""
    target = fn.func if isinstance(fn, functools.partial) else fn
    if inspect.isfunction(target) or inspect.ismethod(target):
        return target
    call: Callable[..., Any] = type(target).__call__  # a callable object
    return call


def _docstring(fn: Callable[..., Any]) -> str | None:
    doc = _source_function(fn).__doc__
    if not doc and not isinstance(fn, functools.partial) and not inspect.isroutine(fn):
        doc = type(fn).__dict__.get("__doc__")  # a callable object's class docstring
    return inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else None


def _unwrap_annotated(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = tp.__origin__
    return tp


def _compile_signature(
    fn: Callable[..., Any], what: str, is_async: bool
) -> tuple[tuple[_Param, ...], dict[str, Any]]:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise CustomToolDefinitionError(f"{what}: cannot read its signature ({exc})") from exc
    try:
        hints = typing.get_type_hints(_source_function(fn), include_extras=True)
    except Exception as exc:
        raise CustomToolDefinitionError(
            f"{what}: cannot resolve its annotations ({exc}); define the types they use at "
            "module level"
        ) from exc

    model_params = _model_input(signature, hints, what, is_async)
    if model_params is not None:
        return model_params
    params: list[_Param] = []
    properties: dict[str, Any] = {}
    required: list[str] = []
    context_name: str | None = None
    for p in signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            star = "*" if p.kind is p.VAR_POSITIONAL else "**"
            raise CustomToolDefinitionError(
                f"{what}: parameter {star}{p.name} is not allowed; a tool's arguments are a JSON "
                "object, so declare each argument as a named, annotated parameter"
            )
        if p.name not in hints:
            raise CustomToolDefinitionError(
                f"{what}: parameter `{p.name}` has no type annotation; annotate it (for example "
                f"`{p.name}: str`) so its input schema can be built"
            )
        hint = hints[p.name]
        bare = _unwrap_annotated(hint)
        if bare is SessionContext or bare is SyncSessionContext:
            if bare is SessionContext and not is_async:
                raise CustomToolDefinitionError(
                    f"{what}: parameter `{p.name}` is a SessionContext, whose methods are async, "
                    "but the tool is a plain `def` that runs in a worker thread; annotate it "
                    "SyncSessionContext, or make the tool `async def`"
                )
            if bare is SyncSessionContext and is_async:
                raise CustomToolDefinitionError(
                    f"{what}: parameter `{p.name}` is a SyncSessionContext, whose methods block, "
                    "but the tool is `async def` and runs on the event loop; annotate it "
                    "SessionContext and await its methods"
                )
            if context_name is not None:
                raise CustomToolDefinitionError(
                    f"{what}: parameters `{context_name}` and `{p.name}` both ask for the session "
                    "context; keep one"
                )
            context_name = p.name
            params.append(_Param(p.name, None, False, None, p.kind is p.POSITIONAL_ONLY))
            continue
        try:
            node = compile_annotation(hint)
        except UnsupportedAnnotationError as exc:
            raise CustomToolDefinitionError(f"{what}: parameter `{p.name}`: {exc}") from exc
        schema = dict(node.schema)
        has_default = p.default is not p.empty
        if has_default:
            default = json_value(p.default)
            if default is not NOT_JSON:
                schema["default"] = default
        else:
            required.append(p.name)
        properties[p.name] = schema
        params.append(
            _Param(p.name, node, not has_default, p.default, p.kind is p.POSITIONAL_ONLY)
        )
    input_schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        input_schema["required"] = required
    return tuple(params), input_schema


def _model_input(
    signature: inspect.Signature, hints: Mapping[str, Any], what: str, is_async: bool
) -> tuple[tuple[_Param, ...], dict[str, Any]] | None:
    """The official SDK's shape: one pydantic model as the whole input, then an optional context.

    None when no parameter is annotated with a model (the signature is the schema then).
    """
    parameters = list(signature.parameters.values())
    models = [p for p in parameters if _pydantic.is_model_class(_unwrap_annotated(hints.get(p.name)))]
    if not models:
        return None
    model_param = models[0]
    rest = [p for p in parameters if p is not model_param]
    context_types = (SessionContext, SyncSessionContext)
    if len(models) > 1 or len(rest) > 1 or (
        rest and _annotation_of(rest[0], hints) not in (None, *context_types)
    ):
        raise CustomToolDefinitionError(
            f"{what}: a tool whose input is a pydantic model takes that model and, optionally, "
            "the session context (`def tool(input: MyInput, ctx)`); declare the other inputs "
            "as fields of the model"
        )
    if model_param.kind in (model_param.VAR_POSITIONAL, model_param.VAR_KEYWORD):
        raise CustomToolDefinitionError(f"{what}: the model input must be a named parameter")
    model = _unwrap_annotated(hints[model_param.name])
    try:
        schema = _pydantic.model_input_schema(model)
    except Exception as exc:  # a RootModel, or a model pydantic cannot describe
        raise CustomToolDefinitionError(f"{what}: the input model {model.__name__} cannot be a tool input ({exc})") from exc
    params = [_Param(model_param.name, None, True, None, model_param.kind is model_param.POSITIONAL_ONLY, model)]
    if rest:
        ctx = rest[0]
        wanted = _annotation_of(ctx, hints)
        if wanted is SessionContext and not is_async:
            raise CustomToolDefinitionError(
                f"{what}: parameter `{ctx.name}` is a SessionContext, whose methods are async, but the "
                "tool is a plain `def`; annotate it SyncSessionContext (or leave it unannotated)"
            )
        if wanted is SyncSessionContext and is_async:
            raise CustomToolDefinitionError(
                f"{what}: parameter `{ctx.name}` is a SyncSessionContext, whose methods block, but the "
                "tool is `async def`; annotate it SessionContext (or leave it unannotated)"
            )
        params.append(_Param(ctx.name, None, False, None, ctx.kind is ctx.POSITIONAL_ONLY))
    return tuple(params), schema


def _annotation_of(p: inspect.Parameter, hints: Mapping[str, Any]) -> Any:
    """A parameter's annotation without ``Annotated``, or None when it has none."""
    return _unwrap_annotated(hints[p.name]) if p.name in hints else None


def _is_async_callable(fn: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


def _default_name(fn_name: str) -> str:
    words = [w for w in fn_name.split("_") if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or fn_name


_result_converter_cache: list[Converter] = []


def _result_converter() -> Converter:
    # The project converter omits fields equal to their defaults (right for requests); a
    # tool's result must keep them, or `found=False` would vanish from what the LLM reads.
    # Copied lazily so that hooks registered after import are included.
    if not _result_converter_cache:
        _result_converter_cache.append(get_converter().copy(omit_if_default=False))
    return _result_converter_cache[0]


def _normalise_result(slug: str, result: Any) -> dict[str, Any]:
    if result is None:
        return {}
    if isinstance(result, dict):
        if all(isinstance(k, str) for k in result):
            return result
        raise CustomToolError(slug, "returned a dict with non-string keys; JSON keys are strings")
    if attrs.has(type(result)):
        data = _result_converter().unstructure(result)
        return data if isinstance(data, dict) else {"result": data}
    if _pydantic.is_model(result):
        dumped = _pydantic.dump_model(result)
        return dumped if isinstance(dumped, dict) else {"result": dumped}
    if isinstance(result, enum.Enum):  # before str/int: StrEnum and IntEnum are both
        value = json_value(result)
        if value is not NOT_JSON:
            return {"result": value}
    elif isinstance(result, str | int | float | bool):
        return {"result": result}
    elif isinstance(result, list | tuple):
        return {"result": _result_converter().unstructure(list(result))}
    raise CustomToolError(
        slug,
        f"returned a {type(result).__name__}, which has no JSON form; return a dict, an attrs "
        "instance, a JSON value or None",
    )


@attrs.frozen(eq=False)
class CustomTool(Generic[P, R]):
    """A custom tool: a Python function plus the definition sent to the server (spec §3.5).

    Build one with :func:`tool` (or :meth:`from_function`). Calling the object calls
    the function unchanged; :meth:`run` is what the SDK uses for JSON arguments.
    Identity-compared: the same definition object is one tool.
    """

    fn: Callable[P, R] = attrs.field(repr=False)
    slug: str
    """The user slug, as sent on the wire (the server prefixes it with ``LOCAL_``)."""
    name: str
    description: str = attrs.field(repr=False)
    input_schema: dict[str, Any] = attrs.field(repr=False)
    output_schema: dict[str, Any] | None = attrs.field(default=None, repr=False)
    extends_toolkit: str | None = None
    preload: bool = False
    is_async: bool = False
    _params: tuple[_Param, ...] = attrs.field(default=(), repr=False, alias="params")
    _accepted: frozenset[str] = attrs.field(init=False, repr=False)

    @_accepted.default
    def _accepted_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self._params if p.node is not None)

    @property
    def input_model(self) -> Any:
        """The pydantic model that is this tool's whole input, or None (see :mod:`._pydantic`)."""
        return next((p.model for p in self._params if p.model is not None), None)

    @classmethod
    def from_function(
        cls,
        fn: Callable[P, R],
        *,
        slug: str | None = None,
        name: str | None = None,
        description: str | None = None,
        extends_toolkit: str | None = None,
        output_schema: Mapping[str, Any] | None = None,
        preload: bool = False,
    ) -> CustomTool[P, R]:
        """Define a tool from ``fn``; raises :class:`CustomToolDefinitionError` on a bad definition."""
        fn_name = getattr(fn, "__name__", None)
        if not isinstance(fn_name, str):
            fn_name = None
        if slug is None:
            if fn_name is None:
                raise CustomToolDefinitionError(
                    f"custom tool {fn!r} has no __name__ to derive a slug from; pass slug=..."
                )
            slug = fn_name.upper()
        what = f"custom tool {slug!r}" + (f" (function {fn_name})" if fn_name else "")
        _require_slug(slug, what, "Pass slug=... to @tool.")
        if slug.upper().startswith(_RESERVED_PREFIXES):
            raise CustomToolDefinitionError(
                f"{what}: slug {slug!r} starts with a reserved prefix (LOCAL_ or COMPOSIO_, any "
                "case); the SDK adds LOCAL_ itself, so drop the prefix or pick another slug"
            )
        if name is None:
            name = _default_name(fn_name or slug)
        _require_text(name, "name", what, _MAX_NAME)
        if description is None:
            doc = _docstring(fn)
            if not doc:
                raise CustomToolDefinitionError(
                    f"{what}: has no description; write a docstring or pass description=... "
                    "(the LLM reads it to decide when to call the tool)"
                )
            description = doc
        _require_text(description, "description", what, _MAX_TOOL_DESCRIPTION)
        if extends_toolkit is not None:
            _require_slug(
                extends_toolkit, f"{what}: extends_toolkit", "Use the toolkit's slug, e.g. 'github'."
            )
            _final_slug(what, extends_toolkit, slug)
        else:
            _final_slug(what, slug)
        if output_schema is not None and not isinstance(output_schema, Mapping):
            raise CustomToolDefinitionError(
                f"{what}: output_schema must be a JSON Schema object (a dict), got "
                f"{type(output_schema).__name__}"
            )
        is_async = _is_async_callable(fn)
        params, input_schema = _compile_signature(fn, what, is_async)
        return cls(
            fn=fn,
            slug=slug,
            name=name,
            description=description,
            input_schema=input_schema,
            output_schema=dict(output_schema) if output_schema is not None else None,
            extends_toolkit=extends_toolkit,
            preload=bool(preload),
            is_async=is_async,
            params=params,
        )

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call the function directly, as if it were not decorated."""
        return self.fn(*args, **kwargs)

    async def run(self, arguments: Mapping[str, Any], *, session: ContextSession | None = None) -> dict[str, Any]:
        """Check ``arguments`` against the signature, run the tool and return its result data.

        Raises :class:`InvalidInputError` (before running) for unknown, missing or
        ill-typed arguments, and :class:`CustomToolError` (with the tool's exception as
        ``__cause__``) when the tool raises. A ``def`` tool runs in a worker thread, an
        ``async def`` tool on the event loop. Sessions run their tools through
        :mod:`composio_router.execution` instead (a deadline, a process-wide thread budget);
        this is for calling a tool yourself, in a test for instance.
        """
        return await self.bind(arguments, session=session).run()

    def bind(
        self, arguments: Mapping[str, Any], *, session: ContextSession | None = None, slug: str | None = None
    ) -> BoundCall:
        """Check and convert ``arguments``: the call, ready to run (nothing runs yet).

        ``slug`` names the tool in errors (a session passes the final ``LOCAL_…`` slug).
        Raises :class:`InvalidInputError` for unknown, missing or ill-typed arguments.
        """
        name = self.slug if slug is None else slug
        args, kwargs = self._bind(name, arguments, session)
        return BoundCall(slug=name, fn=self.fn, args=tuple(args), kwargs=kwargs, is_async=self.is_async)

    def _bind(
        self, slug: str, arguments: Mapping[str, Any], session: ContextSession | None
    ) -> tuple[list[Any], dict[str, Any]]:
        if not isinstance(arguments, Mapping):
            raise InvalidInputError(
                f"invalid arguments for custom tool {slug}: expected a JSON object, got "
                f"{type(arguments).__name__}"
            )
        problems: list[str] = []
        # A model input decides for itself which keys it takes (pydantic's `extra` setting).
        unknown = [] if self.input_model is not None else [k for k in arguments if k not in self._accepted]
        if unknown:
            accepted = ", ".join(p.name for p in self._params if p.node is not None) or "none"
            problems.append(
                "unknown argument(s) " + ", ".join(f"`{k}`" for k in unknown)
                + f" (accepted: {accepted})"
            )
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        missing: list[str] = []
        value: Any
        for p in self._params:
            if p.model is not None:
                instance, model_problems = _pydantic.validate_model(p.model, arguments)
                if model_problems:
                    problems.extend(model_problems)
                    continue
                value = instance
            elif p.node is None:
                if session is None:
                    raise InvalidInputError(
                        f"custom tool {slug} takes the session context (parameter `{p.name}`); "
                        "run it with session=... or through a session's execute()"
                    )
                value = SessionContext(session) if self.is_async else SyncSessionContext(session, _loop_token())
            elif p.name in arguments:
                raw = arguments[p.name]
                problem = p.node.check(raw, p.name)
                if problem is not None:
                    problems.append(problem)
                    continue
                try:
                    value = p.node.convert(raw)
                except Exception as exc:  # e.g. an attrs validator on the user's class
                    problems.append(f"`{p.name}`: {exc}")
                    continue
            elif p.required:
                missing.append(p.name)
                continue
            elif p.positional_only:
                value = p.default
            else:
                continue
            if p.positional_only:
                args.append(value)
            else:
                kwargs[p.name] = value
        if missing:
            problems.insert(0, "missing required argument(s) " + ", ".join(f"`{m}`" for m in missing))
        if problems:
            raise InvalidInputError(f"invalid arguments for custom tool {slug}: " + "; ".join(problems))
        return args, kwargs


def _loop_token() -> EventLoopToken | None:
    try:
        return anyio.lowlevel.current_token()
    except RuntimeError:  # bound outside an event loop: the context can only run in anyio's threads
        return None


@attrs.frozen
class BoundCall:
    """One custom tool call, its arguments checked and converted: ready to run.

    :mod:`composio_router.execution` decides where it runs (the loop, or a worker thread
    of its process-wide budget) and for how long; this class only runs it and turns
    its outcome into result data or a :class:`CustomToolError`.
    """

    slug: str
    fn: Callable[..., Any] = attrs.field(repr=False)
    args: tuple[Any, ...] = attrs.field(repr=False)
    kwargs: dict[str, Any] = attrs.field(repr=False)
    is_async: bool

    async def run(self) -> dict[str, Any]:
        """Run it: an ``async def`` tool on the loop, a ``def`` tool in one of anyio's worker threads."""
        if self.is_async:
            return await self.run_async()
        return await anyio.to_thread.run_sync(self.run_blocking)

    async def run_async(self) -> dict[str, Any]:
        """Await an ``async def`` tool."""
        try:
            result = await self.fn(*self.args, **self.kwargs)
        except Exception as exc:  # BaseException (cancellation) propagates untouched
            raise CustomToolError(self.slug, str(exc) or type(exc).__name__) from exc
        return _normalise_result(self.slug, result)

    def run_blocking(self) -> dict[str, Any]:
        """Call a ``def`` tool in this thread (a worker thread: it blocks)."""
        try:
            result = self.fn(*self.args, **self.kwargs)
        except Exception as exc:
            raise CustomToolError(self.slug, str(exc) or type(exc).__name__) from exc
        return _normalise_result(self.slug, result)


@overload
def tool(fn: Callable[P, R], /) -> CustomTool[P, R]: ...


@overload
def tool(
    *,
    slug: str | None = None,
    name: str | None = None,
    description: str | None = None,
    extends_toolkit: str | None = None,
    output_schema: Mapping[str, Any] | None = None,
    preload: bool = False,
) -> Callable[[Callable[P, R]], CustomTool[P, R]]: ...


def tool(
    fn: Callable[P, R] | None = None,
    /,
    *,
    slug: str | None = None,
    name: str | None = None,
    description: str | None = None,
    extends_toolkit: str | None = None,
    output_schema: Mapping[str, Any] | None = None,
    preload: bool = False,
) -> CustomTool[P, R] | Callable[[Callable[P, R]], CustomTool[P, R]]:
    """Turn a function (sync or async) into a :class:`CustomTool`; bare or with options.

    ``slug`` defaults to the function name upper-cased, ``name`` to the function name
    in words (``grep_files`` -> ``"Grep Files"``), ``description`` to the docstring.
    ``extends_toolkit`` makes the tool part of a Composio toolkit (final slug
    ``LOCAL_<TOOLKIT>_<SLUG>``) and lets it use that toolkit's connection.
    """

    def decorate(f: Callable[P, R]) -> CustomTool[P, R]:
        return CustomTool.from_function(
            f,
            slug=slug,
            name=name,
            description=description,
            extends_toolkit=extends_toolkit,
            output_schema=output_schema,
            preload=preload,
        )

    return decorate if fn is None else decorate(fn)


def _tools_tuple(tools: Sequence[CustomTool[..., Any]]) -> tuple[CustomTool[..., Any], ...]:
    return tuple(tools)


@attrs.frozen(eq=False, kw_only=True)
class CustomToolkit:
    """A group of custom tools under a toolkit of their own (final slugs ``LOCAL_<TOOLKIT>_<TOOL>``).

    Toolkit tools need no connected account and may not set ``extends_toolkit``.
    """

    slug: str
    name: str
    description: str = attrs.field(repr=False)
    tools: tuple[CustomTool[..., Any], ...] = attrs.field(converter=_tools_tuple, repr=False)
    preload: bool = False

    def __attrs_post_init__(self) -> None:
        what = f"custom toolkit {self.slug!r}"
        _require_slug(self.slug, what, "Pass a slug such as 'notes'.")
        _require_text(self.name, "name", what, _MAX_NAME)
        _require_text(self.description, "description", what, _MAX_TOOLKIT_DESCRIPTION)
        if not 1 <= len(self.tools) <= _MAX_TOOLKIT_TOOLS:
            raise CustomToolDefinitionError(
                f"{what}: has {len(self.tools)} tools; a toolkit takes 1 to {_MAX_TOOLKIT_TOOLS}"
            )
        seen: dict[str, CustomTool[..., Any]] = {}
        for t in self.tools:
            if not isinstance(t, CustomTool):
                raise CustomToolDefinitionError(
                    f"{what}: {t!r} is not a custom tool; decorate it with @tool first"
                )
            if t.extends_toolkit is not None:
                raise CustomToolDefinitionError(
                    f"{what}: tool {t.slug!r} sets extends_toolkit={t.extends_toolkit!r}, which "
                    "toolkit tools may not do; drop it or register the tool on its own"
                )
            final = _final_slug(f"{what}: tool {t.slug!r}", self.slug, t.slug)
            other = seen.get(final)
            if other is not None:
                raise CustomToolDefinitionError(
                    f"{what}: tools {other.slug!r} and {t.slug!r} both get the final slug "
                    f"{final}; give one of them another slug"
                )
            seen[final] = t


# --------------------------------------------------------------------------- registry


@attrs.frozen(eq=False)
class RegisteredCustomTool:
    """A custom tool as registered in a session, under its final ``LOCAL_…`` slug."""

    slug: str
    original_slug: str
    name: str
    description: str = attrs.field(repr=False)
    input_schema: dict[str, Any] = attrs.field(repr=False)
    output_schema: dict[str, Any] | None = attrs.field(repr=False)
    toolkit: str | None
    """The custom toolkit's slug, else the extended Composio toolkit, else None."""
    extends_toolkit: str | None
    tool: CustomTool[..., Any] = attrs.field(repr=False)

    async def run(self, arguments: Mapping[str, Any], *, session: ContextSession | None = None) -> dict[str, Any]:
        """:meth:`CustomTool.run`, with errors naming the final slug."""
        return await self.bind(arguments, session=session).run()

    def bind(self, arguments: Mapping[str, Any], *, session: ContextSession | None = None) -> BoundCall:
        """:meth:`CustomTool.bind`, with errors naming the final slug."""
        return self.tool.bind(arguments, session=session, slug=self.slug)


@attrs.frozen(eq=False)
class RegisteredCustomToolkit:
    """A custom toolkit as registered in a session."""

    slug: str
    name: str
    description: str = attrs.field(repr=False)
    tools: list[RegisteredCustomTool]


def _wire_tool(t: CustomTool[..., Any], *, standalone: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "slug": t.slug,
        "name": t.name,
        "description": t.description,
        "input_schema": t.input_schema,
    }
    if t.output_schema is not None:
        out["output_schema"] = t.output_schema
    if standalone and t.extends_toolkit is not None:
        out["extends_toolkit"] = t.extends_toolkit
    if t.preload:
        out["preload"] = True
    return out


def _describe_registered(r: RegisteredCustomTool, toolkit_tool: bool) -> str:
    if toolkit_tool:
        return f"tool {r.original_slug!r} in custom toolkit {r.toolkit!r}"
    extends = f" extending {r.extends_toolkit!r}" if r.extends_toolkit else ""
    return f"tool {r.original_slug!r}{extends}"


class CustomToolRegistry:
    """The custom tools and toolkits of one session: final slugs, wire payload, routing.

    Lookups by slug are dictionary hits (they sit on every execute). Final slugs are
    computed locally (spec §3.5) and replaced by the server's when it echoes them
    (:meth:`apply_echo`). The same tool object may be listed once on its own and
    again inside toolkits (it then has several final slugs), but not twice on its own.
    """

    __slots__ = ("_bare", "_by_final", "_payload", "_standalone", "_toolkits")

    def __init__(
        self, tools: Sequence[CustomTool[..., Any]] = (), toolkits: Sequence[CustomToolkit] = ()
    ) -> None:
        standalone: list[RegisteredCustomTool] = []
        seen_tools: set[int] = set()
        for t in tools:
            if not isinstance(t, CustomTool):
                raise CustomToolDefinitionError(
                    f"{t!r} is not a custom tool; decorate the function with @tool first"
                )
            if id(t) in seen_tools:
                raise CustomToolDefinitionError(
                    f"custom tool {t.slug!r} is listed twice in tools; list it once"
                )
            seen_tools.add(id(t))
            parts = (t.extends_toolkit, t.slug) if t.extends_toolkit else (t.slug,)
            standalone.append(
                RegisteredCustomTool(
                    slug=_final_slug(f"custom tool {t.slug!r}", *parts),
                    original_slug=t.slug,
                    name=t.name,
                    description=t.description,
                    input_schema=t.input_schema,
                    output_schema=t.output_schema,
                    toolkit=t.extends_toolkit,
                    extends_toolkit=t.extends_toolkit,
                    tool=t,
                )
            )
        registered_toolkits: list[RegisteredCustomToolkit] = []
        toolkit_slugs: dict[str, str] = {}
        for tk in toolkits:
            if not isinstance(tk, CustomToolkit):
                raise CustomToolDefinitionError(f"{tk!r} is not a CustomToolkit")
            previous = toolkit_slugs.get(tk.slug.upper())
            if previous is not None:
                raise CustomToolDefinitionError(
                    f"custom toolkits {previous!r} and {tk.slug!r} have the same slug; "
                    "give each toolkit its own slug"
                )
            toolkit_slugs[tk.slug.upper()] = tk.slug
            members = [
                RegisteredCustomTool(
                    slug=_final_slug(f"custom toolkit {tk.slug!r}: tool {t.slug!r}", tk.slug, t.slug),
                    original_slug=t.slug,
                    name=t.name,
                    description=t.description,
                    input_schema=t.input_schema,
                    output_schema=t.output_schema,
                    toolkit=tk.slug,
                    extends_toolkit=None,
                    tool=t,
                )
                for t in tk.tools
            ]
            registered_toolkits.append(
                RegisteredCustomToolkit(tk.slug, tk.name, tk.description, members)
            )
        self._standalone = standalone
        self._toolkits = registered_toolkits
        self._by_final: dict[str, RegisteredCustomTool] = {}
        self._bare: dict[str, RegisteredCustomTool | tuple[str, ...]] = {}
        self._index(strict=True)

        payload: dict[str, Any] = {}
        if tools:
            payload["custom_tools"] = [_wire_tool(t, standalone=True) for t in tools]
        if toolkits:
            payload["custom_toolkits"] = [
                {
                    "slug": tk.slug,
                    "name": tk.name,
                    "description": tk.description,
                    "tools": [_wire_tool(t, standalone=False) for t in tk.tools],
                    **({"preload": True} if tk.preload else {}),
                }
                for tk in toolkits
            ]
        self._payload = payload

    def _all(self) -> list[tuple[RegisteredCustomTool, bool]]:
        return [(r, False) for r in self._standalone] + [
            (r, True) for tk in self._toolkits for r in tk.tools
        ]

    def _index(self, *, strict: bool) -> bool:
        """Rebuild the lookup dicts; on a final-slug clash raise (strict) or keep the old ones."""
        by_final: dict[str, tuple[RegisteredCustomTool, bool]] = {}
        bare: dict[str, list[str]] = {}
        for r, in_toolkit in self._all():
            key = r.slug.upper()
            clash = by_final.get(key)
            if clash is not None:
                if not strict:
                    return False
                raise CustomToolDefinitionError(
                    f"custom {_describe_registered(clash[0], clash[1])} and "
                    f"{_describe_registered(r, in_toolkit)} both get the final slug {r.slug}; "
                    "rename one of them"
                )
            by_final[key] = (r, in_toolkit)
            bare.setdefault(r.original_slug.upper(), []).append(r.slug)
        self._by_final = {k: v[0] for k, v in by_final.items()}
        self._bare = {
            k: self._by_final[v[0].upper()] if len(v) == 1 else tuple(v) for k, v in bare.items()
        }
        return True

    def wire_payload(self) -> dict[str, Any]:
        """The ``experimental`` members to send: ``custom_tools`` / ``custom_toolkits`` (spec §3.5).

        Keys are omitted when empty. Built once and shared: do not mutate it.
        """
        return self._payload

    def resolve(self, slug: str) -> RegisteredCustomTool | None:
        """The custom tool ``slug`` names, or None when it is not a custom slug.

        Accepts the final slug (``LOCAL_GREP``) or, case-insensitively, a user slug
        (``grep``) that exactly one registered tool has. Raises
        :class:`ToolNotFoundError` for an ambiguous user slug (the message lists the
        final slugs to choose from) and for a ``LOCAL_`` slug no tool has (custom
        tools only run in-process, so sending it to the server cannot work).
        """
        key = slug.upper()
        hit = self._by_final.get(key)
        if hit is not None:
            return hit
        if key.startswith("LOCAL_"):
            known = ", ".join(self._by_final) or "none"
            raise ToolNotFoundError(
                f"no custom tool {slug} is registered in this session (custom tools: {known})"
            )
        match = self._bare.get(key)
        if match is None or isinstance(match, RegisteredCustomTool):
            return match
        raise ToolNotFoundError(
            f"custom tool slug {slug!r} is ambiguous: it matches {', '.join(match)}; "
            "call one of these full slugs"
        )

    def is_local(self, slug: str) -> bool:
        """Whether ``slug`` is handled in-process (:meth:`resolve` returns a tool or raises)."""
        key = slug.upper()
        return key.startswith("LOCAL_") or key in self._bare

    def apply_echo(
        self, custom_tools: Sequence[Mapping[str, Any]], custom_toolkits: Sequence[Mapping[str, Any]]
    ) -> None:
        """Adopt the final slugs the server echoed for this registry's definitions.

        Echoes that match no local definition, or are malformed, are ignored; a
        definition without an echo keeps its local slug. Should the adopted slugs
        clash with each other, the echo is ignored as a whole.
        """
        standalone = list(self._standalone)
        for echo in custom_tools or ():
            final, original = _echo_slugs(echo)
            if final is None or original is None:
                continue
            extends = echo.get("extends_toolkit")
            candidates = [
                i
                for i, r in enumerate(standalone)
                if r.original_slug.upper() == original
                and (not isinstance(extends, str) or (r.extends_toolkit or "").upper() == extends.upper())
            ]
            if len(candidates) == 1:
                standalone[candidates[0]] = attrs.evolve(standalone[candidates[0]], slug=final)
        toolkits = list(self._toolkits)
        for echo in custom_toolkits or ():
            tk_slug = echo.get("slug") if isinstance(echo, Mapping) else None
            echoed_tools = echo.get("tools") if isinstance(echo, Mapping) else None
            if not isinstance(tk_slug, str) or not isinstance(echoed_tools, Sequence):
                continue
            for i, tk in enumerate(toolkits):
                if tk.slug.upper() != tk_slug.upper():
                    continue
                members = list(tk.tools)
                for tool_echo in echoed_tools:
                    final, original = _echo_slugs(tool_echo)
                    if final is None or original is None:
                        continue
                    for j, r in enumerate(members):
                        if r.original_slug.upper() == original:
                            members[j] = attrs.evolve(r, slug=final)
                toolkits[i] = attrs.evolve(tk, tools=members)
        old = (self._standalone, self._toolkits)
        self._standalone, self._toolkits = standalone, toolkits
        if not self._index(strict=False):
            self._standalone, self._toolkits = old

    def tools(self, toolkit: str | None = None) -> list[RegisteredCustomTool]:
        """All registered tools, or those of one toolkit (custom or extended; any case)."""
        everything = [r for r, _ in self._all()]
        if toolkit is None:
            return everything
        wanted = toolkit.upper()
        return [r for r in everything if r.toolkit is not None and r.toolkit.upper() == wanted]

    def toolkits(self) -> list[RegisteredCustomToolkit]:
        """The registered custom toolkits, in definition order."""
        return list(self._toolkits)

    def __len__(self) -> int:
        return len(self._by_final)

    def __bool__(self) -> bool:
        return bool(self._by_final)

    def __repr__(self) -> str:
        return f"CustomToolRegistry({', '.join(self._by_final)})"


def _echo_slugs(echo: Any) -> tuple[str | None, str | None]:
    if not isinstance(echo, Mapping):
        return None, None
    final, original = echo.get("slug"), echo.get("original_slug")
    if not isinstance(final, str) or not final or not isinstance(original, str):
        return None, None
    return final, original.upper()
