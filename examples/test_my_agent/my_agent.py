"""The agent under test: a plain OpenAI-style tool loop over a Tool Router session.

``run_agent`` takes the model as an argument (anything with ``async complete(messages,
tools) -> dict`` in the Chat Completions shape), so tests hand it a scripted one, and
production code a real one.
"""

from __future__ import annotations

from typing import Any, Protocol

from composio_router import AsyncSession, tool

SYSTEM = "You triage bug reports: file them in the right repository and say what you did."


class Model(Protocol):
    async def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]: ...


@tool
def repository_for(component: str) -> dict[str, str]:
    """The GitHub repository that owns a component of the product."""
    owners = {"login": "acme/auth", "billing": "acme/payments"}
    if component not in owners:
        raise KeyError(f"unknown component {component!r}; known: {sorted(owners)}")
    owner, repo = owners[component].split("/")
    return {"owner": owner, "repo": repo}


async def run_agent(session: AsyncSession, model: Model, task: str, *, max_turns: int = 6) -> str:
    """Loop: ask the model, run every tool call of its turn at once, until it answers."""
    tools = await session.tools()
    messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": task}]
    for _ in range(max_turns):
        response = await model.complete(messages, tools)
        message = response["choices"][0]["message"]
        messages.append(message)
        if not message.get("tool_calls"):
            return str(message.get("content") or "")
        messages += await session.handle_tool_calls(response)
    raise RuntimeError(f"no answer after {max_turns} turns")
