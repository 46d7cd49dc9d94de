"""The one module that talks to aiohttp.

One pooled ``aiohttp.ClientSession`` per client (created lazily inside the running
loop, or the caller's own), orjson bytes in and out, status -> exception mapping,
the retry policy of :mod:`._retry`, and a deadline that bounds the whole call,
retries and backoff included. Nothing above this module knows about aiohttp;
nothing here knows about sessions or models.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import warnings
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, Protocol
from urllib.parse import quote

import aiohttp
import anyio
import orjson
from yarl import URL

from ._config import (
    USER_AGENT,
    ClientOptions,
    check_seconds,
    is_loopback_host,
    url_origin,
)
from ._retry import Idempotency, backoff_delay, retry_after_seconds, should_retry_status
from .errors import (
    APIConnectionError,
    APIResponseTooLargeError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ComposioError,
    InvalidInputError,
    SecretScrubbingFilter,
    register_secret,
    scrub_text,
    status_error_class,
    unregister_secret,
)
from .models._unset import UNSET, Unset
from .telemetry import Telemetry

__all__ = [
    "QueryValue",
    "Sink",
    "Transport",
    "UploadStream",
    "check_idempotency_key",
    "encode_query",
    "path_segment",
]

logger = logging.getLogger("composio_router.transport")
logger.addFilter(SecretScrubbingFilter())  # paths carry server-chosen ids: scrub every line

QueryValue = str | int | bool | Sequence[str] | None
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5
_ERROR_TEXT_LIMIT = 300
# The headers a redirect may carry to another origin (spec §1.3 drops the credential; the
# rest of what the SDK sends is about the caller, so it stays home too).
_SAFE_ACROSS_ORIGINS = frozenset({"accept", "user-agent", "content-type", "x-request-id"})
_FORK_ORPHANS: list[aiohttp.ClientSession] = []  # pools inherited across fork, kept, never used
_LIVE: weakref.WeakSet[Transport] = weakref.WeakSet()  # reset in a forked child (see reset_after_fork)
_DOWNLOAD_CHUNK = 256 * 1024  # bytes handed to a download sink at a time


class UploadStream(Protocol):
    """A storage upload read piece by piece, so a large file never sits whole in memory."""

    @property
    def size(self) -> int | None:
        """The byte count (sent as ``Content-Length``), or None (then the body is chunked)."""
        ...

    @property
    def replayable(self) -> bool:
        """Whether :meth:`chunks` can start over: a 307/308 redirect sends the body again."""
        ...

    def chunks(self) -> AsyncIterator[bytes]:
        """The body from its start, in pieces."""
        ...


Sink = Callable[[bytes], Awaitable[object]]
"""Where a streamed download's pieces go, in order (e.g. an open file's ``write``)."""


class _SinkFailed(Exception):
    """Internal: the caller's sink raised; re-raised as the sink's own exception."""


def path_segment(value: str, *, what: str) -> str:
    """Percent-encode one path segment; refuse empty, ``.`` and ``..`` (spec §1.5)."""
    if not isinstance(value, str) or not value or value in (".", ".."):
        raise InvalidInputError(f"{what} must be a non-empty string other than '.' and '..', got {value!r}")
    _check_encodable(value, what)
    return quote(value, safe="")


def _check_encodable(value: str, what: str) -> None:
    # A lone surrogate ("\ud800") has no UTF-8 form: quote() would raise UnicodeEncodeError
    # and aiohttp would silently send the query value empty.
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInputError(f"{what} is not valid Unicode text (a lone surrogate): {value!r}") from None


def encode_query(params: Mapping[str, QueryValue]) -> list[tuple[str, str]]:
    """Spec §1.5: arrays comma-joined in one key, exact ``true``/``false``, unset omitted."""
    encoded: list[tuple[str, str]] = []
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            encoded.append((name, "true" if value else "false"))
        elif isinstance(value, int):
            encoded.append((name, str(value)))
        elif isinstance(value, str):
            _check_encodable(value, name)
            encoded.append((name, value))
        else:
            joined = ",".join(value)
            _check_encodable(joined, name)
            encoded.append((name, joined))
    return encoded


class Transport:
    """Sends requests to the Tool Router API. Owned by exactly one client."""

    def __init__(
        self, options: ClientOptions, http_session: aiohttp.ClientSession | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.options = options
        self.telemetry = telemetry if telemetry is not None else Telemetry()
        """OpenTelemetry spans and metrics (no-ops without OpenTelemetry); the layers above use it too."""
        self._http = http_session
        self._owns_http = http_session is None
        if http_session is not None:
            _no_silent_resend(http_session)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        register_secret(options.api_key)
        # Unregistered on aclose(), or when a transport nobody closed is collected.
        self._release_secret = weakref.finalize(self, unregister_secret, options.api_key)
        self._leak_guard: weakref.finalize[Any, Any] | None = None  # set with the pool (_session)
        self._redact = scrub_text
        self._origin = options.origin
        _LIVE.add(self)
        self._base_url = options.base_url
        # Built once: every request copies this dict and adds its own request id.
        self._headers: dict[str, str] = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **options.default_headers,
            "x-api-key": options.api_key,
        }

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def max_connections(self) -> int:
        """The pool size: fan-out never runs more requests than this at once."""
        if self._http is not None and not self._owns_http:
            limit = self._http.connector.limit if self._http.connector is not None else 0
            return limit or self.options.max_connections
        return self.options.max_connections

    def _session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("this client is closed; create a new one")
        loop = asyncio.get_running_loop()
        if self._http is None:
            connector = aiohttp.TCPConnector(
                limit=self.options.max_connections,
                limit_per_host=0,
                keepalive_timeout=30,
                # True verifies certificates against the system's CAs (aiohttp's default,
                # spelled out); only an explicit verify=False or a caller's context changes it.
                ssl=self.options.verify,
            )
            # No aiohttp-level total timeout: the call's deadline (anyio) bounds it,
            # retries included. Only the connect phase gets its own limit (spec §1.9).
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.options.connect_timeout)
            self._http = aiohttp.ClientSession(connector=connector, timeout=timeout, raise_for_status=False)
            _no_silent_resend(self._http)
            self._loop = loop
            # A client collected with this pool open: one ResourceWarning that names the fix,
            # and a quiet close, instead of aiohttp's two "Unclosed ..." error log lines.
            self._leak_guard = weakref.finalize(self, _close_leaked_pool, self._http, loop)
            self._leak_guard.atexit = False
        elif self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise ComposioError(
                "this client's connection pool belongs to another event loop; create one client "
                "per event loop (or use the sync facade, which owns its loop)"
            )
        return self._http

    def reset_after_fork(self) -> None:
        """In a forked child: forget the parent's pool without closing it.

        Its sockets and event loop belong to the parent process; closing them here
        would close the parent's connections. The next request builds a fresh pool.
        Every transport does this by itself in a forked child (``os.register_at_fork``).
        """
        if self._owns_http and self._http is not None:
            # Never collected in the child: aiohttp's cleanup would close the inherited
            # sockets and unregister them from the epoll set the child shares with the parent,
            # hanging the parent's next requests.
            _FORK_ORPHANS.append(self._http)
            self._http = None
        if self._leak_guard is not None:
            self._leak_guard.detach()  # the orphan is never closed (see above)
        self._loop = None

    async def aclose(self) -> None:
        """Close the pool (only if this transport created it). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._release_secret()
        if self._leak_guard is not None:
            self._leak_guard.detach()
        http, self._http = self._http, None
        if http is not None and self._owns_http and not http.closed:
            await http.close()

    def url(self, path: str) -> str:
        return self._base_url + path

    def seconds(self, timeout: float | None | Unset) -> float | None:
        """A call's ``timeout`` in seconds: UNSET is the client's default, None no limit.

        Raises :class:`InvalidInputError` for anything but a finite number >= 0 or None.
        """
        if timeout is UNSET:
            return self.options.timeout
        return check_seconds(timeout, "timeout")

    async def storage_request(
        self,
        method: str,
        url: str,
        *,
        data: bytes | UploadStream | None = None,
        content_type: str | None = None,
        timeout: float | None | Unset = UNSET,
        sink: Sink | None = None,
    ) -> bytes:
        """PUT or GET a presigned storage URL: same pool, but never a Composio credential.

        Presigned URLs live on another origin and carry their own authorisation in the
        query (spec §4.15, §1.3): sending ``x-api-key`` there would leak it. Redirects are
        followed here, each hop held to the first URL's rule (https, or plain http to this
        machine): aiohttp would follow a redirect to plain http off the machine, and the
        file's contents would cross the network in clear text.

        ``data`` is the body: bytes, or an :class:`UploadStream` read in pieces. With a
        ``sink``, a 2xx body is streamed into it instead of returned (``b""`` is): the
        download is then not held in memory, nor bounded by ``max_response_bytes``. An
        exception the sink raises is raised as is.
        """
        deadline = self.seconds(timeout)
        target = URL(url, encoded=True)
        if deadline == 0:
            raise APITimeoutError(f"{method} to storage: the deadline had passed before sending",
                                  method=method, path=target.path, request_sent=False)
        session = self._session()
        headers = {"User-Agent": USER_AGENT}
        if content_type is not None:
            headers["Content-Type"] = content_type
        failure: BaseException | None = None
        # No traceparent here: the trace context goes to the API, not to a storage provider.
        span = self.telemetry.http(method, "{presigned_storage_url}", target.host or "", target.port, 0)
        try:
            with span, anyio.fail_after(deadline):
                status, raw, target = await self._storage_hops(session, method, target, data, headers, sink)
                span.status(status, None)
        except _SinkFailed as exc:
            raise exc.args[0] from None  # the caller's own error (a full disk), not the network's
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            failure = exc  # raised below, outside the except block: no context chained
        if isinstance(failure, TimeoutError):
            raise APITimeoutError(f"{method} to storage did not complete within {_seconds(deadline)}",
                                  method=method, path=target.path, request_sent=True)
        if failure is not None:
            error = self._connection_error(failure, method, target.path, sent=True)
            failure = None
            raise error
        if not 200 <= status < 300:
            cls = status_error_class(status)
            raise cls(f"{status} from file storage: {self._snippet(raw)}", status_code=status,
                      body=self._snippet(raw), method=method, path=target.path)
        return raw

    async def _storage_hops(
        self,
        session: aiohttp.ClientSession,
        method: str,
        target: URL,
        data: bytes | UploadStream | None,
        headers: dict[str, str],
        sink: Sink | None,
    ) -> tuple[int, bytes, URL]:
        from_https = target.scheme == "https"
        for hop in range(_MAX_REDIRECTS + 1):
            refused = _clear_text_hop(target, from_https)
            if refused is not None:
                why = "from https to plain http" if refused == "downgrade" else "to a non-https URL off this machine"
                raise APIConnectionError(
                    f"{method} to storage: refused a redirect {why}",
                    method=method, path=target.path, request_sent=True,
                )
            body: bytes | AsyncIterator[bytes] | None
            if data is None or isinstance(data, bytes):
                body = data
            else:
                if hop and not data.replayable:
                    raise APIConnectionError(
                        f"{method} to storage: redirected an upload whose source cannot be read again",
                        method=method, path=target.path, request_sent=True,
                    )
                body = data.chunks()
                if data.size is not None:
                    # A known length, not chunked encoding: presigned storage PUTs need it.
                    headers["Content-Length"] = str(data.size)
            async with session.request(method, target, data=body, headers=headers, allow_redirects=False) as resp:
                status = resp.status
                location = resp.headers.get("Location")
                if sink is not None and 200 <= status < 300:
                    async for piece in resp.content.iter_chunked(_DOWNLOAD_CHUNK):
                        try:
                            await sink(piece)
                        except Exception as exc:
                            raise _SinkFailed(exc) from None
                    raw = b""
                else:
                    raw = await self._read_body(resp, method, target.path)
            if status not in _REDIRECT_STATUSES or not location:
                return status, raw, target
            target = target.join(URL(location, encoded=True))
            if status == 303:
                method, data = "GET", None
                headers.pop("Content-Type", None)
                headers.pop("Content-Length", None)
        raise APIConnectionError(f"more than {_MAX_REDIRECTS} redirects from storage", method=method, path=target.path)

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Sequence[tuple[str, str]] | None = None,
        idempotency: Idempotency,
        timeout: float | None | Unset = UNSET,
        max_retries: int | None = None,
        idempotency_key: str | None = None,
        missing_means_done: bool = False,
    ) -> Any:
        """Send one logical call and return the parsed JSON body of its 2xx response.

        ``body`` is any orjson-serialisable value (``None`` = no body). The deadline
        (``timeout``; UNSET = the client's default, ``None`` = no deadline) covers
        every attempt and every backoff sleep. An ``idempotency_key`` is sent in the
        client's ``idempotency_header`` on every attempt and makes an unsafe call
        retryable: the caller vouches that the server deduplicates by it.
        ``missing_means_done`` (deletes): a 404 on a retry, after an attempt that may have
        run, means that attempt did the work; the call returns ``None`` instead of raising.
        """
        extra_headers: dict[str, str] | None = None
        if idempotency_key is not None:
            check_idempotency_key(idempotency_key)
            extra_headers = {self.options.idempotency_header: idempotency_key}
            if idempotency is Idempotency.UNSAFE:
                idempotency = Idempotency.KEYED
        payload: bytes | None = None
        if body is not None:
            try:
                payload = orjson.dumps(body)
            except TypeError as exc:
                # Raised before anything is sent: the caller's arguments are not JSON.
                raise InvalidInputError(f"request body is not JSON-serialisable: {exc}") from None
        deadline = self.seconds(timeout)
        if deadline == 0:
            # A deadline that has already passed sends nothing: the call cannot have run.
            raise APITimeoutError(f"{method} {self._redact(path)}: the deadline had passed before sending",
                                  method=method, path=path, request_sent=False)
        session = self._session()
        retries = self.options.max_retries if max_retries is None else max_retries
        deadline_at = None if deadline is None else asyncio.get_running_loop().time() + deadline
        progress = _Progress()
        try:
            # asyncio.timeout_at rather than anyio.fail_after on this hot path: this module is
            # bound to asyncio anyway (aiohttp), and the stdlib scope measured 8.6 us per call
            # against 25 us (benchmarks: throughput at 100 in flight). anyio cancel scopes
            # around it (fan-out, callers) interoperate with native asyncio cancellation.
            async with asyncio.timeout_at(deadline_at):
                return await self._send_with_retries(
                    session, method, path, payload, query, idempotency, retries, deadline_at,
                    extra_headers, progress, missing_means_done,
                )
        except TimeoutError:
            pass  # raised below, not in the except block: no aiohttp exception as context
        # Cut off mid-attempt, the request may have reached the server: only a deadline that
        # passed between attempts, all of them refused, proves it never ran.
        raise APITimeoutError(
            f"{method} {path} did not complete within {_seconds(deadline)}", method=method, path=path,
            request_sent=progress.sent or progress.in_flight,
        )

    async def _send_with_retries(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        payload: bytes | None,
        query: Sequence[tuple[str, str]] | None,
        idempotency: Idempotency,
        max_retries: int,
        deadline_at: float | None,
        extra_headers: Mapping[str, str] | None,
        progress: _Progress,
        missing_means_done: bool,
    ) -> Any:
        headers = dict(self._headers)
        if extra_headers:
            headers.update(extra_headers)
        # One id per logical call, reused across retries, so server logs can join them.
        headers["x-request-id"] = os.urandom(16).hex()
        if payload is not None:
            headers["Content-Type"] = "application/json"
        url = URL(self._base_url + path, encoded=True)
        attempt = 0
        while True:
            # Failures are handled after the except blocks, never inside them: an error raised
            # there would chain aiohttp's exception as __context__, and some of those carry
            # the request's headers (the API key) in their request_info.
            failure: BaseException | None = None
            never_sent = False
            progress.in_flight = True
            try:
                if self.telemetry.enabled:
                    status, resp_headers, raw = await self._traced_attempt(
                        session, method, url, path, headers, payload, query, attempt
                    )
                else:  # the common case: no span, no extra coroutine frame
                    status, resp_headers, raw = await self._send_following_redirects(
                        session, method, url, headers, payload, query
                    )
            except _NotSent as exc:
                failure, never_sent = exc.__cause__, True
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                failure = exc
            progress.in_flight = False
            if failure is not None:
                kind = type(failure).__name__
                if never_sent:
                    # The connection never opened: nothing ran, so any call may be retried.
                    if attempt < max_retries:
                        delay = backoff_delay(attempt)
                        logger.debug("%s %s: could not connect (%s), retrying in %.3f s", method, path, kind, delay)
                        await anyio.sleep(delay)
                        attempt += 1
                        continue
                    error = self._connection_error(failure, method, path, sent=progress.sent)
                else:
                    # Sent, or maybe sent: the server may have run it before the connection failed.
                    progress.sent = progress.maybe_ran = True
                    if idempotency.retries_after_send and attempt < max_retries:
                        delay = backoff_delay(attempt)
                        logger.debug("%s %s: connection failed after sending (%s), retrying in %.3f s",
                                     method, path, kind, delay)
                        await anyio.sleep(delay)
                        attempt += 1
                        continue
                    error = self._connection_error(failure, method, path, sent=True)
                failure = None  # no frame <-> traceback cycle kept alive by this local
                raise error
            progress.sent = True

            if 200 <= status < 300:
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug("%s %s -> %d (attempt %d)", method, path, status, attempt + 1)
                return self._parse_success(status, raw, resp_headers, method, path)

            if status == 404 and missing_means_done and progress.maybe_ran:
                # An earlier attempt deleted it and its answer was lost: the caller's goal holds.
                logger.debug("%s %s -> 404 after an attempt that may have run: done", method, path)
                return None
            if status >= 500 or status == 408:
                progress.maybe_ran = True
            status_error = self._status_error(status, raw, resp_headers, method, path)
            if attempt < max_retries and should_retry_status(status, resp_headers, idempotency):
                hint = status_error.retry_after
                delay = hint if hint is not None else backoff_delay(attempt)
                if deadline_at is not None and anyio.current_time() + delay >= deadline_at:
                    raise status_error  # waiting would only turn the server's answer into a timeout
                logger.debug("%s %s -> %d, retrying in %.3f s", method, path, status, delay)
                await anyio.sleep(delay)
                attempt += 1
                continue
            logger.debug("%s %s -> %d (giving up after %d attempts)", method, path, status, attempt + 1)
            raise status_error

    async def _traced_attempt(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        path: str,
        headers: dict[str, str],
        payload: bytes | None,
        query: Sequence[tuple[str, str]] | None,
        attempt: int,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One attempt in its own ``CLIENT`` span (OpenTelemetry is on)."""
        telemetry = self.telemetry
        with telemetry.http(method, url_template(path), url.host or "", url.port, attempt) as span:
            traced = dict(headers)
            telemetry.inject(traced)  # traceparent: the server's spans join this trace
            try:
                status, resp_headers, raw = await self._send_following_redirects(
                    session, method, url, traced, payload, query
                )
            except _NotSent as exc:
                span.error(type(exc.__cause__).__name__)
                raise
            except BaseException as exc:
                span.error(type(exc).__name__)
                raise
            span.status(status, resp_headers.get("x-request-id"))
            return status, resp_headers, raw

    async def _send_following_redirects(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        headers: dict[str, str],
        payload: bytes | None,
        query: Sequence[tuple[str, str]] | None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        # Redirects are followed here rather than by aiohttp, because aiohttp would carry
        # our x-api-key header across origins; the spec (§1.3) drops it on an origin change.
        headers = dict(headers)  # per attempt: a retry starts again from the original headers
        for _ in range(_MAX_REDIRECTS + 1):
            certificate_problem: str | None
            try:
                response_cm = session.request(
                    method, url, data=payload, headers=headers, params=query, allow_redirects=False
                )
                async with response_cm as resp:
                    status = resp.status
                    resp_headers = resp.headers
                    raw = await self._read_body(resp, method, url.path)
            except aiohttp.ClientConnectorCertificateError as exc:
                certificate_problem = self._redact(str(exc.certificate_error))
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
                raise _NotSent from exc
            else:
                certificate_problem = None
            if certificate_problem is not None:
                # Not retried: the next attempt would meet the same certificate.
                raise APIConnectionError(
                    f"{method} {url.path} failed: the server's TLS certificate could not be verified "
                    f"({certificate_problem}). Pass verify=ssl.create_default_context("
                    f"cafile=...) to trust a private CA; verify=False turns verification off (insecure).",
                    method=method, path=url.path, request_sent=False,
                )
            location = resp_headers.get("Location")
            if status not in _REDIRECT_STATUSES or not location:
                return status, resp_headers, raw
            from_https = url.scheme == "https"
            url = url.join(URL(location))
            refused = _clear_text_hop(url, from_https)
            if refused is not None:  # it would send the body (tool arguments) in clear text
                raise APIConnectionError(
                    f"{method} {url.path}: refused a redirect to a non-https URL "
                    f"{'from https' if refused == 'downgrade' else 'off this machine'}",
                    method=method, path=url.path, request_sent=True,
                )
            query = None  # the Location carries its own query
            if status == 303 or (status in (301, 302) and method == "POST"):
                method, payload = "GET", None
                headers.pop("Content-Type", None)
            if url_origin(str(url)) != self._origin:
                # Another origin gets only what says nothing about the caller: not the key,
                # not the caller's default headers (a gateway's Authorization), not cookies,
                # not the trace context (it goes to the API only). The idempotency key stays:
                # it is no secret, and a re-sent POST without it could run twice.
                keep = {*_SAFE_ACROSS_ORIGINS, self.options.idempotency_header.lower()}
                for name in [h for h in headers if h.lower() not in keep]:
                    del headers[name]
        raise APIConnectionError(f"more than {_MAX_REDIRECTS} redirects", method=method, path=url.path)

    async def _read_body(self, resp: aiohttp.ClientResponse, method: str, path: str) -> bytes:
        """The (decompressed) body, refused past ``max_response_bytes`` before it is all in memory.

        Counted while streaming, not from ``Content-Length``: that header is absent on
        chunked answers and counts compressed bytes on gzipped ones.
        """
        limit = self.options.max_response_bytes
        declared = resp.content_length
        if declared is not None and declared <= limit and "Content-Encoding" not in resp.headers:
            return await resp.read()  # the common case: aiohttp reads exactly `declared` bytes
        size = 0
        chunks: list[bytes] = []
        if declared is None or declared <= limit:
            async for chunk in resp.content.iter_any():
                size += len(chunk)
                if size > limit:
                    break
                chunks.append(chunk)
        if size > limit or (declared is not None and declared > limit):
            resp.close()  # the rest is never read: this connection cannot be reused
            raise APIResponseTooLargeError(
                f"{method} {path} -> {resp.status}: the response is larger than "
                f"max_response_bytes={limit}",
                status_code=resp.status, limit=limit, method=method, path=path,
                request_id=resp.headers.get("x-request-id"),
            )
        return b"".join(chunks)

    def _parse_success(
        self, status: int, raw: bytes, headers: Mapping[str, str], method: str, path: str
    ) -> Any:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            data = _INVALID_JSON
        if data is _INVALID_JSON:
            # Raised outside the except block: the decode error's context would keep the whole
            # raw body (its .doc), echoed secrets included.
            raise APIResponseValidationError(
                f"{method} {path} -> {status}: the body is not valid JSON "
                f"({self._snippet(raw)!r})",
                status_code=status,
                body=self._snippet(raw),
                method=method,
                path=path,
                request_id=headers.get("x-request-id"),
            )
        if not isinstance(data, dict):
            raise APIResponseValidationError(
                f"{method} {path} -> {status}: expected a JSON object, got {type(data).__name__}",
                status_code=status,
                body=data,
                method=method,
                path=path,
                request_id=headers.get("x-request-id"),
            )
        return data

    def _snippet(self, raw: bytes) -> str:
        # Scrubbed before it is cut: a key straddling the cut would otherwise leave its start.
        window = raw[: _ERROR_TEXT_LIMIT + 256].decode("utf-8", "replace")
        return self._redact(window)[:_ERROR_TEXT_LIMIT]

    def _status_error(
        self, status: int, raw: bytes, headers: Mapping[str, str], method: str, path: str
    ) -> APIStatusError:
        body: Any
        try:
            body = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            body = _INVALID_JSON
        if body is _INVALID_JSON:
            body = self._snippet(raw)  # e.g. a proxy's HTML 502 page
        envelope = body.get("error") if isinstance(body, dict) else None
        if not isinstance(envelope, dict):
            envelope = {}
        message = envelope.get("message")
        if not isinstance(message, str) or not message:
            message = body if isinstance(body, str) and body else f"HTTP {status}"
        message = self._redact(message)
        request_id = headers.get("x-request-id") or _str_or_none(envelope.get("request_id"))
        slug = _str_or_none(envelope.get("slug"))
        slug = self._redact(slug) if slug else None
        suggested_fix = _str_or_none(envelope.get("suggested_fix"))
        errors = envelope.get("errors")
        error_list = [self._redact(str(e)) for e in errors] if isinstance(errors, list) else []
        code = envelope.get("code")
        cls = status_error_class(status)
        text = f"{status} {message}"
        if slug:
            text += f" [{slug}]"
        if error_list:
            text += ": " + "; ".join(error_list)
        if suggested_fix:
            text += f" (suggested fix: {self._redact(suggested_fix)})"
        if request_id:
            text += f" (request id {request_id})"
        return cls(
            text,
            status_code=status,
            body=body,
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            slug=slug,
            request_id=request_id,
            suggested_fix=self._redact(suggested_fix) if suggested_fix else None,
            errors=error_list,
            retry_after=retry_after_seconds(headers),
            method=method,
            path=path,
        )

    def _connection_error(
        self, exc: BaseException | None, method: str, path: str, *, sent: bool
    ) -> APIConnectionError:
        kind = type(exc).__name__ if exc is not None else "connection error"
        detail = self._redact(str(exc)) if exc is not None else ""
        text = f"{method} {path} failed: {kind}" + (f": {detail}" if detail else "")
        text += " (the request was sent: it may have run)" if sent else " (the request was never sent)"
        return APIConnectionError(text, method=method, path=path, request_sent=sent)


# Segments that hold an id: the span name and url.template show the route, not the id.
_ID_SEGMENT = re.compile(r"/(session|mounts|connected_accounts)/([^/]+)")
_ID_NAMES = {"session": "session_id", "mounts": "mount_id", "connected_accounts": "connected_account_id"}


def url_template(path: str) -> str:
    """``/api/v3.1/tool_router/session/{session_id}/execute`` for a concrete request path."""
    return _ID_SEGMENT.sub(lambda m: f"/{m.group(1)}/{{{_ID_NAMES[m.group(1)]}}}", path)


def _clear_text_hop(target: URL, from_https: bool) -> Literal["downgrade", "off_machine"] | None:
    """Why a redirect to ``target`` must not be followed, or None: the rule of every hop.

    https is always fine. Plain http only to this machine (the emulator), and never after
    https: the first URL's rule holds for every hop, a local proxy in clear text included.
    """
    if target.scheme == "https":
        return None
    if from_https:
        return "downgrade"
    if target.scheme == "http" and is_loopback_host(target.host or ""):
        return None
    return "off_machine"


def _no_silent_resend(http: aiohttp.ClientSession) -> None:
    # aiohttp quietly sends GET and DELETE again when a reused connection drops, with no
    # backoff and outside max_retries. The SDK's retry policy must be the only one in force
    # on any pool it uses (counted, visible in logs, and a delete can tell that a lost attempt
    # did the work), so this is switched off on the caller's own session too (documented at
    # `http_session=`). A private attribute with no public switch: guarded, so a rename
    # in aiohttp costs only this, and a test notices.
    if hasattr(http, "_retry_connection"):
        http._retry_connection = False  # noqa: SLF001 - aiohttp's, see above


_CLOSING: set[asyncio.Task[None]] = set()  # quiet closes of leaked pools, kept until done


def _close_leaked_pool(http: aiohttp.ClientSession, loop: asyncio.AbstractEventLoop) -> None:
    """A client collected with its own pool still open (a finalizer; any thread, mid-GC)."""
    if http.closed:
        return
    try:
        warnings.warn(
            "unclosed AsyncComposio: it was garbage-collected with its connection pool open. "
            "Use `async with AsyncComposio() as composio:` or `await composio.aclose()`; in a web "
            "app, open one client for the app (FastAPI: in the lifespan) and share it, rather than "
            "one per request. The SDK closed the pool.",
            ResourceWarning,
            stacklevel=1,  # attributed to composio_router (a finalizer has no caller to point at)
        )
    finally:

        def close() -> None:
            task = loop.create_task(http.close())
            _CLOSING.add(task)
            task.add_done_callback(_CLOSING.discard)

        try:
            loop.call_soon_threadsafe(close)
        except RuntimeError:
            pass  # its loop has closed: nothing can close the pool any more


def _reset_all_after_fork() -> None:
    for transport in list(_LIVE):
        transport.reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_all_after_fork)


def check_idempotency_key(key: object) -> None:
    """Refuse, before sending, a key no server could read back (spec §1.8: a header value)."""
    # Outer spaces would be stripped by the server (RFC 9110 field values), making " a" and
    # "a" the same key without the caller knowing.
    if (
        not isinstance(key, str) or not key or len(key) > 255 or not key.isascii()
        or not key.isprintable() or key != key.strip()
    ):
        raise InvalidInputError(
            f"idempotency_key must be 1-255 printable ASCII characters without outer spaces, got {key!r}"
        )


class _Progress:
    """Whether any attempt of a call got as far as sending (for ``request_sent`` on errors)."""

    __slots__ = ("in_flight", "maybe_ran", "sent")

    def __init__(self) -> None:
        self.sent = False  # an attempt reached the server (or may have)
        self.maybe_ran = False  # an attempt may have done its work without a usable answer
        self.in_flight = False  # an attempt is under way (connecting, sending or waiting)


_INVALID_JSON: Any = object()


class _NotSent(Exception):
    """Internal: the request never left (connect failed), so a retry cannot duplicate it."""


def _seconds(deadline: float | None) -> str:
    return "the deadline" if deadline is None else f"{deadline:.3g} s"


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
