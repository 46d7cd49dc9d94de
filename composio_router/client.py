"""``AsyncComposio``: options, the transport, and opening sessions.

One client owns one connection pool (an ``aiohttp.ClientSession``, created lazily
in the running loop, or the caller's own). Open it once per process or event loop
and share it: sessions and concurrent calls reuse its connections.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypedDict

import aiohttp

from ._config import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_IDEMPOTENCY_HEADER,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ClientOptions,
    resolve_options,
    url_origin,
)
from ._retry import Idempotency
from ._routes import SESSIONS_PATH, session_path
from ._transport import Transport
from .errors import (
    APIResponseValidationError,
    ConfigurationError,
    InvalidInputError,
    MCPDestinationError,
)
from .models._unset import UNSET, Unset
from .telemetry import Telemetry

# The session layer (sessions, models, execution, fan-out, providers) is loaded with the
# first session a client opens, not at `import composio_router`: constructing a client
# needs none of it, and its ~40 attrs classes are most of the package's import time
# (the benchmarks' import-time target). Hence the imports inside the methods below.
if TYPE_CHECKING:
    from typing import Unpack

    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from .custom_tools import CustomTool, CustomToolkit, CustomToolRegistry
    from .experimental import ExperimentalAPI
    from .models.connections import ConnectedAccount
    from .models.session import DeletedSession
    from .modifiers import Modifier, Modifiers
    from .providers._base import Provider
    from .session import AsyncSession, SessionDefaults
    from .session_config import SessionCreateSettings, UseExperimentalDict

__all__ = ["AsyncComposio", "AsyncSessions", "OfficialClientOptions"]

logger = logging.getLogger("composio_router")


def _registry(custom_tools: Sequence[CustomTool[..., Any]], custom_toolkits: Sequence[CustomToolkit]) -> CustomToolRegistry | None:
    if not custom_tools and not custom_toolkits:
        return None
    from .custom_tools import CustomToolRegistry

    return CustomToolRegistry(custom_tools, custom_toolkits)


def _customs_registry(
    custom_tools: Sequence[CustomTool[..., Any]],
    custom_toolkits: Sequence[CustomToolkit],
    experimental: object,
) -> CustomToolRegistry | None:
    """``use``'s custom tools: as keywords or inside ``experimental``, as ``create`` takes them."""
    if experimental is None:
        return _registry(custom_tools, custom_toolkits)
    from .session_config import use_experimental_customs

    dict_tools, dict_toolkits = use_experimental_customs(experimental)
    if (dict_tools and custom_tools) or (dict_toolkits and custom_toolkits):
        raise InvalidInputError("pass custom tools as custom_tools= or inside experimental, not both")
    return _registry(custom_tools or dict_tools, custom_toolkits or dict_toolkits)


def _check_mcp_flag(mcp: object) -> bool:
    if not isinstance(mcp, bool):
        raise InvalidInputError(f"mcp must be True or False, got {mcp!r}")
    return mcp


def _check_client_arguments(
    api_key: object, base_url: object, provider: object, allow_tracking: object, default_headers: object,
    http_session: object,
) -> None:
    """Say what was expected, not ``AttributeError: 'strip'``, for the usual porting slips."""
    if default_headers is not None and not isinstance(default_headers, Mapping):
        # The type only: header values can be credentials.
        raise ConfigurationError(
            f"default_headers must be a mapping of header names to values, got {type(default_headers).__name__}"
        )
    if http_session is not None and not isinstance(http_session, aiohttp.ClientSession):
        raise ConfigurationError(f"http_session must be an aiohttp.ClientSession, got {type(http_session).__name__}")
    for name, value in (("api_key", api_key), ("base_url", base_url)):
        if value is None or isinstance(value, str):
            continue
        if callable(getattr(value, "wrap_tools", None)) or callable(getattr(value, "parse_tool_calls", None)):
            raise ConfigurationError(
                f"{name} got a provider ({type(value).__name__}); the provider is a keyword argument "
                f"here: provider={type(value).__name__}(...) (the official SDK takes it first)"
            )
        raise ConfigurationError(f"{name} must be a string or None, got {type(value).__name__}")
    if provider is not None:
        if isinstance(provider, type):
            raise ConfigurationError(
                f"provider must be a provider instance, got the class {provider.__name__}: "
                f"pass {provider.__name__}()"
            )
        missing = [m for m in ("wrap_tools", "parse_tool_calls", "format_results") if not callable(getattr(provider, m, None))]
        if missing:
            raise ConfigurationError(
                f"provider must be a composio_router provider (OpenAIProvider(), AnthropicProvider(), ... "
                f"from composio_router.providers), got {type(provider).__name__}, which lacks {', '.join(missing)}"
            )
    if not isinstance(allow_tracking, bool):
        raise ConfigurationError(f"allow_tracking must be True or False, got {allow_tracking!r}")


