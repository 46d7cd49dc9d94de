"""Client options: explicit argument > environment variable > default, resolved once.

The resolved options are frozen, so a client's behaviour cannot drift after
construction, and the API key is masked in every repr.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import ssl
from collections.abc import Mapping
from urllib.parse import urlsplit

from attrs import field, frozen

from ._version import __version__
from .errors import ComposioError, ConfigurationError, InvalidInputError

__all__ = ["DEFAULT_BASE_URL", "ClientOptions", "check_seconds", "resolve_options"]

DEFAULT_BASE_URL = "https://backend.composio.dev"
DEFAULT_TIMEOUT = 60.0  # spec §1.9: total/read timeout
DEFAULT_CONNECT_TIMEOUT = 5.0  # spec §1.9
DEFAULT_MAX_RETRIES = 2  # spec §1.8: at most 3 attempts
DEFAULT_MAX_CONNECTIONS = 100  # spec §1.9
DEFAULT_IDEMPOTENCY_HEADER = "Idempotency-Key"  # spec §1.8: the header S3 sends when given a key
# Tool outputs can be large (file contents, long threads) but a response without a bound
# lets a broken proxy or a hostile server exhaust the process's memory.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
USER_AGENT = f"composio-router/Python {__version__}"


CREDENTIAL_HEADER_NAMES = ("x-api-key", "x-user-api-key", "x-org-api-key")


def _mask(_value: str) -> str:
    return "'***'"


@frozen
class ClientOptions:
    """Everything a client was configured with. ``api_key`` never shows in a repr."""

    api_key: str = field(repr=_mask)
    base_url: str
    timeout: float | None = DEFAULT_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    default_headers: Mapping[str, str] = field(factory=dict)
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    idempotency_header: str = DEFAULT_IDEMPOTENCY_HEADER
    # True = verify against the system's CAs; an SSLContext = the caller's trust; False = off.
    verify: bool | ssl.SSLContext = True

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` of the API, used to decide where the key may be sent."""
        return url_origin(self.base_url)


def url_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


def _env(name: str) -> str | None:
    # Blank or whitespace-only values count as unset, as in the official SDK (spec §1.2).
    value = os.environ.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def _parse_custom_headers(raw: str | None) -> dict[str, str]:
    """``COMPOSIO_CUSTOM_HEADERS``: ``Name: value`` lines, split at the first colon (spec §1.2)."""
    headers: dict[str, str] = {}
    for line in (raw or "").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip()] = value.strip()
    return headers


