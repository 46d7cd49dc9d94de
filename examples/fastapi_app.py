"""FastAPI recipe: one ``AsyncComposio`` per app, opened in the lifespan, shared by every request.

Why this shape:

* One client owns one connection pool. Opened once, in the lifespan, every request and
  every concurrent batch reuses its connections; ``async with`` closes it at shutdown.
  A client per request opens a pool per request and, unless closed, leaks it (the SDK
  then warns: "unclosed AsyncComposio").
* Handlers get the client, or a session, from a dependency (``ComposioDep``,
  ``SessionDep``), so they never build one themselves and tests can override them
  (``app.dependency_overrides``).
* Handlers are ``async def``: the calls run on the server's event loop, which owns the
  pool. (In a plain ``def`` handler, use the sync facade, ``Composio``, instead.)

Run it against the offline emulator::

    python -m composio_router emulator --port 9900 &
    COMPOSIO_API_KEY=test COMPOSIO_BASE_URL=http://127.0.0.1:9900 uvicorn examples.fastapi_app:app

then::

    curl -X POST localhost:8000/sessions -H 'content-type: application/json' -d '{"user_id": "u1"}'
    curl -X POST localhost:8000/sessions/SESSION_ID/batch -H 'content-type: application/json' \\
         -d '{"calls": [{"tool_slug": "WEATHER_GET_FORECAST", "arguments": {"city": "Lisbon"}}]}'

``COMPOSIO_API_KEY`` and ``COMPOSIO_BASE_URL`` configure the client (the real API by default).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel, Field

from composio_router import AsyncComposio, AsyncSession


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # One client for the app (for each worker process): opened at startup, closed at shutdown.
    async with AsyncComposio() as composio:
        app.state.composio = composio
        yield


app = FastAPI(title="composio-router on FastAPI", lifespan=lifespan)


def get_composio(request: Request) -> AsyncComposio:
    """The app's client (a dependency)."""
    composio: AsyncComposio = request.app.state.composio
    return composio


ComposioDep = Annotated[AsyncComposio, Depends(get_composio)]


async def get_session(session_id: str, composio: ComposioDep) -> AsyncSession:
    """The session named in the path (a dependency): one GET on the app's client.

    Cache the objects by id if your handlers call this often; a session lives as long
    as the client that opened it.
    """
    return await composio.use(session_id)


SessionDep = Annotated[AsyncSession, Depends(get_session)]


class NewSession(BaseModel):
    user_id: str
    toolkits: list[str] | None = None


class Call(BaseModel):
    tool_slug: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Batch(BaseModel):
    calls: list[Call] = Field(max_length=20)


@app.post("/sessions")
async def create_session(body: NewSession, composio: ComposioDep) -> dict[str, str]:
    if body.toolkits is None:
        session = await composio.create(user_id=body.user_id)
    else:
        session = await composio.create(user_id=body.user_id, toolkits=body.toolkits)
    return {"session_id": session.session_id}


@app.post("/sessions/{session_id}/batch")
async def run_batch(body: Batch, session: SessionDep) -> dict[str, Any]:
    """Run up to 20 tool calls at once; the results come back in request order."""
    batch = await session.multi_execute([(call.tool_slug, call.arguments) for call in body.calls])
    return {
        "results": [
            {"index": item.index, "tool_slug": item.tool_slug, "successful": item.successful,
             "data": item.data, "error": item.error}
            for item in batch.results
        ],
    }


@app.post("/sessions/{session_id}/tool_calls")
async def answer_tool_calls(message: dict[str, Any], session: SessionDep) -> list[Any]:
    """Run every tool call of a model's turn (an OpenAI assistant message) concurrently.

    Returns one ``role: tool`` message per call, in call order, ready to append.
    """
    return await session.handle_tool_calls(message)
