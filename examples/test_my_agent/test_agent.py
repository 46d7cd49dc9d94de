"""The agent against the emulator: what it did (the emulator's state), what it sent (the
journal), and how it copes when a tool or the server fails (faults)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import USER
from my_agent import run_agent
from scripted_model import ScriptedModel, answer, calls

from composio_router import AsyncSession, Composio
from composio_router.testing import Emulator

pytestmark = pytest.mark.anyio  # every async test here runs on anyio's pytest plugin

MULTI = "COMPOSIO_MULTI_EXECUTE_TOOL"


def file_issue(results: dict[str, Any]) -> dict[str, Any]:
    """Turn 2: file the issue in the repository the custom tool named."""
    where = results["c1"]["data"]
    issue = {**where, "title": "Login fails after a password reset"}
    return calls(("c2", MULTI, {"tools": [{"tool_slug": "GITHUB_CREATE_ISSUE", "arguments": issue}]}))


def report(results: dict[str, Any]) -> dict[str, Any]:
    """Turn 3: say what happened, from the batch's result."""
    item = results["c2"]["data"]["results"][0]["response"]
    if not item["successful"]:
        return answer(f"Could not file it: {item['error']}")
    issue = item["data"]["issue"]
    return answer(f"Filed {issue['repository']}#{issue['number']}.")


def triage_script() -> ScriptedModel:
    return ScriptedModel(
        lambda results: calls(("c1", "LOCAL_REPOSITORY_FOR", {"component": "login"})),
        file_issue,
        report,
    )


async def test_files_the_issue_in_the_owning_repository(composio_emulator: Emulator, session: AsyncSession) -> None:
    composio_emulator.connect_account(USER, "github")
    model = triage_script()

    reply = await run_agent(session, model, "Users cannot log in after resetting their password.")

    assert reply == "Filed acme/auth#1."
    assert [(i["repository"], i["title"]) for i in composio_emulator.issues(USER)] == [
        ("acme/auth", "Login fails after a password reset")
    ]
    assert "LOCAL_REPOSITORY_FOR" in model.seen_tools  # the custom tool was offered
    # The custom tool ran in this process: the only executions the server saw are the batch.
    executed = composio_emulator.journal.find("POST", "/api/v3.1/tool_router/session/*/execute")
    assert [e.body["tool_slug"] for e in executed] == [MULTI]


async def test_reports_a_missing_connection_instead_of_crashing(composio_emulator: Emulator, session: AsyncSession) -> None:
    # No GitHub account for USER: the tool call fails, and the model is told why.
    reply = await run_agent(session, triage_script(), "Login is broken.")

    assert reply.startswith("Could not file it: No active connection found for toolkit 'github'")
    assert composio_emulator.issues(USER) == []


async def test_a_server_error_fails_only_that_call(composio_emulator: Emulator, session: AsyncSession) -> None:
    composio_emulator.connect_account(USER, "github")
    composio_emulator.faults.add("/api/v3.1/tool_router/session/*/execute", status=500)
    model = ScriptedModel(
        # Two calls in one turn: the remote one gets the 500, the custom tool still answers.
        lambda results: calls(
            ("c1", MULTI, {"tools": [{"tool_slug": "GITHUB_LIST_ISSUES", "arguments": {"owner": "acme", "repo": "auth"}}]}),
            ("c2", "LOCAL_REPOSITORY_FOR", {"component": "billing"}),
        ),
        lambda results: answer(f"{results['c1']['successful']} {results['c2']['data']['repo']}"),
    )

    assert await run_agent(session, model, "Where do billing bugs go?") == "False payments"


async def test_a_bad_argument_is_the_models_problem_not_ours(session: AsyncSession) -> None:
    model = ScriptedModel(
        lambda results: calls(("c1", "LOCAL_REPOSITORY_FOR", {"component": "printer"})),
        lambda results: answer(results["c1"]["error"]),
    )

    assert "unknown component 'printer'" in await run_agent(session, model, "The printer is on fire.")


def test_the_sync_client_offers_the_same_tools(composio_emulator_thread: Emulator) -> None:
    # A sync test: the thread-hosted emulator and the blocking facade.
    with Composio(api_key="test-key", base_url=composio_emulator_thread.url) as composio:
        session = composio.create(user_id=USER)
        names = [t["function"]["name"] for t in session.tools()]
    assert {"COMPOSIO_SEARCH_TOOLS", MULTI} <= set(names)
