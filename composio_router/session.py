"""``AsyncSession``: every operation on one Tool Router session.

Methods are thin on purpose: check the arguments, then hand the work to the module
that owns it. How a tool call runs is :mod:`.execution`'s job, batches are
:mod:`.fanout`'s, a model's tool calls :mod:`.tool_calls`', the tool cache
:mod:`._session_tools`', search splitting :mod:`._search`', workbench files
:mod:`.files`' (under ``session.experimental``, as the official SDK places them), the
configuration body :mod:`.session_config`'s. Retries, deadlines and error mapping live
in the transport, once.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from . import fanout
from ._checks import (
    check_arguments,
    check_cursor,
    check_finite,
    check_limit,
    check_slug,
    check_text,
    proxy_parameter,
)
from ._config import url_origin
from ._retry import Idempotency
from ._routes import session_path
from ._search import check_queries, check_toolkit_slugs, merge_searches, search_bodies
from ._session_tools import SessionTools
from ._transport import encode_query
from .connections import AsyncConnectionRequest, fetch_connected_account
from .errors import (
    ComposioError,
    ConflictError,
    InvalidInputError,
    SessionConfigConflictError,
    scrub_text,
)
from .execution import META_TOOL_SLUGS, Executor, model_calls
from .experimental import AsyncSessionExperimental
from .files import AsyncSessionFiles
from .models._converter import structure_response
from .models._unset import UNSET, Unset
from .models.batch import BatchItemResult, MultiExecuteResult, ToolCall
from .models.connections import AuthLink, ConnectedAccount
from .models.execution import ExecuteResult, ProxyExecuteResult, ProxyMethod
from .models.pages import Page
from .models.search import SearchResponse
from .models.session import (
    ConfigHistoryEntry,
    DeletedSession,
    McpServer,
    SessionConfig,
    SessionInfo,
)
from .models.toolkits import ToolkitInfo
from .models.tools import Tool
from .modifiers import (
    Modifier,
    Modifiers,
    apply_after_execute,
    apply_before_execute,
    has_execute_modifiers,
    modify_batch,
    modify_batch_item,
    modify_calls,
    normalize_modifiers,
    tool_identity,
)
from .pagination import iterate_pages
from .providers._base import BaseProvider, Provider, ToolBinding
from .tool_calls import SessionToolRunner, execute_tool_calls

ToolsT = TypeVar("ToolsT")

if TYPE_CHECKING:
    from typing import Unpack

    from ._transport import Transport
    from .custom_tools import CustomToolRegistry, RegisteredCustomTool, RegisteredCustomToolkit
    from .session_config import SessionSettings

__all__ = ["META_TOOL_SLUGS", "PROXY_METHODS", "AsyncSession", "SessionDefaults"]

PROXY_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"})
_TOOLKITS_PAGE_MAX = 50
_HISTORY_PAGE_MAX = 100


class SessionDefaults(Protocol):
    """What a session reads from its client on every call, so later changes apply (the client)."""

    @property
    def provider(self) -> Provider[Any]: ...

    @property
    def modifiers(self) -> tuple[Modifier, ...]: ...


class AsyncSession:
    """A Tool Router session: the tools, connections and executions of one user.

    Get one from :meth:`AsyncComposio.create` or :meth:`AsyncComposio.use`; it shares
    the client's connection pool and lives as long as the client.
    """

    def __init__(
        self,
        defaults: SessionDefaults,
        transport: Transport,
        info: SessionInfo,
        *,
        custom_tools: CustomToolRegistry | None = None,
    ) -> None:
        self._defaults = defaults
        self._transport = transport
        self._path = session_path(info.session_id)
        self._custom = custom_tools
        self._tools = SessionTools(transport, self._path, custom_tools)
        self._telemetry = transport.telemetry
        self._executor = Executor(transport, self._path, custom_tools, context=self)
        self._assistive_prompt: str | None = None
        self.experimental = AsyncSessionExperimental(
            AsyncSessionFiles(transport, self._path), lambda: self._assistive_prompt
        )
        """The official SDK's ``session.experimental``: ``files`` (the workbench's file mount:
        list, upload, download, delete) and ``assistive_prompt``."""
        self._apply_info(info)

    def _apply_info(self, info: SessionInfo) -> None:
        self.info = info
        """The last session object the server returned."""
        if info.experimental is not None:
            if info.experimental.assistive_prompt is not None:
                # Only create's answer carries it: later answers (update, refresh) must not erase it.
                self._assistive_prompt = info.experimental.assistive_prompt
            if self._custom is not None:
                self._custom.apply_echo(info.experimental.custom_tools or (), info.experimental.custom_toolkits or ())

    # -- properties ---------------------------------------------------------------------

    @property
    def session_id(self) -> str:
        return self.info.session_id

    @property
    def user_id(self) -> str:
        return self.info.config.user_id

    @property
    def config(self) -> SessionConfig:
        return self.info.config

    @property
    def config_version(self) -> int:
        return self.info.config_version

    @property
    def tool_router_tools(self) -> list[str]:
        """Slugs of the meta tools this session exposes."""
        return list(self.info.tool_router_tools)

    @property
    def mcp(self) -> McpServer:
        """The hosted MCP server: ``type``, ``url`` and the ``headers`` an MCP client needs.

        The API key is attached only when the URL has the API's origin (spec §1.3):
        a key is never handed to another host.
        """
        headers = {}
        if url_origin(self.info.mcp.url) == self._transport.options.origin:
            headers["x-api-key"] = self._transport.options.api_key
        return McpServer(type=self.info.mcp.type, url=self.info.mcp.url, headers=headers)

    def __repr__(self) -> str:
        # Scrubbed: both ids come from the server, which could echo the key in them.
        return scrub_text(
            f"AsyncSession(session_id={self.session_id!r}, user_id={self.user_id!r}, config_version={self.config_version})"
        )

    # -- tools and providers ----------------------------------------------------------------

    async def get_meta_tools(self, *, refresh: bool = False, timeout: float | None | Unset = UNSET) -> list[Tool]:
        """The session's tools (meta tools, preloaded app tools, custom tools) with schemas.

        Follows every page of ``GET …/tools``, all within one ``timeout``. The list is
        cached for the session's life; ``refresh=True`` fetches it again (after an update,
        for instance).
        """
        with self._telemetry.operation("tools", session_id=self.session_id):
            return await self._tools.get(refresh=refresh, timeout=timeout)

    def _modifiers(self, modifiers: Modifiers) -> tuple[Modifier, ...]:
        # The client's modifiers first, then the call's own. Most calls pass none: the
        # client's tuple is already normalised (this sits on every execute).
        if modifiers is None:
            return self._defaults.modifiers
        return normalize_modifiers(self._defaults.modifiers, modifiers)

    def _identify(self, tool_slug: str) -> tuple[str, str]:
        return tool_identity(tool_slug, registry=self._custom, tools=self._tools.cached)

    async def tools(self, modifiers: Modifiers = None) -> Any:
        """The session's tools in the client's provider format, ready to hand to an LLM.

        Default provider: OpenAI Chat Completions (``{"type": "function", ...}``). Schema
        ``modifiers`` (after the client's own) rewrite the tools first. The schemas come
        from the session's cache: see :meth:`get_meta_tools` to refresh them. Typed ``Any``
        because the client's provider decides the format; :meth:`get_provider_tools` is
        typed by the provider you pass.
        """
        return await self.get_provider_tools(self._defaults.provider, modifiers)

    async def get_provider_tools(self, provider: Provider[ToolsT], modifiers: Modifiers = None) -> ToolsT:
        """The session's tools converted for ``provider`` (e.g. ``AnthropicProvider()``), not the client's.

        Typed by the provider: ``get_provider_tools(AnthropicProvider())`` is a
        ``list[dict[str, Any]]`` to mypy, ``LangChainProvider()`` a list of tools.
        """
        _check_provider(provider)
        mods = self._modifiers(modifiers)
        # Tools that run themselves (LangChain's) call back through this runner, with the
        # execute modifiers of this call.
        runner = SessionToolRunner(self._run_model_calls, modifiers, timeout=self._transport.options.timeout)
        binding = ToolBinding(runner=runner, mcp=self.mcp)
        return provider.wrap_tools(await self.get_meta_tools(), modifiers=mods, binding=binding)

    async def handle_tool_calls(
        self,
        response: Any,
        *,
        provider: Provider[Any] | None = None,
        modifiers: Modifiers = None,
        timeout: float | None | Unset = UNSET,
    ) -> list[Any]:
        """Run every tool call of a model response concurrently; return the answers, in call order.

        ``response`` is the provider SDK's response (``ChatCompletion``, ``Message``,
        ``Response``, ``GenerateContentResponse``, ``AIMessage``) or its ``model_dump()``
        dict, read by ``provider`` (default: the client's). Arguments may be a JSON
        string, empty or null. All calls go through :meth:`multi_execute` (custom tools
        included, execute ``modifiers`` applied; over 20 calls run as consecutive batches
        of 20, each bounded by ``timeout``). Each answer is that provider's message
        (``role: tool`` messages, ``tool_result`` blocks, ``function_call_output`` items,
        ``function_response`` parts) whose content is the JSON of
        ``{"successful", "data", "error"}``. A failed call is an answer, not an exception.
        """
        with self._telemetry.operation("handle_tool_calls", session_id=self.session_id):
            chosen = provider if provider is not None else self._defaults.provider
            _check_provider(chosen)
            try:
                calls = chosen.parse_tool_calls(response)
            except ComposioError:
                raise  # the provider's own typed error says it best (McpProvider's, say)
            except (TypeError, AttributeError, ValueError, KeyError, IndexError) as exc:
                # A response of the wrong shape (5, {"tool_calls": 5}): the caller's input,
                # said as such, rather than whatever the provider's reading tripped on.
                raise InvalidInputError(
                    f"{type(chosen).__name__} could not read tool calls from this response "
                    f"({type(exc).__name__}); pass the model's response or its model_dump()"
                ) from exc
            if not calls:
                return []
            if chosen.needs_tool_schemas:
                schemas = {t.slug: t.input_parameters for t in await self.get_meta_tools()}
                calls = chosen.prepare_calls(calls, schemas)
            outputs = await execute_tool_calls(self._run_model_calls, calls, modifiers=modifiers, timeout=timeout)
            return chosen.format_results(outputs)

    async def _run_model_calls(
        self, calls: Sequence[ToolCall], *, modifiers: Modifiers = None, timeout: float | None | Unset = UNSET
    ) -> MultiExecuteResult:
        """:meth:`multi_execute` for the calls a model made: their remote requests carry
        ``enable_auto_workbench_offload``, as the official SDKs send it for provider tool
        calls (spec §4.7, §5), so a too-large result becomes a workbench preview."""
        with model_calls():
            return await self.multi_execute(calls, modifiers=modifiers, timeout=timeout)

    def custom_tools(self, toolkit: str | None = None) -> list[RegisteredCustomTool]:
        """The custom tools bound to this session, with final ``LOCAL_…`` slugs and schemas."""
        return self._custom.tools(toolkit) if self._custom is not None else []

    def custom_toolkits(self) -> list[RegisteredCustomToolkit]:
        """The custom toolkits bound to this session."""
        return self._custom.toolkits() if self._custom is not None else []

    # -- search ---------------------------------------------------------------------------

    async def search(
        self,
        query: str | Sequence[str],
        *,
        model: str | None = None,
        known_fields: str | None = None,
        search_strategy: Literal["auto", "tool_search"] | None = None,
        toolkits: Sequence[str] | None = None,
        timeout: float | None | Unset = UNSET,
    ) -> SearchResponse:
        """Find tools for one or more use cases.

        ``toolkits`` narrows the results to those toolkits (the vendor's TypeScript SDK
        sends the same field). More than seven queries are split into concurrent requests
        of seven (the server's limit) and merged back in order.
        """
        with self._telemetry.operation("search", session_id=self.session_id):
            queries = check_queries(query, known_fields, search_strategy)
            bodies = search_bodies(
                queries, model=model, known_fields=known_fields, search_strategy=search_strategy,
                toolkits=check_toolkit_slugs(toolkits), customs=self._executor.customs_payload(),
            )

            async def one(body: dict[str, Any]) -> SearchResponse:
                data = await self._transport.request(
                    "POST", self._path + "/search", body=body, idempotency=Idempotency.SAFE, timeout=timeout
                )
                return structure_response(data, SearchResponse)

            if len(bodies) == 1:
                return await one(bodies[0])
            return merge_searches(await fanout.gather_in_order([functools.partial(one, b) for b in bodies]))

    # -- execution --------------------------------------------------------------------------

    async def execute(
        self,
        tool_slug: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        account: str | None = None,
        timeout: float | None | Unset = UNSET,
        input_responses: Mapping[str, Any] | None = None,
        request_state: str | None = None,
        modifiers: Modifiers = None,
        idempotency_key: str | None = None,
    ) -> ExecuteResult:
        """Run one tool: an app tool, a meta tool, or a custom tool (in this process).

        Custom tools may be named by their final slug (``LOCAL_GREP``) or their own
        (``GREP``). A ``COMPOSIO_MULTI_EXECUTE_TOOL`` batch that contains custom tools
        is split: those run here, the rest in one remote call, merged in request order.
        Not retried on failure unless the request provably did not run.
        ``before_execute`` / ``after_execute`` ``modifiers`` (after the client's own)
        rewrite the arguments and the result.
        ``idempotency_key`` (sent in the client's ``idempotency_header``) opts this call
        into retries after it may have run: use it only when your server or gateway
        deduplicates by that header.
        """
        with self._telemetry.tool(
            str(tool_slug), local=self._is_local(tool_slug), session_id=self.session_id,
            toolkit=functools.partial(self._toolkit_of, tool_slug),
        ) as span:
            mods = self._modifiers(modifiers)
            if not has_execute_modifiers(mods):
                result = await self._executor.execute(
                    tool_slug, arguments, account=account, timeout=timeout, input_responses=input_responses,
                    request_state=request_state, idempotency_key=idempotency_key,
                )
            else:
                check_slug(tool_slug)
                slug, toolkit = self._identify(tool_slug)
                args = await apply_before_execute(mods, slug, toolkit, check_arguments(arguments))
                result = await self._executor.execute(
                    tool_slug, args, account=account, timeout=timeout, input_responses=input_responses,
                    request_state=request_state, idempotency_key=idempotency_key,
                )
                result = await apply_after_execute(mods, slug, toolkit, result)
            span.result(result)
            return result

    def _toolkit_of(self, tool_slug: object) -> str | None:
        # For spans only, and only when they are recorded (telemetry calls this lazily):
        # the lookup is modifiers' own.
        if not isinstance(tool_slug, str) or not tool_slug:
            return None
        return self._identify(tool_slug)[1]

    def _is_local(self, tool_slug: object) -> bool:
        # For spans only: whether the slug names a custom tool (no error if it is malformed).
        return self._custom is not None and isinstance(tool_slug, str) and self._custom.is_local(tool_slug)

    async def execute_meta(
        self,
        slug: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        timeout: float | None | Unset = UNSET,
        input_responses: Mapping[str, Any] | None = None,
        request_state: str | None = None,
        idempotency_key: str | None = None,
    ) -> ExecuteResult:
        """Run a meta tool through ``POST …/execute_meta`` (spec §4.8).

        Only the seven meta slugs that endpoint accepts; run ``COMPOSIO_SUBMIT_FEEDBACK``
        and ``COMPOSIO_PROXY_EXECUTE`` with :meth:`execute`. Custom tools inside a
        multi-execute batch run in this process, as with :meth:`execute`.
        ``idempotency_key`` (sent in the client's ``idempotency_header``) opts this call
        into retries after it may have run: use it only when your server or gateway
        deduplicates by that header.
        """
        with self._telemetry.tool(str(slug), operation="execute_meta", session_id=self.session_id) as span:
            result = await self._executor.execute(
                slug, arguments, endpoint="execute_meta", timeout=timeout, input_responses=input_responses,
                request_state=request_state, idempotency_key=idempotency_key,
            )
            span.result(result)
            return result

    async def multi_execute(
        self,
        calls: Sequence[ToolCall],
        *,
        max_concurrency: int = 20,
        timeout: float | None | Unset = UNSET,
        modifiers: Modifiers = None,
        idempotency_key: str | None = None,
    ) -> MultiExecuteResult:
        """Run up to 20 tool calls concurrently and return their results in request order.

        ``calls`` are ``(slug, arguments)`` pairs or ``{"tool_slug": ..., "arguments": ...,
        "account": ...}`` mappings. Custom tools run in this process next to the remote
        ones; one item's failure is recorded in its slot and never loses the others.
        ``before_execute`` modifiers (after the client's own) run on each item before the
        batch starts, ``after_execute`` ones on each item's result.
        Each failure is typed in its slot (``item.exception``). With ``idempotency_key``,
        remote item ``i`` is sent with the key ``f"{idempotency_key}:{i}"`` and may be
        retried after it may have run (see :meth:`execute`).
        """
        size = len(calls) if isinstance(calls, Sequence) else None
        with self._telemetry.operation("multi_execute", session_id=self.session_id, batch_size=size) as span:
            mods = self._modifiers(modifiers)
            items: Sequence[object] = calls
            if has_execute_modifiers(mods):
                items = await modify_calls(mods, calls, self._identify)
            batch = await fanout.multi_execute(
                self._executor, items, max_concurrency=max_concurrency, timeout=timeout,
                idempotency_key=idempotency_key,
            )
            batch = await modify_batch(mods, batch, self._identify)
            span.set("composio.batch_errors", batch.error_count)
            return batch

    async def iter_multi_execute(
        self,
        calls: Sequence[ToolCall],
        *,
        max_concurrency: int = 20,
        timeout: float | None | Unset = UNSET,
        modifiers: Modifiers = None,
        idempotency_key: str | None = None,
    ) -> AsyncGenerator[BatchItemResult, None]:
        """Like :meth:`multi_execute`, but yields each item's result as soon as it completes.

        Leaving the loop early in any way (``break``, an exception, dropping the iterator)
        cancels the items still running; closing the iterator also waits for them to stop.
        """
        mods = self._modifiers(modifiers)
        items: Sequence[object] = calls
        if has_execute_modifiers(mods):
            items = await modify_calls(mods, calls, self._identify)
        # The batch runs in its own task (fanout.BatchStream); this generator never yields
        # inside a task group, so however the caller leaves the loop (break, an exception,
        # dropping the generator), closing it later from another task is harmless.
        stream = fanout.iter_multi_execute(
            self._executor, items, max_concurrency=max_concurrency, timeout=timeout, idempotency_key=idempotency_key
        )
        try:
            async for item in stream:
                yield await modify_batch_item(mods, item, self._identify)
        finally:
            await stream.aclose()  # cancels the items still running

    async def proxy_execute(
        self,
        toolkit: str,
        endpoint: str,
        method: ProxyMethod,
        body: Any = None,
        parameters: Sequence[Mapping[str, Any]] | None = None,
        *,
        timeout: float | None | Unset = UNSET,
        idempotency_key: str | None = None,
    ) -> ProxyExecuteResult:
        """Call the toolkit's own API with the user's credentials injected (spec §4.10).

        ``parameters`` items are ``{"name", "value", "type": "header" | "query"}``
        (``in`` is accepted for ``type``; default ``header``; values are stringified).
        Not retried once it may have run, unless given an ``idempotency_key`` (see :meth:`execute`).
        """
        with self._telemetry.operation("proxy_execute", session_id=self.session_id, toolkit=toolkit if isinstance(toolkit, str) else None):
            check_slug(toolkit, "toolkit")
            check_slug(endpoint, "endpoint")
            verb = method.upper() if isinstance(method, str) else method
            if verb not in PROXY_METHODS:
                raise InvalidInputError(f"method must be one of {sorted(PROXY_METHODS)}, got {method!r}")
            wire: dict[str, Any] = {"toolkit_slug": toolkit, "endpoint": endpoint, "method": verb}
            if body is not None:
                check_finite(body, "body")
                wire["body"] = body
            if parameters is not None:
                if isinstance(parameters, str | bytes | Mapping) or not isinstance(parameters, Sequence):
                    raise InvalidInputError(
                        f"parameters must be a list of {{'name', 'value', 'type'}} mappings, got {type(parameters).__name__}"
                    )
                wire["parameters"] = [proxy_parameter(p) for p in parameters]
            data = await self._transport.request(
                "POST", self._path + "/proxy_execute", body=wire, idempotency=Idempotency.UNSAFE, timeout=timeout,
                idempotency_key=idempotency_key,
            )
            return structure_response(data, ProxyExecuteResult)

    # -- connections ------------------------------------------------------------------------

    async def create_auth_link(
        self,
        toolkit: str,
        callback_url: str | None = None,
        *,
        alias: str | None = None,
        account_type: Literal["PRIVATE", "SHARED"] | None = None,
        acl_config_for_shared: Mapping[str, Any] | None = None,
        timeout: float | None | Unset = UNSET,
        idempotency_key: str | None = None,
    ) -> AuthLink:
        """Create a Connect Link for a toolkit (``POST …/link``).

        Not retried once it may have run (each call starts a new connection), unless
        given an ``idempotency_key`` (see :meth:`execute`).
        """
        check_slug(toolkit, "toolkit")
        body: dict[str, Any] = {"toolkit": toolkit}
        if callback_url is not None:
            body["callback_url"] = check_slug(callback_url, "callback_url")
        if alias is not None:
            body["alias"] = check_slug(alias, "alias")
        experimental: dict[str, Any] = {}
        if account_type is not None:
            if account_type not in ("PRIVATE", "SHARED"):
                raise InvalidInputError(f"account_type must be 'PRIVATE' or 'SHARED', got {account_type!r}")
            experimental["account_type"] = account_type
        if acl_config_for_shared is not None:
            if account_type != "SHARED":
                raise InvalidInputError("acl_config_for_shared is only valid with account_type='SHARED'")
            experimental["acl_config_for_shared"] = check_arguments(acl_config_for_shared, "acl_config_for_shared")
        if experimental:
            body["experimental"] = experimental
        data = await self._transport.request(
            "POST", self._path + "/link", body=body, idempotency=Idempotency.UNSAFE, timeout=timeout,
            idempotency_key=idempotency_key,
        )
        return structure_response(data, AuthLink)

    async def authorize(
        self,
        toolkit: str,
        *,
        callback_url: str | None = None,
        alias: str | None = None,
        timeout: float | None | Unset = UNSET,
        idempotency_key: str | None = None,
    ) -> AsyncConnectionRequest:
        """Start connecting the user's account for a toolkit.

        Send the user to ``request.redirect_url``, then ``await request.wait_for_connection()``.
        """
        link = await self.create_auth_link(
            toolkit, callback_url, alias=alias, timeout=timeout, idempotency_key=idempotency_key
        )
        return AsyncConnectionRequest(
            self._transport,
            id=link.connected_account_id,
            redirect_url=link.redirect_url,
            link_token=link.link_token,
            toolkit=toolkit,
        )

    async def ensure_connected(
        self,
        toolkit: str,
        *,
        callback_url: str | None = None,
        alias: str | None = None,
        timeout: float | None | Unset = UNSET,
    ) -> ConnectedAccount | AsyncConnectionRequest | None:
        """The user's active connection to ``toolkit``, or a request to complete one.

        As the TypeScript SDK's ``ensureConnected``: reads the toolkit's state
        (``GET …/toolkits``); a connected toolkit gives its :class:`ConnectedAccount`, a
        toolkit that needs no authentication gives ``None``, and any other starts a link
        (:meth:`authorize`) and gives its :class:`AsyncConnectionRequest`: send the user to
        its ``redirect_url`` and ``await request.wait_for_connection()``. An unknown or
        disallowed toolkit raises :class:`InvalidInputError`. ``timeout`` bounds each request.
        """
        check_slug(toolkit, "toolkit")
        page = await self.toolkits(toolkits=[toolkit], timeout=timeout)
        item = next((t for t in page.items if t.slug.lower() == toolkit.lower()), None)
        if item is None or not item.enabled:
            raise InvalidInputError(
                f"toolkit {toolkit!r} is not available in this session (unknown, or not allowed by its toolkits filter)"
            )
        if item.is_no_auth:
            return None
        connection = item.connection
        if connection is not None and connection.is_active and connection.connected_account is not None:
            return await fetch_connected_account(self._transport, connection.connected_account.id, timeout=timeout)
        return await self.authorize(toolkit, callback_url=callback_url, alias=alias, timeout=timeout)

    async def toolkits(
        self,
        *,
        toolkits: Sequence[str] | None = None,
        next_cursor: str | None = None,
        limit: int | None = None,
        is_connected: bool | None = None,
        search: str | None = None,
        timeout: float | None | Unset = UNSET,
    ) -> Page[ToolkitInfo]:
        """One page of the session's toolkits and their connection state.

        Each item has the wire's fields and the official SDK's view: ``logo``,
        ``is_no_auth`` and ``connection`` (``is_active``, ``auth_config``,
        ``connected_account``). Pass the page's ``next_cursor`` back for the next one,
        or use :meth:`iter_toolkits`.
        """
        if toolkits is not None and (isinstance(toolkits, str) or not all(isinstance(t, str) and t for t in toolkits)):
            raise InvalidInputError("toolkits must be a list of toolkit slugs")
        if is_connected is not None and not isinstance(is_connected, bool):
            raise InvalidInputError(f"is_connected must be True, False or None, got {is_connected!r}")
        check_cursor(next_cursor)
        check_text(search, "search")
        query = encode_query(
            {
                "cursor": next_cursor,
                "limit": check_limit(limit, _TOOLKITS_PAGE_MAX),
                "search": search,
                "toolkits": list(toolkits) if toolkits is not None else None,
                "is_connected": is_connected,
            }
        )
        data = await self._transport.request(
            "GET", self._path + "/toolkits", query=query, idempotency=Idempotency.SAFE, timeout=timeout
        )
        return structure_response(data, Page[ToolkitInfo])

    async def iter_toolkits(
        self,
        *,
        toolkits: Sequence[str] | None = None,
        limit: int | None = None,
        is_connected: bool | None = None,
        search: str | None = None,
        timeout: float | None | Unset = UNSET,
    ) -> AsyncIterator[ToolkitInfo]:
        """Every toolkit of every page, fetching pages as the iteration reaches them.

        ``timeout`` bounds the whole walk, the time your loop takes between items included.
        """
        async def page(cursor: str | None, remaining: float | None) -> Page[ToolkitInfo]:
            return await self.toolkits(
                toolkits=toolkits, next_cursor=cursor, limit=limit, is_connected=is_connected,
                search=search, timeout=remaining,
            )

        async for item in iterate_pages(page, self._transport.seconds(timeout), "toolkits"):
            yield item

    # -- lifecycle and configuration -------------------------------------------------------------

    async def refresh(self, *, timeout: float | None | Unset = UNSET) -> SessionInfo:
        """Re-read the session (``GET …/session/{id}``) and update this object."""
        data = await self._transport.request("GET", self._path, idempotency=Idempotency.SAFE, timeout=timeout)
        info = structure_response(data, SessionInfo)
        self._apply_info(info)
        return info

    async def update(
        self,
        *,
        expected_config_version: int | None = None,
        timeout: float | None | Unset = UNSET,
        idempotency_key: str | None = None,
        **settings: Unpack[SessionSettings],
    ) -> SessionInfo:
        """Change the session's configuration (``PATCH``), keeping what is not given.

        ``settings`` are those of :meth:`AsyncSessions.create` (see
        :class:`~composio_router.session_config.SessionSettings`), in any of their forms
        (``toolkits={"enable": [...]}``, ``sandbox={...}``, ``execute={...}``, ...). A
        setting left out keeps the stored value; a value replaces it (maps and ``hooks``
        are replaced whole); ``None`` removes the override, for the settings the API lets
        you remove (``connected_accounts``, ``manage_connections``,
        ``workbench``/``sandbox``, ``multi_account``, ``proxy_execute``, ``experimental``,
        ``hooks``). With
        ``expected_config_version``, a concurrent change raises
        :class:`SessionConfigConflictError` (409) instead of being overwritten.
        Retried only when it provably did not run (a refused connection, a 429), or, given
        an ``idempotency_key``, also after connection failures and 5xx; a 409 never is.
        """
        with self._telemetry.operation("session.update", session_id=self.session_id):
            from .session_config import build_config_body  # loaded with the first update

            body = build_config_body(settings, for_update=True)
            if expected_config_version is not None:
                if isinstance(expected_config_version, bool) or not isinstance(expected_config_version, int) or expected_config_version < 1:
                    raise InvalidInputError(f"expected_config_version must be an integer >= 1, got {expected_config_version!r}")
                # Outside the server's typed body (spec §4.3): sent only when the caller asks.
                body["expected_config_version"] = expected_config_version
            try:
                data = await self._transport.request(
                    # UNSAFE: only a refused connection or a 429 is retried (neither ran), never a
                    # 409, so a stale-version conflict is reported once.
                    "PATCH", self._path, body=body, idempotency=Idempotency.UNSAFE, timeout=timeout,
                    idempotency_key=idempotency_key,
                )
            except ConflictError as exc:
                raise SessionConfigConflictError(
                    f"{exc.message}; the session changed "
                    + (f"since config version {expected_config_version}" if expected_config_version else "concurrently")
                    + ": call refresh() and apply your change again",
                    status_code=exc.status_code, body=exc.body, code=exc.code, slug=exc.slug,
                    request_id=exc.request_id, suggested_fix=exc.suggested_fix, errors=exc.errors,
                    method=exc.method, path=exc.path,
                ) from None
            info = structure_response(data, SessionInfo)
            self._apply_info(info)
            self._tools.invalidate()  # the tool set may have changed
            return info

    async def list_config_history(
        self,
        *,
        cursor: str | None = None,
        limit: int | None = None,
        timeout: float | None | Unset = UNSET,
    ) -> Page[ConfigHistoryEntry]:
        """One page of the session's configurations, newest first; the live one is ``is_current``.

        Pass the page's ``next_cursor`` back as ``cursor``, or use :meth:`iter_config_history`.
        """
        check_cursor(cursor)
        query = encode_query({"cursor": cursor, "limit": check_limit(limit, _HISTORY_PAGE_MAX)})
        data = await self._transport.request(
            "GET", self._path + "/config_history", query=query, idempotency=Idempotency.SAFE, timeout=timeout
        )
        return structure_response(data, Page[ConfigHistoryEntry])

    async def iter_config_history(
        self, *, limit: int | None = None, timeout: float | None | Unset = UNSET
    ) -> AsyncIterator[ConfigHistoryEntry]:
        """Every past configuration, newest first, across pages; ``timeout`` bounds the whole walk."""
        async def page(cursor: str | None, remaining: float | None) -> Page[ConfigHistoryEntry]:
            return await self.list_config_history(cursor=cursor, limit=limit, timeout=remaining)

        async for item in iterate_pages(page, self._transport.seconds(timeout), "config history"):
            yield item

    async def delete(self, *, timeout: float | None | Unset = UNSET) -> DeletedSession:
        """Delete the session. It can no longer be used; deleting it again is a 404."""
        with self._telemetry.operation("session.delete", session_id=self.session_id):
            data = await self._transport.request(
                "DELETE", self._path, idempotency=Idempotency.SAFE, timeout=timeout, missing_means_done=True
            )
            if data is None:  # a retry found it gone: the lost earlier attempt deleted it
                return DeletedSession(session_id=self.session_id)
            return structure_response(data, DeletedSession)


def _check_provider(provider: object) -> None:
    # BaseProvider first: a runtime-checkable Protocol's isinstance costs ~14 us.
    if not isinstance(provider, BaseProvider) and not isinstance(provider, Provider):
        raise InvalidInputError(
            f"provider must be a Provider (e.g. OpenAIProvider()), got {type(provider).__name__}"
        )
