"""The example programs run in CI, offline: the agent loops and the LangGraph agent (with their
scripted model, since no LLM key reaches them), the example pytest suite and the notebook
(see ``conftest.py``)."""

from __future__ import annotations

import pytest

from composio_router.testing import Emulator

from .conftest import EXAMPLES, SNIPPET_API_KEY, DocsRun, describe, example_scripts

SCRIPTS = example_scripts()
AGENTS = ["openai_agent.py", "anthropic_agent.py", "langgraph_agent.py"]


def test_the_examples_are_there() -> None:
    names = {p.name for p in SCRIPTS}
    assert set(AGENTS) <= names
    assert (EXAMPLES / "notebook.ipynb").exists()
    assert (EXAMPLES / "test_my_agent" / "test_agent.py").exists()


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_example_script_runs(path: object, docs_run: DocsRun) -> None:
    result = docs_run.scripts[f"examples/{path.name}"]  # type: ignore[attr-defined]
    assert result["ok"], describe(result)
    assert not result["blocked"], f"tried to leave the machine: {result['blocked']}"


@pytest.mark.parametrize("name", AGENTS)
def test_agent_loops_play_the_model_offline_and_finish(name: str, docs_run: DocsRun) -> None:
    output = docs_run.scripts[f"examples/{name}"]["output"]
    assert "Model: ScriptedModel" in output
    answer = output.rsplit("Answer: ", 1)[-1]
    assert "Opened acme/ops#1" in answer or "has 1 open issue" in answer, output


def test_langgraph_agent_answers_every_call_of_a_turn(docs_run: DocsRun) -> None:
    # The first turn asks for three tools at once (two app tools and the custom tool); the
    # batch node answers each, in call order, and every answer is a success.
    output = docs_run.scripts["examples/langgraph_agent.py"]["output"]
    answers = [line.split()[1] for line in output.splitlines() if line.startswith("  <- ")]
    assert answers == ["WEATHER_GET_CURRENT", "GITHUB_LIST_ISSUES", "LOCAL_ON_CALL_ENGINEER", "GITHUB_CREATE_ISSUE"], output
    assert output.count("[success]") == 4, output


@pytest.mark.anyio
async def test_langgraph_agent_runs_a_turn_as_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    # In process, to read the emulator's journal: the first turn's two app tool calls reach the
    # emulator together (the batch), not one after the other (200 ms per answer makes it plain).
    from examples import langgraph_agent

    async with Emulator(latency=0.2) as emu:
        emu.connect_account("user-42", "github")
        monkeypatch.setenv("COMPOSIO_BASE_URL", emu.url)
        monkeypatch.setenv("COMPOSIO_API_KEY", SNIPPET_API_KEY)
        answer = await langgraph_agent.run_agent(langgraph_agent.TASK, model=langgraph_agent.ScriptedModel())
    assert answer.endswith("Opened acme/ops#1 for ana."), answer
    executed = emu.journal.find("POST", "/api/v3.1/tool_router/session/*/execute")
    assert [e.body["tool_slug"] for e in executed[2:]] == ["GITHUB_CREATE_ISSUE"]
    first, second = executed[:2]
    assert {first.body["tool_slug"], second.body["tool_slug"]} == {"WEATHER_GET_CURRENT", "GITHUB_LIST_ISSUES"}
    assert max(first.started, second.started) < min(first.finished, second.finished), "the turn's calls did not overlap"


def test_example_pytest_suite_passes(docs_run: DocsRun) -> None:
    assert docs_run.suite["ok"], describe(docs_run.suite)
    assert " passed" in docs_run.suite["output"]


def test_notebook_runs(docs_run: DocsRun) -> None:
    if docs_run.notebook.get("skipped"):
        pytest.skip(docs_run.notebook["skipped"])
    assert docs_run.notebook["ok"], describe(docs_run.notebook)
