"""An in-process guard that refuses every non-loopback connection and DNS look-up.

Installed first thing in every process the benchmarks start (the orchestrator, the
emulator, every worker and every import-timing interpreter), before any SDK is
imported. It patches the ``socket`` module, which is what every client here ends up
in: ``socket.socket.connect``/``connect_ex``/``sendto``, ``socket.create_connection``,
``socket.getaddrinfo``, ``gethostbyname(_ex)``. asyncio resolves through
``socket.getaddrinfo`` (looked up at call time) and connects through
``sock.connect``, so aiohttp, httpx, requests and anyio are all covered.

A refused call raises **before** the real one: nothing is sent, no resolver is
asked. Allowed: ``127.0.0.0/8``, ``::1`` (and ``::ffff:127.x``), the name
``localhost`` (whose answers must themselves be loopback), ``None``/wildcard hosts
(binding a server) and ``AF_UNIX`` paths.

Only ``socket`` is imported here (cheap, and every measured package imports it
anyway); ``ipaddress`` is imported on the first check, after import timing.
"""

from __future__ import annotations

import socket
from typing import Any

__all__ = ["BlockedConnection", "BlockedLookup", "blocked", "install", "installed", "is_loopback_host"]

_LOCAL_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost", "ip6-loopback"})
_state: dict[str, Any] = {"installed": False, "blocked": []}


class BlockedConnection(ConnectionRefusedError):
    """A connection to a non-loopback address was refused by the benchmark guard."""


class BlockedLookup(socket.gaierror):
    """A DNS look-up of a non-loopback name was refused by the benchmark guard."""


def installed() -> bool:
    return bool(_state["installed"])


def blocked() -> list[str]:
    """What the guard refused in this process (for the report)."""
    return list(_state["blocked"])


def _as_text(host: Any) -> str | None:
    if host is None:
        return None
    if isinstance(host, bytes | bytearray):
        return bytes(host).decode("ascii", "replace")
    return str(host)


def is_loopback_host(host: Any) -> bool:
    """True for loopback IP literals and the local names; False for anything else."""
    text = _as_text(host)
    if text is None:
        return False
    text = text.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]  # IPv6 zone id
    if text in _LOCAL_NAMES:
        return True
    import ipaddress

    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped.is_loopback
    return addr.is_loopback


def _refuse(kind: str, what: Any) -> None:
    message = f"netguard: refused {kind} to non-loopback {what!r} (benchmarks are loopback only)"
    _state["blocked"].append(f"{kind} {what!r}")
    if kind == "lookup":
        raise BlockedLookup(socket.EAI_NONAME, message)
    raise BlockedConnection(message)


def _check_address(kind: str, address: Any, family: int | None = None) -> None:
    if family is not None and family == getattr(socket, "AF_UNIX", object()):
        return
    if isinstance(address, str | bytes) and family is None:
        return  # an AF_UNIX path
    if isinstance(address, tuple) and address:
        if not is_loopback_host(address[0]):
            _refuse(kind, address)
        return
    _refuse(kind, address)


def _check_lookup(host: Any) -> None:
    text = _as_text(host)
    if text is None or text == "":
        return  # passive look-up (binding), no resolver involved
    if not is_loopback_host(text):
        _refuse("lookup", text)


def install() -> None:
    """Patch the socket module (idempotent)."""
    if _state["installed"]:
        return
    sock_cls = socket.socket
    real_connect = sock_cls.connect
    real_connect_ex = sock_cls.connect_ex
    real_sendto = sock_cls.sendto
    real_getaddrinfo = socket.getaddrinfo
    real_create_connection = socket.create_connection
    real_gethostbyname = socket.gethostbyname
    real_gethostbyname_ex = socket.gethostbyname_ex

    def connect(self: socket.socket, address: Any) -> None:
        _check_address("connect", address, self.family)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check_address("connect", address, self.family)
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        address = args[-1]
        _check_address("sendto", address, self.family)
        return real_sendto(self, data, *args)  # type: ignore[call-arg]

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        _check_lookup(host)
        infos = real_getaddrinfo(host, *args, **kwargs)
        if _as_text(host):
            for info in infos:
                if info[0] in (socket.AF_INET, socket.AF_INET6) and not is_loopback_host(info[4][0]):
                    _refuse("lookup", (host, info[4][0]))
        return infos

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        _check_address("connect", address)
        return real_create_connection(address, *args, **kwargs)

    def gethostbyname(host: str) -> str:
        _check_lookup(host)
        return real_gethostbyname(host)

    def gethostbyname_ex(host: str) -> Any:
        _check_lookup(host)
        return real_gethostbyname_ex(host)

    sock_cls.connect = connect  # type: ignore[method-assign]
    sock_cls.connect_ex = connect_ex  # type: ignore[method-assign]
    sock_cls.sendto = sendto  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
    socket.create_connection = create_connection
    socket.gethostbyname = gethostbyname
    socket.gethostbyname_ex = gethostbyname_ex
    _state["installed"] = True
