"""Notebooks: the SDK in cells run by nbclient on a real ipykernel, under a time limit.

The kernel is a separate process: its first cell installs the network guard (loopback
only) and starts an emulator there; tracing and telemetry are off through the
environment it inherits. Each cell has a time limit, so a hang fails the test instead
of stalling it.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
KEY = "notebook-key-1234"

CELLS = {
    "setup": f"""
import sys, time
sys.path.insert(0, {str(REPO)!r})
from benchmarks import netguard
netguard.install()
from composio_router import AsyncComposio, Composio, EventLoopBlockedError
from composio_router.providers import LangChainProvider, batch_tool_node
from composio_router.testing import Emulator
from tests.frameworks import ask, payload, scripted_graph, tool_answers, tool_turn
import langgraph.prebuilt  # imported here, so the timed cell below measures only the wait
KEY = {KEY!r}
emulator_running = Emulator.running_in_thread(api_key=KEY)
emu = emulator_running.__enter__()
turn = tool_turn(("WEATHER_GET_FORECAST", {{"city": "Faro"}}), ("UTILS_ECHO", {{"n": 1}}))
""",
    "sync facade in a cell": """
with Composio(api_key=KEY, base_url=emu.url) as composio:
    session = composio.create(user_id="nb")
    print("sync:", session.execute("WEATHER_GET_FORECAST", {"city": "Lisbon"}).data["city"])
""",
    "top-level await": """
async with AsyncComposio(api_key=KEY, base_url=emu.url) as composio:
    session = await composio.create(user_id="nb")
    result = await session.execute("WEATHER_GET_FORECAST", {"city": "Porto"})
print("await:", result.data["city"])
""",
    "async-built tools, blocking graph.invoke": """
aclient = AsyncComposio(api_key=KEY, base_url=emu.url, timeout=1.0)
asession = await aclient.create(user_id="nb", toolkits=["weather", "utils"], preload=["WEATHER_GET_FORECAST", "UTILS_ECHO"])
atools = await asession.get_provider_tools(LangChainProvider())
started = time.perf_counter()
try:
    scripted_graph(atools, [turn]).invoke(ask())  # waits on this cell's own event loop
except EventLoopBlockedError as exc:
    elapsed = time.perf_counter() - started
    print("blocked:", 0.9 < elapsed < 3, "await graph.ainvoke" in str(exc))
""",
    "async-built tools, await graph.ainvoke": """
result = await scripted_graph(atools, [turn]).ainvoke(ask())
print("ainvoke:", [payload(a)["successful"] for a in tool_answers(result)])
await aclient.aclose()
""",
    "sync facade tools, blocking graph.invoke": """
with Composio(api_key=KEY, base_url=emu.url) as composio:
    tools = composio.create(user_id="nb", toolkits=["weather", "utils"], preload=["WEATHER_GET_FORECAST", "UTILS_ECHO"]).get_provider_tools(LangChainProvider())
    plain = scripted_graph(tools, [turn]).invoke(ask())
    batched = scripted_graph(tools, [turn], node=batch_tool_node(tools)).invoke(ask())
print("invoke:", [payload(a)["successful"] for a in tool_answers(plain) + tool_answers(batched)])
""",
    "teardown": """
emulator_running.__exit__(None, None, None)
print("netguard refused:", netguard.blocked())
""",
}
EXPECTED = {
    "sync facade in a cell": "sync: Lisbon",
    "top-level await": "await: Porto",
    "async-built tools, blocking graph.invoke": "blocked: True True",  # within the 1 s timeout, not a hang
    "async-built tools, await graph.ainvoke": "ainvoke: [True, True]",
    "sync facade tools, blocking graph.invoke": "invoke: [True, True, True, True]",
    "teardown": "netguard refused: []",
}


@pytest.mark.slow
@pytest.mark.anyio
async def test_notebook_patterns_on_a_real_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core's migration warning
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # the kernel's debugger notice
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source.strip(), metadata={"name": name}) for name, source in CELLS.items()]
    client = NotebookClient(
        notebook, timeout=30, startup_timeout=60, kernel_name="python3",
        resources={"metadata": {"path": str(REPO)}},
    )
    # The async API on this test's loop: the sync one leaves an event loop open in this thread.
    await client.async_execute()  # raises CellExecutionError for a cell that raised, CellTimeoutError for a hang
    printed = {
        cell.metadata["name"]: "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout").strip()
        for cell in notebook.cells
    }
    for name, expected in EXPECTED.items():
        assert printed[name] == expected, (name, printed[name], notebook.cells)
    assert os.environ.get("LANGSMITH_TRACING") == "false"  # inherited by the kernel (conftest)
