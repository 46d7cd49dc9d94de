"""The example programs run in CI, offline: the agent loops (with their scripted model, since
no LLM key reaches them), the example pytest suite and the notebook (see ``conftest.py``)."""

from __future__ import annotations

import pytest

from .conftest import EXAMPLES, DocsRun, describe, example_scripts

SCRIPTS = example_scripts()


def test_the_examples_are_there() -> None:
    names = {p.name for p in SCRIPTS}
    assert {"openai_agent.py", "anthropic_agent.py"} <= names
    assert (EXAMPLES / "notebook.ipynb").exists()
    assert (EXAMPLES / "test_my_agent" / "test_agent.py").exists()


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_example_script_runs(path: object, docs_run: DocsRun) -> None:
    result = docs_run.scripts[f"examples/{path.name}"]  # type: ignore[attr-defined]
    assert result["ok"], describe(result)
    assert not result["blocked"], f"tried to leave the machine: {result['blocked']}"


@pytest.mark.parametrize("name", ["openai_agent.py", "anthropic_agent.py"])
def test_agent_loops_play_the_model_offline_and_finish(name: str, docs_run: DocsRun) -> None:
    output = docs_run.scripts[f"examples/{name}"]["output"]
    assert "Model: ScriptedModel" in output
    answer = output.rsplit("Answer: ", 1)[-1]
    assert "Opened acme/ops#1" in answer or "has 1 open issue" in answer, output


def test_example_pytest_suite_passes(docs_run: DocsRun) -> None:
    assert docs_run.suite["ok"], describe(docs_run.suite)
    assert " passed" in docs_run.suite["output"]


def test_notebook_runs(docs_run: DocsRun) -> None:
    if docs_run.notebook.get("skipped"):
        pytest.skip(docs_run.notebook["skipped"])
    assert docs_run.notebook["ok"], describe(docs_run.notebook)
