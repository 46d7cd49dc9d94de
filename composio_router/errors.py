"""Everything the SDK raises, rooted at :class:`ComposioError`.

The tree follows the wire (spec §1.7) for transport and status failures, and adds
domain errors for things the SDK decides locally before or after a request:

    ComposioError
    ├── ConfigurationError          bad client setup (no API key, non-http base URL)
    │   └── MCPDestinationError     mcp=True, but the session's MCP URL is not on the API origin
    ├── InvalidInputError           bad call arguments, raised before any request is sent
    │   ├── BatchLimitError         more than 20 items in a multi-execute batch
    │   ├── CustomToolDefinitionError  a custom tool or toolkit that breaks the slug rules
    │   └── ToolNotFoundError       a slug that names no tool the call can route to
    ├── ClientClosedError           the client was closed
    ├── PortalDeadlockError         a sync client called from its own event-loop thread
    │   └── EventLoopBlockedError   the loop that must run a call is blocked (by its caller)
    ├── CustomToolError             a custom tool raised while running
    │   └── CustomToolTimeoutError  it did not finish within the call's deadline
    ├── ConnectionRequestError
    │   ├── ConnectionRequestFailedError   the account ended FAILED / EXPIRED / REVOKED
    │   └── ConnectionRequestTimeoutError  it was still pending at the deadline
    └── APIError                    anything that came from talking to the server
        ├── APIConnectionError      no usable response (DNS, refused, reset, cut short)
        │   └── APITimeoutError     the call's deadline passed
        ├── APIResponseValidationError  a 2xx body that is not the JSON the spec promises
        │   └── APIResponseTooLargeError  a body over the client's max_response_bytes
        └── APIStatusError          a non-2xx answer, envelope parsed into fields
            ├── BadRequestError 400, AuthenticationError 401, PermissionDeniedError 403,
            ├── NotFoundError 404, ConflictError 409 (SessionConfigConflictError),
            └── UnprocessableEntityError 422, RateLimitError 429, InternalServerError 5xx

Messages never contain the API key: the transport scrubs every server-provided text
before it reaches an exception (see ``_transport._Redactor``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseTooLargeError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchLimitError",
    "ClientClosedError",
    "ComposioError",
    "ConfigurationError",
    "ConflictError",
    "ConnectionRequestError",
    "ConnectionRequestFailedError",
    "ConnectionRequestTimeoutError",
    "CustomToolDefinitionError",
    "CustomToolError",
    "CustomToolTimeoutError",
    "EventLoopBlockedError",
    "InternalServerError",
    "InvalidInputError",
    "MCPDestinationError",
    "NotFoundError",
    "PermissionDeniedError",
    "PortalDeadlockError",
    "RateLimitError",
    "SessionConfigConflictError",
    "ToolNotFoundError",
    "UnprocessableEntityError",
]


# Secrets no error may carry: the API keys of live clients, registered by their transports.
# Scrubbing at construction (message, body, envelope fields, request id) covers every path
# that builds an APIError, including ones far from the transport (a response model that
# does not fit). Copy-on-write: readers (any thread) take the current tuple and pattern,
# writers replace both under the lock, so iteration never sees a set change size.
_MIN_SECRET_LENGTH = 8  # a two-letter test key would mangle every message containing it
_MAX_SCRUB_DEPTH = 100  # deeper JSON (orjson allows 1024 levels) is replaced, not walked
_secret_counts: dict[str, int] = {}
_secrets: tuple[str, ...] = ()
_secret_pattern: re.Pattern[str] | None = None
# Re-entrant: compiling the pattern allocates, an allocation may run the garbage collector,
# and the collector may finalise a client nobody closed, whose finalizer unregisters its
# key, taking this lock again on the same thread (a plain Lock deadlocked there).
_secrets_lock = threading.RLock()


def _publish() -> None:
    global _secrets, _secret_pattern
    secrets = tuple(_secret_counts)
    # One alternation, longest first: one pass over the text whatever the number of keys.
    ordered = sorted(secrets, key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
    if tuple(_secret_counts) != secrets:
        return  # a finalizer changed the keys meanwhile, and its own _publish() is the newer
    _secrets, _secret_pattern = secrets, pattern


def register_secret(secret: str) -> None:
    """Scrub ``secret`` from every API error built until it is unregistered as often."""
    if len(secret) < _MIN_SECRET_LENGTH:
        return
    with _secrets_lock:
        _secret_counts[secret] = _secret_counts.get(secret, 0) + 1
        if _secret_counts[secret] == 1:
            _publish()


def unregister_secret(secret: str) -> None:
    """The client holding ``secret`` is closed or gone."""
    with _secrets_lock:
        count = _secret_counts.get(secret)
        if count is None:
            return
        if count > 1:
            _secret_counts[secret] = count - 1
        else:
            del _secret_counts[secret]
            _publish()


def scrub_text(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    pattern = _secret_pattern
    if pattern is None:
        return text
    secrets = _secrets
    if not any(secret in text for secret in secrets):
        return text  # the common case: no copy, and ``in`` is faster than a regex search
    return pattern.sub("***", text)


def scrub(value: Any, _depth: int = 0) -> Any:
    """``value`` (text or parsed JSON) with every registered secret replaced by ``***``."""
    if _secret_pattern is None:
        return value
    if isinstance(value, str):
        return scrub_text(value)
    if _depth >= _MAX_SCRUB_DEPTH and isinstance(value, dict | list):
        return "<nested too deep>"
    # Copy on change only: a body without a secret stays the very object the server sent.
    if isinstance(value, dict):
        items = [(scrub(k, _depth + 1), scrub(v, _depth + 1)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(items, value.items(), strict=True)):
            return value
        return dict(items)
    if isinstance(value, list):
        scrubbed = [scrub(v, _depth + 1) for v in value]
        return value if all(a is b for a, b in zip(scrubbed, value, strict=True)) else scrubbed
    return value


class SecretScrubbingFilter:
    """A ``logging`` filter that scrubs registered secrets from a record's message and arguments.

    Installed on the SDK's loggers, so no log line carries a key, whatever text (a path, a
    server's answer) brought it there. It runs only for records a level lets through.
    """

    def filter(self, record: Any) -> bool:
        if _secret_pattern is not None:
            # The line as it will print, scrubbed: any argument (a dict, an exception, a URL)
            # may print a key, whatever its type.
            try:
                message = record.getMessage()
            except Exception:  # a malformed call: logging reports it when the line is emitted
                return True
            scrubbed = scrub_text(message)
            if scrubbed is not message:  # rewritten only when a key was in it: handlers that
                record.msg, record.args = scrubbed, None  # group by template keep the rest
        return True


def _rebuild(cls: type[ComposioError], args: tuple[Any, ...], state: dict[str, Any]) -> ComposioError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class ComposioError(Exception):
    """Root of every exception this SDK raises.

    Its text never holds a registered API key, wherever the text came from (a server
    that echoes the key in an id, a tool's own error): it is scrubbed at construction.
    Keys shorter than 8 characters are not scrubbed (see ``api_key`` of the client).
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*(scrub_text(a) if isinstance(a, str) else a for a in args))

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors would break pickle's default (cls, args) rebuild; errors
        # must survive multiprocessing, anyio.to_process and task queues.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class ConfigurationError(ComposioError, ValueError):
    """The client cannot be built as asked: missing API key, unusable base URL, bad option."""