# RFC 9110 token: the characters a header name may use.
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def _has_control_characters(text: str, *, allow_tab: bool) -> bool:
    return any((ord(ch) < 32 and not (allow_tab and ch == "\t")) or ord(ch) == 127 for ch in text)


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback IP: the only hosts plain ``http://`` may reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _validate_base_url(base_url: str) -> str:
    if not isinstance(base_url, str) or any(ch.isspace() or ch == "\\" for ch in base_url) or _has_control_characters(base_url, allow_tab=False):
        raise ConfigurationError(f"base_url must be a URL without spaces, backslashes or control characters, got {base_url!r}")
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 - raises ValueError for a port that is out of range or not a number
    except ValueError as exc:
        raise ConfigurationError(f"base_url is not a valid URL ({exc}), got {base_url!r}") from None
    if "@" in parts.netloc:
        raise ConfigurationError(f"base_url must not carry credentials (user@host), got {base_url!r}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"base_url must be an absolute https:// URL, got {base_url!r}"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"base_url must not carry a query or fragment, got {base_url!r}")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        # Plain http would send the API key and every tool argument in clear text. Only a
        # server on this machine (the emulator, a local proxy) is exempt.
        raise ConfigurationError(
            f"base_url must use https:// (plain http:// is allowed only for localhost and "
            f"loopback addresses such as the emulator's), got {base_url!r}"
        )
    # A path prefix is kept (spec §1.1); only the trailing slash is normalised away
    # because every request path starts with one.
    return base_url.rstrip("/")


def check_seconds(
    value: object, what: str, *, error: type[ComposioError] = InvalidInputError, positive: bool = False,
    optional: bool = True,
) -> float | None:
    """A duration: a finite number of seconds >= 0 (> 0 if ``positive``), or None if ``optional``.

    Anything else (NaN, infinity, a string, a bool) is refused with ``error`` before it can
    reach a timer: a NaN deadline would also disturb other calls' timers on the same loop.
    """
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise error(f"{what} must be a number of seconds{' or None' if optional else ''}, got {value!r}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0 or (positive and seconds == 0):
        bound = "> 0" if positive else ">= 0"
        raise error(f"{what} must be a finite number of seconds {bound}{' or None' if optional else ''}, got {value!r}")
    return seconds


def resolve_options(
    *,
    api_key: str | None,
    base_url: str | None,
    timeout: float | None,
    connect_timeout: float,
    max_retries: int,
    max_connections: int,
    default_headers: Mapping[str, str] | None,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    idempotency_header: str = DEFAULT_IDEMPOTENCY_HEADER,
    verify: bool | ssl.SSLContext = True,
) -> ClientOptions:
    """Apply the precedence rules and validate; raises :class:`ConfigurationError`."""
    if api_key is not None and (not isinstance(api_key, str) or not api_key.strip()):
        # An explicit empty key is a mistake to report, not a cue to use the environment's.
        raise ConfigurationError("api_key is empty: pass the key, or leave api_key out to use COMPOSIO_API_KEY")
    key = api_key if api_key is not None else _env("COMPOSIO_API_KEY")
    if not key:
        raise ConfigurationError(
            "no API key: pass api_key=... or set the COMPOSIO_API_KEY environment variable "
            "(for offline use, start the emulator: python -m composio_router emulator)"
        )
    if _has_control_characters(key.strip(), allow_tab=False):
        # Never echo the key itself: the message may end up in a log.
        raise ConfigurationError("the API key contains a line break or another control character")
    url = _validate_base_url(base_url or _env("COMPOSIO_BASE_URL") or DEFAULT_BASE_URL)
    timeout = check_seconds(timeout, "timeout", error=ConfigurationError, positive=True)
    connect = check_seconds(connect_timeout, "connect_timeout", error=ConfigurationError, positive=True, optional=False)
    assert connect is not None
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigurationError(f"max_retries must be an integer >= 0, got {max_retries!r}")
    if isinstance(max_connections, bool) or not isinstance(max_connections, int) or max_connections < 1:
        raise ConfigurationError(f"max_connections must be an integer >= 1, got {max_connections!r}")
    if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int) or max_response_bytes < 1:
        raise ConfigurationError(f"max_response_bytes must be an integer >= 1, got {max_response_bytes!r}")
    if not isinstance(idempotency_header, str) or not _HEADER_NAME.match(idempotency_header):
        raise ConfigurationError(f"idempotency_header must be a valid HTTP header name, got {idempotency_header!r}")
    if idempotency_header.lower() in (*CREDENTIAL_HEADER_NAMES, "x-request-id", "content-type", "host"):
        raise ConfigurationError(f"idempotency_header cannot be {idempotency_header!r}: the SDK sets that header itself")
    if not isinstance(verify, (bool, ssl.SSLContext)):
        raise ConfigurationError(f"verify must be True, False or an ssl.SSLContext, got {verify!r}")
    headers = _parse_custom_headers(_env("COMPOSIO_CUSTOM_HEADERS"))
    headers.update(default_headers or {})  # explicit headers win over the environment
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise ConfigurationError(f"default header name {name!r} is not a valid HTTP header name")
        if not isinstance(value, str) or _has_control_characters(value, allow_tab=True):
            # A CR/LF in a value would split it into two headers on the wire.
            raise ConfigurationError(f"default header {name} must have a string value without control characters")
    credentials = [h for h in headers if h.lower() in CREDENTIAL_HEADER_NAMES]
    if credentials:
        # Exactly one credential per request (spec §1.3), and only the key's own handling
        # (masking, origin checks) may send it.
        raise ConfigurationError(f"default headers must not carry credentials ({', '.join(credentials)}); pass api_key=")
    if any(h.lower() == idempotency_header.lower() for h in headers):
        # One key on every request would make a deduplicating server replay the first
        # answer for all of them; keys are per call (idempotency_key=...).
        raise ConfigurationError(f"default headers must not carry {idempotency_header}; pass idempotency_key= per call")
    return ClientOptions(
        api_key=key.strip(),
        base_url=url,
        timeout=timeout,
        connect_timeout=connect,
        max_retries=max_retries,
        max_connections=max_connections,
        default_headers=headers,
        max_response_bytes=max_response_bytes,
        idempotency_header=idempotency_header,
        verify=verify,
    )
