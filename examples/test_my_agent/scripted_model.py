"""A scripted stand-in for the LLM, in the Chat Completions shape ``run_agent`` expects."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Turn = Callable[[dict[str, Any]], dict[str, Any]]


class ScriptedModel:
    """Plays the LLM: each turn is a function of the tool results so far (by call id)."""

    def __init__(self, *turns: Turn) -> None:
        self.turns = list(turns)
        self.seen_tools: list[str] = []

    async def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        self.seen_tools = [t["function"]["name"] for t in tools]
        results = {m["tool_call_id"]: json.loads(m["content"]) for m in messages if m["role"] == "tool"}
        return self.turns.pop(0)(results)


def calls(*items: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    """A model turn that calls tools: ``(call_id, tool_name, arguments)`` each."""
    return {"choices": [{"message": {"role": "assistant", "content": None, "tool_calls": [
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
        for call_id, name, arguments in items
    ]}}]}


def answer(text: str) -> dict[str, Any]:
    """A model turn that answers in text."""
    return {"choices": [{"message": {"role": "assistant", "content": text}}]}