class MCPDestinationError(ConfigurationError):
    """``mcp=True``, but the session's MCP URL is on another origin than the API.

    The API key is never sent to another origin (spec §1.3), so ``session.mcp.headers``
    would be empty and an MCP client could not authenticate. Both origins are named
    (``mcp_origin``, ``api_origin``); the key never is. The official SDK's name.
    """

    def __init__(self, message: str, *, mcp_origin: str, api_origin: str) -> None:
        super().__init__(message)
        self.mcp_origin = scrub_text(mcp_origin)
        self.api_origin = scrub_text(api_origin)


class InvalidInputError(ComposioError, ValueError):
    """A call's arguments are wrong; raised before anything is sent."""


class BatchLimitError(InvalidInputError):
    """A multi-execute batch is larger than the SDK's cap (20)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"a multi-execute batch takes at most {limit} tool calls, got {size}; "
            f"split it into batches of {limit}"
        )
        self.size = size
        self.limit = limit


class CustomToolDefinitionError(InvalidInputError):
    """A custom tool or toolkit breaks the rules of spec §3.5 (slug, length, collision)."""


class ToolNotFoundError(InvalidInputError):
    """A slug names no tool that the call can route to (for example an ambiguous bare slug)."""


class ClientClosedError(ComposioError, RuntimeError):
    """The client (or the sync facade's portal) has been closed; create a new one."""


class PortalDeadlockError(ComposioError, RuntimeError):
    """A sync client was called from its own event-loop thread, where it would deadlock.

    This happens when an ``async def`` custom tool (or other code running on the
    facade's loop) calls the blocking ``Composio`` / ``Session``: the call would wait
    for the loop it is blocking. Inside async code use the async API (the tool's
    ``SessionContext``, or an ``AsyncComposio``); a plain ``def`` custom tool runs in a
    worker thread and may call the sync client.
    """


class EventLoopBlockedError(PortalDeadlockError):
    """A call could not run: the event loop that owns the client is blocked, usually by the caller.

    A client's calls run on the event loop that owns its connection pool (an
    ``AsyncComposio``'s own loop, or the sync facade's background loop). When that
    loop's thread is stuck in a blocking call, typically one that waits for this very
    call (a blocking ``graph.invoke(...)`` in a notebook cell, whose tools were built
    with ``AsyncComposio``), the call cannot start. It fails at once when the caller is
    on that thread, otherwise once the loop has not responded for the call's timeout.
    The message says what to do: use the async entry point on that loop, or build the
    tools with the sync facade, whose loop runs in its own thread.
    """


class CustomToolError(ComposioError):
    """A custom tool raised while running. The original exception is ``__cause__``."""

    def __init__(self, slug: str, message: str) -> None:
        super().__init__(f"custom tool {slug} failed: {message}")
        self.slug = slug


class CustomToolTimeoutError(CustomToolError):
    """A custom tool did not finish within the call's deadline.

    An ``async def`` tool is cancelled at the deadline; a plain ``def`` tool cannot be
    interrupted (Python threads cannot be killed), so it finishes in its thread and its
    result is discarded.
    """

    def __init__(self, slug: str, timeout: float | None) -> None:
        ComposioError.__init__(self, f"custom tool {slug} timed out after {timeout} s")
        self.slug = slug
        self.timeout = timeout


class ConnectionRequestError(ComposioError):
    """Base of the errors :meth:`ConnectionRequest.wait_for_connection` raises."""

    def __init__(self, message: str, *, connected_account_id: str, status: str | None) -> None:
        super().__init__(message)
        self.connected_account_id = scrub_text(connected_account_id)
        self.status = status


class ConnectionRequestFailedError(ConnectionRequestError):
    """The connected account reached a terminal status: FAILED, EXPIRED or REVOKED."""


class ConnectionRequestTimeoutError(ConnectionRequestError):
    """The connected account was still pending when the wait's deadline passed."""


class APIError(ComposioError):
    """A failure talking to the Tool Router API."""

    def __init__(self, message: str, *, method: str | None = None, path: str | None = None,
                 request_id: str | None = None) -> None:
        message = scrub_text(message)
        super().__init__(message)
        self.message = message
        self.method = method
        # A path holds ids the server chose (a hostile one may echo the key as a session id).
        self.path = scrub_text(path) if path is not None else None
        self.request_id = scrub_text(request_id) if request_id is not None else None


class APIConnectionError(APIError):
    """No usable response: refused, reset, dropped or truncated connections.

    ``request_sent`` says whether a tool may have run. ``False`` only when no attempt can
    have reached the server (every connection was refused, or the deadline passed between
    such attempts): nothing ran, and any call is safe to repeat. ``True`` otherwise,
    including a deadline that cut an attempt off: check before repeating an execution.
    """

    def __init__(self, message: str, *, method: str | None = None, path: str | None = None,
                 request_id: str | None = None, request_sent: bool = True) -> None:
        super().__init__(message, method=method, path=path, request_id=request_id)
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError):
    """The call's deadline (retries and backoff included) passed."""


