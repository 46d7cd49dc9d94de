"""An agent loop on Anthropic's Messages API, with a Tool Router session's tools.

``AnthropicProvider`` makes ``session.tools()`` return Anthropic tools (``name``,
``description``, ``input_schema``) and ``session.handle_tool_calls`` return ``tool_result``
blocks, one per ``tool_use`` block, all run at once and sent back in one user message.

Run it against the emulator (offline)::

    python -m composio_router emulator --connect user-42:github   # another terminal
    export COMPOSIO_BASE_URL=http://127.0.0.1:9900 COMPOSIO_API_KEY=emulator-local-key
    python examples/anthropic_agent.py

With ``ANTHROPIC_API_KEY`` set, the real model drives the loop (``ANTHROPIC_MODEL``, default
``claude-sonnet-4-5``; ``pip install anthropic``). Without it, ``ScriptedModel`` plays the
model: the tool calls a model would make, reading their results, then an answer. No
request then leaves the machine.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import anyio

from composio_router import AsyncComposio, SessionContext, tool
from composio_router.providers import AnthropicProvider

USER_ID = "user-42"
TASK = "File an issue in acme/api about the login crash, then tell me how many issues are open there."


@tool(extends_toolkit="github")
async def open_issue_count(owner: str, repo: str, ctx: SessionContext) -> dict[str, Any]:
    """How many issues of a GitHub repository are open (a custom tool calling a GitHub tool)."""
    listed = await ctx.execute("GITHUB_LIST_ISSUES", {"owner": owner, "repo": repo, "state": "open"})
    if not listed.successful:  # fail the tool call, rather than report 0
        raise RuntimeError(f"could not list the issues of {owner}/{repo}: {listed.error}")
    return {"repository": f"{owner}/{repo}", "open": len(listed.data["issues"])}


class AnthropicModel:
    """The real model: one Messages request per turn, answered as a plain dict."""

    def __init__(self) -> None:
        from anthropic import AsyncAnthropic  # imported only when a key is set

        self.client = AsyncAnthropic()
        self.model = os.environ.get("ANTHROPIC_MODEL", "claude-sonnet-4-5")

    async def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        response = await self.client.messages.create(
            model=self.model, max_tokens=2048, messages=messages, tools=tools,
            system="You act for the user through the tools you are given.",
        )
        return response.model_dump(exclude_none=True)


class ScriptedModel:
    """Plays the model offline, deciding each turn from the tools offered and the results."""

    def __init__(self) -> None:
        self.turn = 0

    async def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        self.turn += 1
        offered = {t["name"] for t in tools}
        results = {
            block["tool_use_id"]: json.loads(block["content"])
            for m in messages if m["role"] == "user" and isinstance(m["content"], list)
            for block in m["content"] if block.get("type") == "tool_result"
        }
        (counter,) = [name for name in offered if name.endswith("OPEN_ISSUE_COUNT")]
        if self.turn == 1:
            return self._calls(
                ("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": [{"tool_slug": "GITHUB_CREATE_ISSUE", "arguments": {
                    "owner": "acme", "repo": "api", "title": "Login crashes on Safari",
                }}]}),
            )
        if self.turn == 2:
            created = results["toolu_1_0"]
            if not created["successful"]:
                return self._answer(f"I could not file the issue: {created['error']}")
            return self._calls((counter, {"owner": "acme", "repo": "api"}))
        counted = results["toolu_2_0"]
        if not counted["successful"]:
            return self._answer(f"The issue is filed, but I could not count: {counted['error']}")
        return self._answer(f"Filed. {counted['data']['repository']} has {counted['data']['open']} open issue(s).")

    def _calls(self, *calls: tuple[str, dict[str, Any]]) -> dict[str, Any]:
        content = [
            {"type": "tool_use", "id": f"toolu_{self.turn}_{i}", "name": name, "input": arguments}
            for i, (name, arguments) in enumerate(calls)
        ]
        return {"role": "assistant", "content": content, "stop_reason": "tool_use"}

    def _answer(self, text: str) -> dict[str, Any]:
        return {"role": "assistant", "content": [{"type": "text", "text": text}], "stop_reason": "end_turn"}


async def run_agent(task: str, *, model: Any, max_turns: int = 8) -> str:
    async with AsyncComposio(provider=AnthropicProvider()) as composio:
        session = await composio.create(user_id=USER_ID, custom_tools=[open_issue_count])
        tools = await session.tools()  # [{"name", "description", "input_schema"}, ...]
        messages: list[dict[str, Any]] = [{"role": "user", "content": task}]
        for _ in range(max_turns):
            response = await model.complete(messages, tools)
            messages.append({"role": "assistant", "content": response["content"]})
            if response.get("stop_reason") != "tool_use":
                return "".join(block["text"] for block in response["content"] if block["type"] == "text")
            for block in response["content"]:
                if block["type"] == "tool_use":
                    print(f"  -> {block['name']}({json.dumps(block['input'])})")
            # tool_result blocks, one per tool_use block, together in one user message.
            messages.append({"role": "user", "content": await session.handle_tool_calls(response)})
        return "(stopped: too many turns)"


def main() -> int:
    task = " ".join(sys.argv[1:]) or TASK
    model = AnthropicModel() if os.environ.get("ANTHROPIC_API_KEY") else ScriptedModel()
    print(f"Model: {type(model).__name__}\nTask: {task}")
    answer = anyio.run(lambda: run_agent(task, model=model))
    print(f"Answer: {answer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