class OfficialClientOptions(TypedDict, total=False):
    """The official SDK's other ``Composio(...)`` options, accepted so that its code ports unchanged.

    They configure what composio-router does not do: move files on its own during tool
    execution, serve the direct tools API, pick a deployment by name. Each is accepted
    where it changes nothing here and refused with :class:`ConfigurationError`, saying
    what to do instead, where ignoring it would change what your code does. A value of
    the wrong type is a :class:`ConfigurationError` too.
    """

    environment: Literal["production", "staging", "local"]
    """``"production"`` (the official default) changes nothing. ``"staging"`` or ``"local"``
    without a ``base_url`` (or ``COMPOSIO_BASE_URL``) raises: pass that deployment's URL as
    ``base_url``. With one, ``base_url`` wins, as in the official SDK."""
    toolkit_versions: str | Mapping[str, str] | None
    """Accepted; changes nothing. The official SDK applies it to ``composio.tools`` and
    ``composio.triggers``, not to sessions."""
    file_download_dir: str | os.PathLike[str] | None
    """Accepted; changes nothing: it is where the official SDK's automatic downloads land,
    and composio-router downloads only when you call ``save(path)``."""
    dangerously_allow_auto_upload_download_files: bool
    """``False`` changes nothing. ``True`` raises: composio-router never uploads or downloads
    files on its own; use ``session.experimental.files``."""
    auto_upload_download_files: bool
    """The older name of ``dangerously_allow_auto_upload_download_files``, under the same rule."""
    sensitive_file_upload_protection: bool
    """Accepted; changes nothing, as the next two: they guard the official SDK's automatic
    uploads of local paths, which composio-router never makes."""
    file_upload_path_deny_segments: Sequence[str] | None
    file_upload_dirs: Sequence[str] | Literal[False] | None


def _is_bool(value: object) -> bool:
    return isinstance(value, bool)


def _is_paths(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) and all(
        isinstance(item, str | os.PathLike) for item in value
    )


def _is_versions(value: object) -> bool:
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    return value is None or isinstance(value, str)


# Each official option: (does the value fit, what was expected).
_OFFICIAL_OPTIONS: dict[str, tuple[Callable[[object], bool], str]] = {
    "environment": (lambda v: isinstance(v, str) and v in ("production", "staging", "local"),
                    "'production', 'staging' or 'local'"),
    "toolkit_versions": (_is_versions, "a version string, a mapping of toolkit slugs to versions, or None"),
    "file_download_dir": (lambda v: v is None or isinstance(v, str | os.PathLike), "a path or None"),
    "dangerously_allow_auto_upload_download_files": (_is_bool, "True or False"),
    "auto_upload_download_files": (_is_bool, "True or False"),
    "sensitive_file_upload_protection": (_is_bool, "True or False"),
    "file_upload_path_deny_segments": (lambda v: v is None or _is_paths(v), "a list of path segment names or None"),
    "file_upload_dirs": (lambda v: v is None or v is False or _is_paths(v), "a list of directories, False or None"),
}


def _check_official_options(official: Mapping[str, object], *, base_url_given: bool) -> None:
    """Accept the official SDK's options that change nothing here; refuse the others, saying why."""
    for name, value in official.items():
        if name not in _OFFICIAL_OPTIONS:
            import difflib
            import inspect

            parameters = inspect.signature(AsyncComposio.__init__).parameters
            known = [*(p for p in parameters if p not in ("self", "official")), *_OFFICIAL_OPTIONS]
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"unexpected keyword argument {name!r}{hint}")
        fits, expected = _OFFICIAL_OPTIONS[name]
        if not fits(value):
            raise ConfigurationError(f"{name} must be {expected}, got {value!r}")
    environment = official.get("environment", "production")
    if environment != "production" and not base_url_given:
        raise ConfigurationError(
            f"environment={environment!r} names a deployment, which composio-router does not look "
            "up: pass that deployment's API URL as base_url=... (or set COMPOSIO_BASE_URL)"
        )
    for name in ("dangerously_allow_auto_upload_download_files", "auto_upload_download_files"):
        if official.get(name) is True:
            raise ConfigurationError(
                f"{name}=True is not supported: composio-router never uploads or downloads files "
                "on its own during tool execution. Put files in the session's mount with "
                "session.experimental.files.upload(...) and fetch results with "
                "session.experimental.files.download(path)"
            )