class APIResponseValidationError(APIError):
    """A success response whose body is not the JSON object the spec describes."""

    def __init__(self, message: str, *, status_code: int, body: Any = None, method: str | None = None,
                 path: str | None = None, request_id: str | None = None) -> None:
        super().__init__(message, method=method, path=path, request_id=request_id)
        self.status_code = status_code
        self.body = scrub(body)


class APIResponseTooLargeError(APIResponseValidationError):
    """The response body was larger than the client's ``max_response_bytes``.

    It is not retried: the same request would get the same answer. The request did
    reach the server, so an execution it carried has run.
    """

    def __init__(self, message: str, *, status_code: int, limit: int, method: str | None = None,
                 path: str | None = None, request_id: str | None = None) -> None:
        super().__init__(message, status_code=status_code, method=method, path=path, request_id=request_id)
        self.limit = limit


class APIStatusError(APIError):
    """A non-2xx response. The ``{"error": {...}}`` envelope (spec §1.7) is parsed into fields.

    ``body`` is the parsed JSON when the body was JSON, else the text (a proxy's HTML 502).
    """

    status_code: int

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        code: int | None = None,
        slug: str | None = None,
        request_id: str | None = None,
        suggested_fix: str | None = None,
        errors: Sequence[str] | None = None,
        retry_after: float | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, method=method, path=path, request_id=request_id)
        self.status_code = status_code
        self.body = scrub(body)
        self.code = code
        self.slug = scrub(slug)
        self.suggested_fix = scrub(suggested_fix)
        self.errors: list[str] = [scrub(e) for e in errors or ()]
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(status_code={self.status_code}, slug={self.slug!r}, "
                f"request_id={self.request_id!r}, message={self.message!r})")


class BadRequestError(APIStatusError):
    """400: the server rejected the request body or query."""


class AuthenticationError(APIStatusError):
    """401: missing or wrong API key, or a credential the operation does not accept."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this."""


class NotFoundError(APIStatusError):
    """404: unknown or deleted session, account or tool."""


class ConflictError(APIStatusError):
    """409: a conflicting concurrent change."""


class SessionConfigConflictError(ConflictError):
    """409 on update: ``expected_config_version`` is stale. Re-fetch the session and retry."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was understood but cannot be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` holds the server's hint in seconds, if any."""


class InternalServerError(APIStatusError):
    """5xx: the server (or a proxy in front of it) failed."""


_STATUS_CLASSES: Mapping[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The exception class for an HTTP status (spec §1.7)."""
    if status >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status, APIStatusError)
