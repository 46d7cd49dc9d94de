"""Framework tests: the SDK inside the frameworks users run it in, for real, on loopback.

LangChain and LangGraph (``ToolNode``, ``batch_tool_node``, ``invoke`` and ``ainvoke``),
the OpenAI Agents SDK (``Runner.run``, ``Runner.run_sync`` and ``Runner.run_streamed`` with a scripted model),
FastAPI under uvicorn (the shipped example app), and notebooks (nbclient on a real
ipykernel). No model is called: the "model" is scripted. Tracing and telemetry of
these libraries is switched off by ``tests/conftest.py`` (environment variables set before any of
them is imported), and its network guard (``benchmarks/netguard.py``) refuses anything
but loopback in this process; the subprocesses (uvicorn, the kernel) install it too.

Fixtures (besides the shared ones of ``tests/conftest.py``):

=====================  =======================================================================
``agent``              AsyncSession on ``client`` with the demo app tools preloaded and two
                       custom tools (as in ``tests/providers``)
``sync_agent``         its Session counterpart on ``sync_client``
=====================  =======================================================================
"""

from __future__ import annotations

import pytest

from composio_router import AsyncComposio, AsyncSession, Composio, Session

from ..providers import APP_TOOLS, agent_session, nap, shout


@pytest.fixture
async def agent(client: AsyncComposio) -> AsyncSession:
    return await agent_session(client)


@pytest.fixture
def sync_agent(sync_client: Composio) -> Session:
    return sync_client.create(
        user_id="agent-user", toolkits=["weather", "utils"], preload=APP_TOOLS, custom_tools=[nap, shout]
    )
