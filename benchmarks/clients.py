"""The four clients, behind one tiny interface each: ``create``, ``search``, ``execute``.

* ``async``: ``composio_router.AsyncComposio`` (this SDK, async API);
* ``raw``: a hand-written aiohttp + orjson client sending exactly the same requests
  (paths, bodies, headers, ``x-api-key``, a fresh ``x-request-id``), the practical floor;
* ``sync``: ``composio_router.Composio``, the generated blocking facade (when present);
* ``official``: the official ``composio`` SDK (sync; when installed, see :mod:`.official`).

Async clients are driven from one event loop; sync clients from threads.
Nothing here imports a client library at module level: the worker imports only the
one it measures.
"""

from __future__ import annotations

import os
from typing import Any

API_KEY = "bench-key"
SESSIONS_PATH = "/api/v3.1/tool_router/session"
ECHO = ("UTILS_ECHO", {"message": "hello from the benchmark"})
QUERY = "get the weather forecast for a city"


class ClientError(RuntimeError):
    pass


# -- raw aiohttp + orjson --------------------------------------------------------------------


class RawClient:
    """The floor: one pooled aiohttp session, orjson in and out, status check, nothing else."""

    def __init__(self, base_url: str, *, max_connections: int = 100, user_agent: str = "") -> None:
        import aiohttp
        import orjson
        from yarl import URL

        self._aiohttp, self._orjson, self._URL = aiohttp, orjson, URL
        self._base = base_url.rstrip("/")
        self._max = max_connections
        self._http: Any = None
        # The SDK's User-Agent (passed in by the runner, so this process never imports the SDK).
        ua = user_agent or "composio-router/Python"
        self._headers = {"Accept": "application/json", "User-Agent": ua, "x-api-key": API_KEY}

    async def open(self) -> RawClient:
        aiohttp = self._aiohttp
        connector = aiohttp.TCPConnector(limit=self._max, limit_per_host=0, keepalive_timeout=30)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=5.0)
        self._http = aiohttp.ClientSession(connector=connector, timeout=timeout, raise_for_status=False)
        return self

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def post(self, path: str, body: Any) -> dict[str, Any]:
        headers = dict(self._headers)
        headers["x-request-id"] = os.urandom(16).hex()
        headers["Content-Type"] = "application/json"
        url = self._URL(self._base + path, encoded=True)
        async with self._http.request(
            "POST", url, data=self._orjson.dumps(body), headers=headers, allow_redirects=False
        ) as resp:
            raw = await resp.read()
            status = resp.status
        if not 200 <= status < 300:
            raise ClientError(f"POST {path} -> {status}: {raw[:200]!r}")
        data = self._orjson.loads(raw)
        if not isinstance(data, dict):
            raise ClientError("not a JSON object")
        return data

    async def create(self, user_id: str) -> RawSession:
        data = await self.post(SESSIONS_PATH, {"user_id": user_id})
        return RawSession(self, data["session_id"])


class RawSession:
    def __init__(self, client: RawClient, session_id: str) -> None:
        self._client = client
        self.session_id = session_id
        self._path = SESSIONS_PATH + "/" + session_id

    async def search(self, query: str) -> dict[str, Any]:
        return await self._client.post(self._path + "/search", {"queries": [{"use_case": query}]})

    async def execute(self, slug: str, arguments: dict[str, Any]) -> dict[str, Any]:
        data = await self._client.post(self._path + "/execute", {"tool_slug": slug, "arguments": arguments})
        if data.get("error") is not None:
            raise ClientError(f"{slug} failed: {data.get('error')}")
        return data


# -- composio_router, async -------------------------------------------------------------------


class AsyncSDKClient:
    def __init__(self, base_url: str, *, max_connections: int | None = 100) -> None:
        from composio_router import AsyncComposio

        kwargs: dict[str, Any] = {}
        if max_connections is not None:
            kwargs["max_connections"] = max_connections
        self._client = AsyncComposio(api_key=API_KEY, base_url=base_url, **kwargs)

    async def open(self) -> AsyncSDKClient:
        return self

    async def aclose(self) -> None:
        await self._client.aclose()

    async def create(self, user_id: str, **kwargs: Any) -> AsyncSDKSession:
        return AsyncSDKSession(await self._client.create(user_id=user_id, **kwargs))


class AsyncSDKSession:
    def __init__(self, session: Any) -> None:
        self.session = session

    async def search(self, query: str) -> Any:
        return await self.session.search(query)

    async def execute(self, slug: str, arguments: dict[str, Any]) -> Any:
        result = await self.session.execute(slug, arguments)
        if not result.successful:
            raise ClientError(f"{slug} failed: {result.error}")
        return result


# -- composio_router, sync facade -------------------------------------------------------------


def sync_facade_available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("composio_router._sync") is not None
    except (ImportError, ValueError):
        return False


class SyncSDKClient:
    def __init__(self, base_url: str) -> None:
        from composio_router import Composio

        self._client = Composio(api_key=API_KEY, base_url=base_url)

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if close is not None:
            close()

    def create(self, user_id: str) -> SyncSDKSession:
        return SyncSDKSession(self._client.create(user_id=user_id))


class SyncSDKSession:
    def __init__(self, session: Any) -> None:
        self.session = session

    def search(self, query: str) -> Any:
        return self.session.search(query)

    def execute(self, slug: str, arguments: dict[str, Any]) -> Any:
        result = self.session.execute(slug, arguments)
        if not result.successful:
            raise ClientError(f"{slug} failed: {result.error}")
        return result


# -- the official SDK -------------------------------------------------------------------------


class OfficialClient:
    def __init__(self, base_url: str) -> None:
        from . import official

        official.fence(base_url)
        import composio

        self.module = composio
        self._client = composio.Composio(api_key=API_KEY, base_url=base_url, allow_tracking=False)

    def close(self) -> None:
        pass

    def create(self, user_id: str, **kwargs: Any) -> OfficialSession:
        return OfficialSession(self._client.create(user_id=user_id, **kwargs))


class OfficialSession:
    def __init__(self, session: Any) -> None:
        self.session = session

    def search(self, query: str) -> Any:
        return self.session.search(query=query)

    def execute(self, slug: str, arguments: dict[str, Any]) -> Any:
        result = self.session.execute(slug, arguments=arguments)
        if getattr(result, "error", None):
            raise ClientError(f"{slug} failed: {result.error}")
        return result
