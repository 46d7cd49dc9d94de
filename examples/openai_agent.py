"""An agent loop on OpenAI Chat Completions, with a Tool Router session's tools.

The model gets the session's tools (the meta tools, through which it finds and runs any app
tool, and one custom tool of ours); each turn, ``session.handle_tool_calls`` runs all of
the model's tool calls at once and returns the ``role: "tool"`` messages to send back.

Run it against the emulator (offline)::

    python -m composio_router emulator --connect user-42:github   # another terminal
    export COMPOSIO_BASE_URL=http://127.0.0.1:9900 COMPOSIO_API_KEY=emulator-local-key
    python examples/openai_agent.py

With ``OPENAI_API_KEY`` set, the real model drives the loop (``OPENAI_MODEL``, default
``gpt-4.1-mini``; ``pip install openai``). Without it, ``ScriptedModel`` plays the model: it
answers with the tool calls a model would make, reading the tools' results, then a final
answer. No request then leaves the machine.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import anyio

from composio_router import AsyncComposio, tool

USER_ID = "user-42"
TASK = (
    "Look up the weather forecast for Lisbon, find who is on call for the platform team, "
    "and open an issue in acme/ops asking them to check the rain alerts."
)
ON_CALL = {"platform": "ana", "payments": "bruno"}


@tool
def on_call_engineer(team: str) -> dict[str, str]:
    """The engineer on call for a team this week (our own code, run in this process)."""
    if team not in ON_CALL:
        raise KeyError(f"no team called {team!r}; teams: {sorted(ON_CALL)}")
    return {"team": team, "engineer": ON_CALL[team]}


class OpenAIModel:
    """The real model: one Chat Completions request per turn, answered as a plain dict."""

    def __init__(self) -> None:
        from openai import AsyncOpenAI  # imported only when a key is set

        self.client = AsyncOpenAI()
        self.model = os.environ.get("OPENAI_MODEL", "gpt-4.1-mini")

    async def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        response = await self.client.chat.completions.create(model=self.model, messages=messages, tools=tools)
        return response.model_dump(exclude_none=True)


class ScriptedModel:
    """Plays the model offline: the tool calls a model would make for TASK, then an answer.

    Like a model, it decides each turn from the conversation: the tools offered, and the
    results of its earlier calls (the ``role: "tool"`` messages).
    """

    def __init__(self) -> None:
        self.turn = 0

    async def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        self.turn += 1
        offered = {t["function"]["name"] for t in tools}
        results = {m["tool_call_id"]: json.loads(m["content"]) for m in messages if m["role"] == "tool"}
        if self.turn == 1:  # find the tools, and ask our own tool, in one turn
            return self._calls(
                ("COMPOSIO_SEARCH_TOOLS", {"queries": [
                    {"use_case": "weather forecast for a city"}, {"use_case": "create a github issue"},
                ]}),
                (_one(offered, "ON_CALL_ENGINEER"), {"team": "platform"}),
            )
        if self.turn == 2:  # run what the search found
            found = results["call_1_0"]["data"]["results"]
            weather, issue = found[0]["primary_tool_slugs"][0], found[1]["primary_tool_slugs"][0]
            engineer = results["call_1_1"]["data"]["engineer"]
            return self._calls(
                ("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": [
                    {"tool_slug": weather, "arguments": {"city": "Lisbon", "days": 2}},
                    {"tool_slug": issue, "arguments": {
                        "owner": "acme", "repo": "ops", "title": f"@{engineer}: check the Lisbon rain alerts",
                    }},
                ]}),
            )
        batch = results["call_2_0"]
        if not batch["successful"]:
            return self._answer(f"I could not finish: {batch['error']}")
        forecast, created = (r["response"] for r in batch["data"]["results"])
        if not (forecast["successful"] and created["successful"]):
            return self._answer(f"Something failed: {forecast.get('error') or created.get('error')}")
        today = forecast["data"]["forecast"][0]
        number = created["data"]["issue"]["number"]
        return self._answer(
            f"Lisbon today: {today['condition']}, {today['temp_min_c']}-{today['temp_max_c']} °C. "
            f"Opened acme/ops#{number} for the on-call engineer."
        )

    def _calls(self, *calls: tuple[str, dict[str, Any]]) -> dict[str, Any]:
        tool_calls = [
            {"id": f"call_{self.turn}_{i}", "type": "function",
             "function": {"name": name, "arguments": json.dumps(arguments)}}
            for i, (name, arguments) in enumerate(calls)
        ]
        return {"choices": [{"message": {"role": "assistant", "content": None, "tool_calls": tool_calls},
                             "finish_reason": "tool_calls"}]}

    def _answer(self, text: str) -> dict[str, Any]:
        return {"choices": [{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}


def _one(offered: set[str], suffix: str) -> str:
    """The offered tool whose name ends with ``suffix`` (custom tools get a LOCAL_ prefix)."""
    (name,) = [n for n in offered if n.endswith(suffix)]
    return name


async def run_agent(task: str, *, model: Any, max_turns: int = 8) -> str:
    async with AsyncComposio() as composio:  # COMPOSIO_API_KEY, COMPOSIO_BASE_URL
        session = await composio.create(user_id=USER_ID, custom_tools=[on_call_engineer])
        tools = await session.tools()  # OpenAI function tools: meta tools + LOCAL_ON_CALL_ENGINEER
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": "You act for the user through the tools you are given."},
            {"role": "user", "content": task},
        ]
        for _ in range(max_turns):
            response = await model.complete(messages, tools)
            message = response["choices"][0]["message"]
            messages.append(message)
            if not message.get("tool_calls"):
                return str(message.get("content") or "")
            for call in message["tool_calls"]:
                print(f"  -> {call['function']['name']}({call['function']['arguments']})")
            # Every call of the turn runs at once; one role="tool" message per call, in order.
            messages += await session.handle_tool_calls(response)
        return "(stopped: too many turns)"


def main() -> int:
    task = " ".join(sys.argv[1:]) or TASK
    model = OpenAIModel() if os.environ.get("OPENAI_API_KEY") else ScriptedModel()
    print(f"Model: {type(model).__name__}\nTask: {task}")
    answer = anyio.run(lambda: run_agent(task, model=model))
    print(f"Answer: {answer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