class AsyncSessions:
    """Create, open and delete sessions: ``composio.sessions.create(...)``."""

    def __init__(self, defaults: SessionDefaults, transport: Transport) -> None:
        self._defaults = defaults
        self._transport = transport

    async def create(
        self,
        user_id: str,
        *,
        custom_tools: Sequence[CustomTool[..., Any]] = (),
        custom_toolkits: Sequence[CustomToolkit] = (),
        mcp: bool = False,
        timeout: float | None | Unset = UNSET,
        **settings: Unpack[SessionCreateSettings],
    ) -> AsyncSession:
        """Create a session for ``user_id`` (``POST …/session``).

        Every setting (:class:`~composio_router.session_config.SessionCreateSettings`) is
        optional; what you leave out is not sent and the server's default applies. Each
        takes a shorthand, an attrs class or the official SDK's dict:
        ``toolkits=["gmail"]`` or ``{"enable": ["gmail"]}``, ``tools={"gmail":
        ["GMAIL_SEND_EMAIL"]}``, ``manage_connections=False``, ``sandbox={"enable":
        False}`` (``workbench`` is the same setting), ``hooks=[...]``,
        ``session_preset="direct_tools"``. A dict that does not fit raises
        :class:`InvalidInputError` naming the key, before anything is sent.
        ``custom_tools`` and ``custom_toolkits`` (also accepted inside an
        ``experimental`` dict, as the official SDK takes them) run in this process
        (spec §3.5). ``mcp=True`` says you will hand ``session.mcp`` to an MCP client:
        if its URL is on another origin than the API (the key is then withheld), that
        raises :class:`MCPDestinationError` instead of logging a warning.
        """
        with self._transport.telemetry.operation("session.create") as span:
            if not isinstance(user_id, str) or not user_id.strip():
                raise InvalidInputError(f"user_id must be a non-empty string, got {user_id!r}")
            _check_mcp_flag(mcp)
            from .session_config import build_config_body, experimental_customs

            body: dict[str, Any] = {"user_id": user_id, **build_config_body(settings, for_update=False)}
            dict_tools, dict_toolkits = experimental_customs(settings)
            if (dict_tools and custom_tools) or (dict_toolkits and custom_toolkits):
                raise InvalidInputError("pass custom tools as custom_tools= or inside experimental, not both")
            registry = _registry(custom_tools or dict_tools, custom_toolkits or dict_toolkits)
            if registry is not None:
                body.setdefault("experimental", {}).update(registry.wire_payload())
            data = await self._transport.request(
                "POST", SESSIONS_PATH, body=body, idempotency=Idempotency.SAFE, timeout=timeout
            )
            session = self._session(data, registry, mcp=mcp)
            span.set("composio.session_id", session.session_id)
            return session

    def _session(self, data: Any, registry: CustomToolRegistry | None, *, mcp: bool) -> AsyncSession:
        from .models._converter import structure_response
        from .models.session import SessionInfo
        from .session import AsyncSession

        info = structure_response(data, SessionInfo)
        self._check_mcp_origin(info.mcp.url, mcp)
        try:
            return AsyncSession(self._defaults, self._transport, info, custom_tools=registry)
        except InvalidInputError:  # an id no request path can carry ("", ".."): the server's fault
            raise APIResponseValidationError(
                f"the server's session_id {info.session_id!r} cannot be used in a request path",
                status_code=200, body=data,
            ) from None

    def _check_mcp_origin(self, url: str, requested: bool) -> None:
        # session.mcp carries the key only for the API's own origin (spec §1.3). A caller who
        # asked for MCP must learn at once that the headers will be empty; others get a warning.
        api_origin = self._transport.options.origin
        try:
            mcp_origin = url_origin(url) if url else ""
        except ValueError:
            mcp_origin = ""
        if mcp_origin == api_origin:
            return
        if requested:
            raise MCPDestinationError(
                f"the session's MCP endpoint origin {mcp_origin or '(none)'} is not the API origin "
                f"{api_origin}: its credential was not attached to session.mcp.headers",
                mcp_origin=mcp_origin, api_origin=api_origin,
            )
        logger.warning(
            "The session's MCP endpoint origin %s is not the API origin %s: session.mcp.headers is "
            "empty (pass mcp=True to make this an error)", mcp_origin or "(none)", api_origin,
        )

    async def use(
        self,
        session_id: str,
        *,
        custom_tools: Sequence[CustomTool[..., Any]] = (),
        custom_toolkits: Sequence[CustomToolkit] = (),
        experimental: UseExperimentalDict | None = None,
        mcp: bool = False,
        timeout: float | None | Unset = UNSET,
    ) -> AsyncSession:
        """Open an existing session. With custom tools, they are registered for it (``attach``).

        The custom tools and toolkits may also come inside ``experimental``, as the official
        SDK takes them (``experimental={"custom_tools": [...], "custom_toolkits": [...]}``);
        that dict takes nothing else. ``mcp=True``: as in :meth:`create`.
        """
        with self._transport.telemetry.operation("session.use") as span:
            _check_mcp_flag(mcp)
            path = session_path(session_id)
            registry = _customs_registry(custom_tools, custom_toolkits, experimental)
            if registry is None:
                data = await self._transport.request("GET", path, idempotency=Idempotency.SAFE, timeout=timeout)
            else:
                data = await self._transport.request(
                    "POST", path + "/attach", body={"experimental": registry.wire_payload()},
                    idempotency=Idempotency.SAFE, timeout=timeout,
                )
            session = self._session(data, registry, mcp=mcp)
            span.set("composio.session_id", session.session_id)
            return session

    async def delete(self, session_id: str, *, timeout: float | None | Unset = UNSET) -> DeletedSession:
        """Delete a session by id. Deleting it again raises :class:`NotFoundError`.

        If an attempt's answer is lost and the retry finds the session gone, that
        attempt deleted it: the call succeeds rather than reporting a 404.
        """
        with self._transport.telemetry.operation("session.delete") as span:
            path = session_path(session_id)  # checks the id first
            span.set("composio.session_id", session_id)
            data = await self._transport.request(
                "DELETE", path, idempotency=Idempotency.SAFE, timeout=timeout, missing_means_done=True
            )
            from .models._converter import structure_response
            from .models.session import DeletedSession

            if data is None:  # a retry found it gone: the lost earlier attempt deleted it
                return DeletedSession(session_id=session_id)
            return structure_response(data, DeletedSession)


