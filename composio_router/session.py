"""``AsyncSession``: every operation on one Tool Router session.

Methods are thin on purpose: check the arguments, build the body, call the
transport, structure the response. Retries, deadlines and error mapping live in
the transport, once; batching lives in :mod:`.fanout`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import anyio

from . import fanout
from ._config import is_loopback_host, url_origin
from ._retry import Idempotency
from ._transport import encode_query, path_segment
from .connections import AsyncConnectionRequest
from .errors import (
    APIResponseValidationError,
    ConflictError,
    InvalidInputError,
    SessionConfigConflictError,
    ToolNotFoundError,
)
from .fanout import BatchItemResult, MultiExecuteResult, ToolCall
from .models._converter import structure_response
from .models._unset import UNSET, Unset
from .models.connections import AuthLink
from .models.execution import ExecuteResult, ProxyExecuteResult, ProxyMethod
from .models.files import FilesPage, RemoteFile
from .models.pages import Page
from .models.search import SearchResponse, SearchResult
from .models.session import (
    ConfigHistoryEntry,
    DeletedSession,
    McpServer,
    SessionConfig,
    SessionInfo,
)
from .models.toolkits import ToolkitInfo
from .models.tools import Tool, ToolkitRef
from .pagination import iterate_pages
from .providers import modifiers as _mods
from .providers.modifiers import Modifiers

if TYPE_CHECKING:
    from .client import AsyncComposio
    from .custom_tools import CustomToolRegistry, RegisteredCustomTool, RegisteredCustomToolkit
    from .models.config import (
        Experimental,
        InstantConfig,
        ManageConnections,
        MultiAccount,
        Preload,
        TagFilter,
        ToolFilter,
        ToolkitFilter,
        Workbench,
    )
    from .providers._base import Provider

__all__ = ["META_TOOL_SLUGS", "PROXY_METHODS", "AsyncSession"]

SESSIONS_PATH = "/api/v3.1/tool_router/session"
MULTI_EXECUTE_SLUG = "COMPOSIO_MULTI_EXECUTE_TOOL"
# The seven slugs execute_meta's request type accepts (spec §4.8).
META_TOOL_SLUGS = frozenset(
    {
        "COMPOSIO_SEARCH_TOOLS",
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        "COMPOSIO_MANAGE_CONNECTIONS",
        "COMPOSIO_WAIT_FOR_CONNECTIONS",
        "COMPOSIO_REMOTE_WORKBENCH",
        "COMPOSIO_REMOTE_BASH_TOOL",
        "COMPOSIO_GET_TOOL_SCHEMAS",
    }
)
PROXY_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"})
_SEARCH_BATCH = 7  # the server answers 400 to an 8th query (spec §4.11)
_TOOLS_PAGE = 500  # the largest page GET …/tools serves (spec §4.13)
_TOOLKITS_PAGE_MAX = 50
_HISTORY_PAGE_MAX = 100
_FILES_PAGE_MAX = 500


def _check_arguments(arguments: Mapping[str, Any] | None, what: str = "arguments") -> dict[str, Any]:
    if arguments is None:
        return {}
    if not isinstance(arguments, Mapping):
        raise InvalidInputError(f"{what} must be a mapping of argument names to values, got {type(arguments).__name__}")
    return arguments if isinstance(arguments, dict) else dict(arguments)


def _presigned_url(answer: Mapping[str, Any], key: str) -> str:
    """The storage URL of an upload_url / download_url answer, or a validation error."""
    url = answer.get(key)
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        # https, or plain http to this machine (the emulator's storage): file contents
        # never travel in clear text over a network.
        usable = parts is not None and bool(parts.hostname) and (
            parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(parts.hostname or ""))
        )
    except ValueError:  # e.g. "http://[::1": an unbalanced IPv6 literal
        usable = False
    if not usable:
        raise APIResponseValidationError(
            f"the server's answer has no usable {key} ({type(url).__name__})", status_code=200,
        )
    return str(url)


def _check_slug(slug: object, what: str = "tool_slug") -> str:
    if not isinstance(slug, str) or not slug.strip():
        raise InvalidInputError(f"{what} must be a non-empty string, got {slug!r}")
    return slug


def _check_limit(limit: int | None, maximum: int) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInputError(f"limit must be a positive integer, got {limit!r}")
    return min(limit, maximum)  # the server rejects larger pages (spec §10): clamp


class AsyncSession:
    """A Tool Router session: the tools, connections and executions of one user.

    Get one from :meth:`AsyncComposio.create` or :meth:`AsyncComposio.use`; it shares
    the client's connection pool and lives as long as the client.
    """

    def __init__(
        self,
        client: AsyncComposio,
        info: SessionInfo,
        *,
        custom_tools: CustomToolRegistry | None = None,
    ) -> None:
        self._client = client
        self._transport = client._transport
        self._path = SESSIONS_PATH + "/" + path_segment(info.session_id, what="session_id")
        self._custom = custom_tools
        self._tools_cache: list[Tool] | None = None
        self._apply_info(info)

    def _apply_info(self, info: SessionInfo) -> None:
        self.info = info
        """The last session object the server returned."""
        if self._custom is not None and info.experimental is not None:
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

    @property
    def assistive_prompt(self) -> str | None:
        """The generated system prompt (only present right after create)."""
        exp = self.info.experimental
        return exp.assistive_prompt if exp is not None else None

    def __repr__(self) -> str:
        return f"AsyncSession(session_id={self.session_id!r}, user_id={self.user_id!r}, config_version={self.config_version})"

    def _experimental_customs(self) -> dict[str, Any] | None:
        # v3.1 does not persist custom tools: they travel on every search/execute (spec §3.5).
        if self._custom is None or not self._custom:
            return None
        return self._custom.wire_payload()

    # -- tools ----------------------------------------------------------------------------

    async def get_meta_tools(self, *, refresh: bool = False, timeout: float | None | Unset = UNSET) -> list[Tool]:
        """The session's tools (meta tools, preloaded app tools, custom tools) with schemas.

        Follows every page of ``GET …/tools``. The list is cached for the session's
        life; ``refresh=True`` fetches it again (after an update, for instance).
        """
        if self._tools_cache is not None and not refresh:
            return list(self._tools_cache)
        tools: list[Tool] = []
        cursor: str | None = None
        while True:
            query = encode_query({"limit": _TOOLS_PAGE, "cursor": cursor})
            data = await self._transport.request(
                "GET", self._path + "/tools", query=query, idempotency=Idempotency.SAFE, timeout=timeout
            )
            page = structure_response(data, Page[Tool])
            tools.extend(page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        if self._custom is not None:
            # Custom tools run here, so their schemas come from here too, even if the
            # server did not list them (it does not persist them, spec §3.5).
            known = {tool.slug for tool in tools}
            tools.extend(_custom_tool_model(t) for t in self._custom.tools() if t.slug not in known)
        self._tools_cache = tools
        return list(tools)

    # -- providers (composio_router.providers) ------------------------------------------------

    def _modifiers(self, modifiers: Modifiers) -> tuple[_mods.Modifier, ...]:
        # The client's modifiers first, then the call's own.
        return _mods.normalize_modifiers(self._client.modifiers, modifiers)

    async def tools(self, modifiers: Modifiers = None) -> Any:
        """The session's tools in the client's provider format, ready to hand to an LLM.

        Default provider: OpenAI Chat Completions (``{"type": "function", ...}``). Schema
        ``modifiers`` (after the client's own) rewrite the tools first. The schemas come
        from the session's cache: see :meth:`get_meta_tools` to refresh them.
        """
        return await self.get_provider_tools(self._client.provider, modifiers)

    async def get_provider_tools(self, provider: Provider[Any], modifiers: Modifiers = None) -> Any:
        """The session's tools converted for ``provider`` (e.g. ``AnthropicProvider()``), not the client's."""
        return provider.wrap_tools(await self.get_meta_tools(), modifiers=self._modifiers(modifiers), session=self)

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
        chosen = provider if provider is not None else self._client.provider
        return await chosen.handle_tool_calls(response, self, modifiers=modifiers, timeout=timeout)

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
        timeout: float | None | Unset = UNSET,
    ) -> SearchResponse:
        """Find tools for one or more use cases.

        More than seven queries are split into concurrent requests of seven (the
        server's limit) and merged back in order.
        """
        queries = [query] if isinstance(query, str) else list(query)
        if not queries:
            raise InvalidInputError("search needs at least one query")
        for q in queries:
            if not isinstance(q, str) or not q.strip() or len(q) > 1024:
                raise InvalidInputError(f"each query must be a non-empty string of at most 1024 characters, got {q!r}")
        if known_fields is not None and (not isinstance(known_fields, str) or len(known_fields) > 500):
            raise InvalidInputError("known_fields must be a string of at most 500 characters")
        if search_strategy is not None and search_strategy not in ("auto", "tool_search"):
            raise InvalidInputError(f"search_strategy must be 'auto' or 'tool_search', got {search_strategy!r}")
        chunks = [queries[i : i + _SEARCH_BATCH] for i in range(0, len(queries), _SEARCH_BATCH)]

        async def one(chunk: list[str]) -> SearchResponse:
            body: dict[str, Any] = {
                "queries": [
                    {"use_case": q, **({"known_fields": known_fields} if known_fields is not None else {})}
                    for q in chunk
                ]
            }
            if model is not None:
                body["model"] = model
            if search_strategy is not None:
                body["search_strategy"] = search_strategy
            customs = self._experimental_customs()
            if customs:
                body["experimental"] = customs
            data = await self._transport.request(
                "POST", self._path + "/search", body=body, idempotency=Idempotency.SAFE, timeout=timeout
            )
            return structure_response(data, SearchResponse)

        if len(chunks) == 1:
            return await one(chunks[0])
        return _merge_searches(await fanout.gather_in_order([functools.partial(one, c) for c in chunks]))

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
        mods = self._modifiers(modifiers)
        if not _mods.has_execute_modifiers(mods):
            return await self._execute_routed(
                tool_slug, arguments, account=account, timeout=timeout,
                input_responses=input_responses, request_state=request_state,
                idempotency_key=idempotency_key,
            )
        _check_slug(tool_slug)
        slug, toolkit = _mods.tool_identity(self, tool_slug)
        args = await _mods.apply_before_execute(mods, slug, toolkit, _check_arguments(arguments))
        result = await self._execute_routed(
            tool_slug, args, account=account, timeout=timeout,
            input_responses=input_responses, request_state=request_state,
            idempotency_key=idempotency_key,
        )
        return await _mods.apply_after_execute(mods, slug, toolkit, result)

    async def _execute_routed(
        self,
        tool_slug: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        account: str | None = None,
        timeout: float | None | Unset = UNSET,
        input_responses: Mapping[str, Any] | None = None,
        request_state: str | None = None,
        idempotency_key: str | None = None,
    ) -> ExecuteResult:
        # execute() without modifiers: route to a custom tool, a mixed batch or the server.
        _check_slug(tool_slug)
        args = _check_arguments(arguments)
        if account is not None and (not isinstance(account, str) or not account):
            raise InvalidInputError(f"account must be a non-empty string, got {account!r}")
        if tool_slug == MULTI_EXECUTE_SLUG:
            fanout.check_meta_batch_size(args)
        if self._custom is not None:
            local = self._custom.resolve(tool_slug)
            if local is not None:
                return await fanout.run_local_tool(self, local, args, timeout=timeout)
            if tool_slug == MULTI_EXECUTE_SLUG and self._batch_has_local(args):
                return await fanout.execute_mixed_batch(
                    self, args, endpoint="execute", timeout=timeout, idempotency_key=idempotency_key
                )
        return await self._execute_remote(
            tool_slug, args, account=account, timeout=timeout,
            input_responses=input_responses, request_state=request_state,
            idempotency_key=idempotency_key,
        )

    async def _execute_remote(
        self,
        tool_slug: str,
        arguments: dict[str, Any],
        *,
        account: str | None = None,
        timeout: float | None | Unset = UNSET,
        input_responses: Mapping[str, Any] | None = None,
        request_state: str | None = None,
        idempotency_key: str | None = None,
    ) -> ExecuteResult:
        body: dict[str, Any] = {"tool_slug": tool_slug, "arguments": arguments}
        if account is not None:
            body["account"] = account
        if input_responses is not None:
            body["input_responses"] = dict(input_responses)
        if request_state is not None:
            body["request_state"] = request_state
        customs = self._experimental_customs()
        if customs:
            body["experimental"] = customs
        data = await self._transport.request(
            "POST", self._path + "/execute", body=body, idempotency=Idempotency.UNSAFE, timeout=timeout,
            idempotency_key=idempotency_key,
        )
        return structure_response(data, ExecuteResult)

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
        _check_slug(slug, "slug")
        if slug not in META_TOOL_SLUGS:
            raise InvalidInputError(
                f"execute_meta takes one of {sorted(META_TOOL_SLUGS)}, got {slug!r}; "
                f"run other tools with execute()"
            )
        args = _check_arguments(arguments)
        if slug == MULTI_EXECUTE_SLUG:
            fanout.check_meta_batch_size(args)
        if slug == MULTI_EXECUTE_SLUG and self._custom is not None and self._batch_has_local(args):
            return await fanout.execute_mixed_batch(
                self, args, endpoint="execute_meta", timeout=timeout, idempotency_key=idempotency_key
            )
        return await self._execute_meta_remote(
            slug, args, timeout=timeout, input_responses=input_responses, request_state=request_state,
            idempotency_key=idempotency_key,
        )

    async def _execute_meta_remote(
        self,
        slug: str,
        arguments: dict[str, Any],
        *,
        timeout: float | None | Unset = UNSET,
        input_responses: Mapping[str, Any] | None = None,
        request_state: str | None = None,
        idempotency_key: str | None = None,
    ) -> ExecuteResult:
        body: dict[str, Any] = {"slug": slug, "arguments": arguments}
        if input_responses is not None:
            body["input_responses"] = dict(input_responses)
        if request_state is not None:
            body["request_state"] = request_state
        customs = self._experimental_customs()
        if customs:
            body["experimental"] = customs
        data = await self._transport.request(
            "POST", self._path + "/execute_meta", body=body, idempotency=Idempotency.UNSAFE, timeout=timeout,
            idempotency_key=idempotency_key,
        )
        return structure_response(data, ExecuteResult)

    def _batch_has_local(self, arguments: Mapping[str, Any]) -> bool:
        assert self._custom is not None
        items = arguments.get("tools")
        if not isinstance(items, list):
            return False
        for item in items:
            slug = item.get("tool_slug") if isinstance(item, Mapping) else None
            try:
                if isinstance(slug, str) and self._custom.resolve(slug) is not None:
                    return True
            except ToolNotFoundError:
                return True  # an ambiguous bare slug is a local item that fails in its slot
        return False

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
        mods = self._modifiers(modifiers)
        if _mods.has_execute_modifiers(mods):
            calls = await _mods.modify_calls(self, mods, calls)
        batch = await fanout.multi_execute(
            self, calls, max_concurrency=max_concurrency, timeout=timeout, idempotency_key=idempotency_key
        )
        return await _mods.modify_batch(self, mods, batch)

    async def iter_multi_execute(
        self,
        calls: Sequence[ToolCall],
        *,
        max_concurrency: int = 20,
        timeout: float | None | Unset = UNSET,
        modifiers: Modifiers = None,
        idempotency_key: str | None = None,
    ) -> AsyncIterator[BatchItemResult]:
        """Like :meth:`multi_execute`, but yields each item's result as soon as it completes."""
        mods = self._modifiers(modifiers)
        if _mods.has_execute_modifiers(mods):
            calls = await _mods.modify_calls(self, mods, calls)
        # aclosing: when the caller stops early, the inner generator (which holds the batch's
        # task group) must be closed here, in this task, not later by the garbage collector.
        batch = fanout.iter_multi_execute(
            self, calls, max_concurrency=max_concurrency, timeout=timeout, idempotency_key=idempotency_key
        )
        async with contextlib.aclosing(batch) as items:
            async for item in items:
                yield await _mods.modify_batch_item(self, mods, item)

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
        _check_slug(toolkit, "toolkit")
        _check_slug(endpoint, "endpoint")
        verb = method.upper() if isinstance(method, str) else method
        if verb not in PROXY_METHODS:
            raise InvalidInputError(f"method must be one of {sorted(PROXY_METHODS)}, got {method!r}")
        wire: dict[str, Any] = {"toolkit_slug": toolkit, "endpoint": endpoint, "method": verb}
        if body is not None:
            wire["body"] = body
        if parameters is not None:
            if isinstance(parameters, str | bytes | Mapping) or not isinstance(parameters, Sequence):
                raise InvalidInputError(
                    f"parameters must be a list of {{'name', 'value', 'type'}} mappings, got {type(parameters).__name__}"
                )
            wire["parameters"] = [_proxy_parameter(p) for p in parameters]
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
        _check_slug(toolkit, "toolkit")
        body: dict[str, Any] = {"toolkit": toolkit}
        if callback_url is not None:
            body["callback_url"] = _check_slug(callback_url, "callback_url")
        if alias is not None:
            body["alias"] = _check_slug(alias, "alias")
        experimental: dict[str, Any] = {}
        if account_type is not None:
            if account_type not in ("PRIVATE", "SHARED"):
                raise InvalidInputError(f"account_type must be 'PRIVATE' or 'SHARED', got {account_type!r}")
            experimental["account_type"] = account_type
        if acl_config_for_shared is not None:
            if account_type != "SHARED":
                raise InvalidInputError("acl_config_for_shared is only valid with account_type='SHARED'")
            experimental["acl_config_for_shared"] = dict(acl_config_for_shared)
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

        Pass the page's ``next_cursor`` back for the next one, or use :meth:`iter_toolkits`.
        """
        if toolkits is not None and (isinstance(toolkits, str) or not all(isinstance(t, str) and t for t in toolkits)):
            raise InvalidInputError("toolkits must be a list of toolkit slugs")
        if is_connected is not None and not isinstance(is_connected, bool):
            raise InvalidInputError(f"is_connected must be True, False or None, got {is_connected!r}")
        query = encode_query(
            {
                "cursor": next_cursor,
                "limit": _check_limit(limit, _TOOLKITS_PAGE_MAX),
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
        """Every toolkit of every page, fetching pages as the iteration reaches them."""
        async def page(cursor: str | None) -> Page[ToolkitInfo]:
            return await self.toolkits(
                toolkits=toolkits, next_cursor=cursor, limit=limit, is_connected=is_connected,
                search=search, timeout=timeout,
            )

        async for item in iterate_pages(page):
            yield item

    # -- workbench files ----------------------------------------------------------------------------

    def _mount_path(self, mount_id: str) -> str:
        return self._path + "/mounts/" + path_segment(mount_id, what="mount_id")

    async def list_files(
        self,
        prefix: str | None = None,
        *,
        mount_id: str = "files",
        cursor: str | None = None,
        limit: int | None = None,
        timeout: float | None | Unset = UNSET,
    ) -> FilesPage:
        """One page of the files in a workbench mount (``/mnt/files`` in the sandbox)."""
        if prefix is not None and (not isinstance(prefix, str) or not prefix):
            raise InvalidInputError(f"prefix must be a non-empty string, got {prefix!r}")
        query = encode_query(
            {"cursor": cursor, "limit": _check_limit(limit, _FILES_PAGE_MAX), "mount_relative_prefix": prefix}
        )
        data = await self._transport.request(
            "GET", self._mount_path(mount_id) + "/items", query=query, idempotency=Idempotency.SAFE, timeout=timeout
        )
        return structure_response(data, FilesPage)

    async def iter_files(
        self,
        prefix: str | None = None,
        *,
        mount_id: str = "files",
        limit: int | None = None,
        timeout: float | None | Unset = UNSET,
    ) -> AsyncIterator[RemoteFile]:
        """Every file of a mount, across pages."""
        async for item in iterate_pages(
            lambda cursor: self.list_files(prefix, mount_id=mount_id, cursor=cursor, limit=limit, timeout=timeout)
        ):
            yield item

    async def upload_file(
        self,
        path: str,
        content: bytes,
        *,
        mimetype: str | None = None,
        mount_id: str = "files",
        timeout: float | None | Unset = UNSET,
    ) -> RemoteFile:
        """Store ``content`` at ``path`` in the mount (a presigned PUT; no API key leaves for storage)."""
        _check_relative_path(path)
        if not isinstance(content, bytes | bytearray | memoryview):
            raise InvalidInputError(f"content must be bytes, got {type(content).__name__}")
        body: dict[str, Any] = {"mount_relative_path": path}
        if mimetype is not None:
            body["mimetype"] = _check_slug(mimetype, "mimetype")
        started = anyio.current_time()
        target = await self._transport.request(
            "POST", self._mount_path(mount_id) + "/upload_url", body=body, idempotency=Idempotency.SAFE, timeout=timeout
        )
        await self._transport.storage_request(
            "PUT", _presigned_url(target, "upload_url"), data=bytes(content),
            content_type=mimetype or "application/octet-stream", timeout=self._time_left(timeout, started),
        )
        return RemoteFile(
            mount_relative_path=str(target.get("mount_relative_path", path)),
            sandbox_mount_prefix=str(target.get("sandbox_mount_prefix", "")),
            size=len(content),
        )

    async def download_file(
        self, path: str, *, mount_id: str = "files", timeout: float | None | Unset = UNSET
    ) -> bytes:
        """The bytes of a file in the mount (a presigned GET, without credentials).

        Files larger than the client's ``max_response_bytes`` raise
        :class:`APIResponseTooLargeError`; raise the limit to fetch them.
        """
        _check_relative_path(path)
        started = anyio.current_time()
        target = await self._transport.request(
            "POST", self._mount_path(mount_id) + "/download_url", body={"mount_relative_path": path},
            idempotency=Idempotency.SAFE, timeout=timeout,
        )
        return await self._transport.storage_request(
            "GET", _presigned_url(target, "download_url"), timeout=self._time_left(timeout, started)
        )

    def _time_left(self, timeout: float | None | Unset, started: float) -> float | None:
        # One timeout bounds the whole call: the storage hop gets what the API hop left.
        seconds = self._transport.options.timeout if timeout is UNSET else timeout
        return None if seconds is None else max(seconds - (anyio.current_time() - started), 0.0)

    async def delete_file(self, path: str, *, mount_id: str = "files", timeout: float | None | Unset = UNSET) -> None:
        """Delete a file from the mount; deleting a missing file succeeds."""
        _check_relative_path(path)
        await self._transport.request(
            "POST", self._mount_path(mount_id) + "/delete", body={"mount_relative_path": path},
            idempotency=Idempotency.SAFE, timeout=timeout,
        )

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
        toolkits: Sequence[str] | ToolkitFilter | Unset = UNSET,
        tools: Mapping[str, Sequence[str] | ToolFilter] | Unset = UNSET,
        tags: Sequence[str] | TagFilter | Unset = UNSET,
        auth_configs: Mapping[str, str] | Unset = UNSET,
        connected_accounts: Mapping[str, str | Sequence[str]] | None | Unset = UNSET,
        manage_connections: bool | ManageConnections | None | Unset = UNSET,
        workbench: bool | Workbench | None | Unset = UNSET,
        multi_account: bool | MultiAccount | None | Unset = UNSET,
        preload: Sequence[str] | Literal["all"] | Preload | Unset = UNSET,
        search: bool | Unset = UNSET,
        multi_execute: bool | Unset = UNSET,
        instant: Literal[False] | InstantConfig | Unset = UNSET,
        proxy_execute: bool | None | Unset = UNSET,
        experimental: Experimental | None | Unset = UNSET,
        expected_config_version: int | None = None,
        timeout: float | None | Unset = UNSET,
        idempotency_key: str | None = None,
    ) -> SessionInfo:
        """Change the session's configuration (``PATCH``), keeping what is not given.

        An argument left out keeps the stored setting; a value replaces it (maps are
        replaced whole); ``None`` removes the override, for the settings the API lets
        you remove (``connected_accounts``, ``manage_connections``, ``workbench``,
        ``multi_account``, ``proxy_execute``, ``experimental``). With
        ``expected_config_version``, a concurrent change raises
        :class:`SessionConfigConflictError` (409) instead of being overwritten.
        Retried only when it provably did not run (a refused connection, a 429), or, given
        an ``idempotency_key``, also after connection failures and 5xx; a 409 never is.
        """
        from ._session_config import build_config_body  # loaded with the first update

        body = build_config_body(
            for_update=True, toolkits=toolkits, tools=tools, tags=tags, auth_configs=auth_configs,
            connected_accounts=connected_accounts, manage_connections=manage_connections,
            workbench=workbench, multi_account=multi_account, preload=preload, search=search,
            multi_execute=multi_execute, instant=instant, proxy_execute=proxy_execute,
            experimental=experimental,
        )
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
        self._tools_cache = None  # the tool set may have changed
        return info

    async def config_history(
        self,
        *,
        cursor: str | None = None,
        limit: int | None = None,
        timeout: float | None | Unset = UNSET,
    ) -> Page[ConfigHistoryEntry]:
        """One page of past configurations, newest first."""
        query = encode_query({"cursor": cursor, "limit": _check_limit(limit, _HISTORY_PAGE_MAX)})
        data = await self._transport.request(
            "GET", self._path + "/config_history", query=query, idempotency=Idempotency.SAFE, timeout=timeout
        )
        return structure_response(data, Page[ConfigHistoryEntry])

    async def iter_config_history(
        self, *, limit: int | None = None, timeout: float | None | Unset = UNSET
    ) -> AsyncIterator[ConfigHistoryEntry]:
        """Every past configuration, newest first, across pages."""
        async for item in iterate_pages(
            lambda cursor: self.config_history(cursor=cursor, limit=limit, timeout=timeout)
        ):
            yield item

    async def delete(self, *, timeout: float | None | Unset = UNSET) -> DeletedSession:
        """Delete the session. It can no longer be used; deleting it again is a 404."""
        data = await self._transport.request(
            "DELETE", self._path, idempotency=Idempotency.SAFE, timeout=timeout, missing_means_done=True
        )
        if data is None:  # a retry found it gone: the lost earlier attempt deleted it
            return DeletedSession(session_id=self.session_id)
        return structure_response(data, DeletedSession)


def _check_relative_path(path: object) -> str:
    # Relative to the mount: no leading slash, no parent segments (spec §4.15).
    if not isinstance(path, str) or not path or path.startswith("/") or ".." in path.split("/"):
        raise InvalidInputError(f"path must be relative to the mount, without '..', got {path!r}")
    return path


def _custom_tool_model(tool: RegisteredCustomTool) -> Tool:
    """A custom tool described as the server describes its tools, for providers."""
    toolkit = tool.toolkit or "custom"
    return Tool(
        slug=tool.slug,
        name=tool.name,
        description=tool.description,
        input_parameters=tool.input_schema,
        output_parameters=tool.output_schema or {},
        toolkit=ToolkitRef(slug=toolkit, name=toolkit),
        no_auth=tool.extends_toolkit is None,
    )


def _proxy_parameter(param: Mapping[str, Any]) -> dict[str, str]:
    if not isinstance(param, Mapping):
        raise InvalidInputError(f"each proxy parameter must be a mapping, got {param!r}")
    unknown = set(param) - {"name", "value", "type", "in"}
    if unknown:
        raise InvalidInputError(f"unknown proxy parameter key(s) {sorted(unknown)}")
    name = param.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"proxy parameter needs a non-empty 'name', got {param!r}")
    kind = param.get("type", param.get("in", "header"))
    if kind not in ("header", "query"):
        raise InvalidInputError(f"proxy parameter type must be 'header' or 'query', got {kind!r}")
    value = param.get("value")
    if value is None:
        raise InvalidInputError(f"proxy parameter {name!r} needs a value")
    return {"name": name, "type": kind, "value": value if isinstance(value, str) else str(value)}


def _merge_searches(parts: Sequence[SearchResponse]) -> SearchResponse:
    """Join the answers of split searches as if one request had asked every query."""
    from attrs import evolve

    results: list[SearchResult] = []
    statuses: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    guidance: list[str] = []
    errors = [p.error for p in parts if p.error]
    for part in parts:
        for result in part.results:
            results.append(evolve(result, index=len(results) + 1))
        for status in part.toolkit_connection_statuses:
            statuses.setdefault(status.toolkit, status)
        schemas.update(part.tool_schemas)
        guidance.extend(g for g in part.next_steps_guidance if g not in guidance)
    return SearchResponse(
        success=all(p.success for p in parts),
        error="; ".join(errors) if errors else None,
        results=results,
        toolkit_connection_statuses=list(statuses.values()),
        tool_schemas=schemas,
        time_info=parts[0].time_info,
        session=parts[0].session,
        next_steps_guidance=guidance,
    )