class AsyncComposio:
    """The async Tool Router client.

    ``api_key`` and ``base_url`` fall back to ``COMPOSIO_API_KEY`` and
    ``COMPOSIO_BASE_URL``; a missing key raises :class:`ConfigurationError` here,
    not at the first request, as does a plain ``http://`` URL to anything but a
    loopback address. ``timeout`` bounds each whole call, retries included.
    ``max_retries`` applies per the operation's idempotency (README, "Reliability").
    ``verify`` is ``True`` (system CAs), an ``ssl.SSLContext`` (your CAs) or
    ``False`` (no verification: never in production). ``max_response_bytes`` bounds
    every response body; ``idempotency_header`` names the header that per-call
    ``idempotency_key=`` values travel in.
    ``provider`` sets the format of ``session.tools()`` and ``handle_tool_calls``
    (default :class:`~composio_router.providers.OpenAIProvider`); ``modifiers`` apply
    to every session's tools and executions, before each call's own.
    ``http_session`` is an ``aiohttp.ClientSession`` of yours to send through (it is not
    closed by :meth:`aclose`). Its TLS settings apply, and aiohttp's own silent resend of
    GET and DELETE is switched off on it, for all its users: the SDK's retry policy must be
    the only one in force.
    ``allow_tracking`` is accepted for code written for the official SDK, where
    ``allow_tracking=False`` turns its telemetry off. It does nothing here: this SDK sends
    no telemetry to anyone. The official SDK's other options (``toolkit_versions``,
    ``file_download_dir``, ``environment``, ...: :class:`OfficialClientOptions`) are
    accepted where they change nothing here, and refused, saying what to do instead,
    where they would.
    With OpenTelemetry installed (``composio-router[otel]``), the client reports spans and
    metrics to *your* providers (:mod:`composio_router.telemetry`): the global ones, or
    ``tracer_provider`` / ``meter_provider``. ``trace_propagation=False`` stops sending the
    W3C ``traceparent`` header to the API.
    The key is masked in every repr and scrubbed from errors and logs; a key shorter
    than 8 characters is not scrubbed (it would garble unrelated text).
    Use ``async with AsyncComposio() as composio:`` or call :meth:`aclose`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        http_session: aiohttp.ClientSession | None = None,
        default_headers: Mapping[str, str] | None = None,
        provider: Provider[Any] | None = None,
        modifiers: Modifiers = None,
        verify: bool | ssl.SSLContext = True,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        idempotency_header: str = DEFAULT_IDEMPOTENCY_HEADER,
        allow_tracking: bool = True,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        trace_propagation: bool = True,
        **official: Unpack[OfficialClientOptions],
    ) -> None:
        _check_client_arguments(api_key, base_url, provider, allow_tracking, default_headers, http_session)
        base_url_given = bool(base_url or os.environ.get("COMPOSIO_BASE_URL", "").strip())
        _check_official_options(official, base_url_given=base_url_given)
        if not isinstance(trace_propagation, bool):
            raise ConfigurationError(f"trace_propagation must be True or False, got {trace_propagation!r}")
        self.options: ClientOptions = resolve_options(
            api_key=api_key, base_url=base_url, timeout=timeout, connect_timeout=connect_timeout,
            max_retries=max_retries, max_connections=max_connections, default_headers=default_headers,
            max_response_bytes=max_response_bytes, idempotency_header=idempotency_header, verify=verify,
        )
        if http_session is not None and verify is not True:
            raise ConfigurationError(
                "verify= configures the client's own pool; with http_session=, set TLS on that "
                "session's connector instead (aiohttp.TCPConnector(ssl=...))"
            )
        telemetry = Telemetry(
            tracer_provider=tracer_provider, meter_provider=meter_provider, propagate=trace_propagation
        )
        self._transport = Transport(self.options, http_session, telemetry)
        # Providers (composio_router.providers): OpenAI Chat Completions by default, as the
        # official SDK; `modifiers` apply to every session's tools() and executions.
        if provider is None:
            from .providers.openai import OpenAIProvider  # loaded only when it is the one used

            provider = OpenAIProvider()
        self.provider: Provider[Any] = provider
        self.modifiers: tuple[Modifier, ...] = ()
        if modifiers is not None:
            from .modifiers import normalize_modifiers

            self.modifiers = normalize_modifiers(modifiers)
        self.sessions = AsyncSessions(self, self._transport)
        self._experimental: ExperimentalAPI | None = None

    def __repr__(self) -> str:
        return f"AsyncComposio(base_url={self.options.base_url!r}, closed={self.closed})"

    @property
    def closed(self) -> bool:
        return self._transport.closed

    async def __aenter__(self) -> AsyncComposio:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in). Safe to call twice."""
        await self._transport.aclose()

    @property
    def experimental(self) -> ExperimentalAPI:
        """The official SDK's ``composio.experimental``: ``@composio.experimental.tool``."""
        if self._experimental is None:
            from .experimental import ExperimentalAPI  # loaded when first used

            self._experimental = ExperimentalAPI()
        return self._experimental

    @property
    def tool_router(self) -> AsyncSessions:
        """The official SDK's older name for :attr:`sessions` (deprecated there, as
        ``sessions`` is the name to use): ``composio.tool_router.create(...)`` ports unchanged."""
        return self.sessions

    async def create(
        self,
        user_id: str,
        *,
        custom_tools: Sequence[CustomTool[..., Any]] = (),
        custom_toolkits: Sequence[CustomToolkit] = (),
        mcp: bool = False,
        timeout: float | None | Unset = UNSET,
        **settings: Unpack[SessionCreateSettings],
    ) -> AsyncSession:
        """Create a session: shortcut for :meth:`AsyncSessions.create`."""
        return await self.sessions.create(
            user_id, custom_tools=custom_tools, custom_toolkits=custom_toolkits, mcp=mcp, timeout=timeout,
            **settings,
        )

    async def use(
        self,
        session_id: str,
        *,
        custom_tools: Sequence[CustomTool[..., Any]] = (),
        custom_toolkits: Sequence[CustomToolkit] = (),
        experimental: UseExperimentalDict | None = None,
        mcp: bool = False,
        timeout: float | None | Unset = UNSET,
    ) -> AsyncSession:
        """Open an existing session: shortcut for :meth:`AsyncSessions.use`."""
        return await self.sessions.use(
            session_id, custom_tools=custom_tools, custom_toolkits=custom_toolkits, experimental=experimental,
            mcp=mcp, timeout=timeout,
        )

    async def delete(self, session_id: str, *, timeout: float | None | Unset = UNSET) -> DeletedSession:
        """Delete a session by id: shortcut for :meth:`AsyncSessions.delete`."""
        return await self.sessions.delete(session_id, timeout=timeout)

    async def get_connected_account(
        self, connected_account_id: str, *, timeout: float | None | Unset = UNSET
    ) -> ConnectedAccount:
        """Read one connected account (``GET /api/v3.1/connected_accounts/{id}``)."""
        from .connections import fetch_connected_account

        return await fetch_connected_account(self._transport, connected_account_id, timeout=timeout)
