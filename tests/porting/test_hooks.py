"""Session hooks and the ``blocked`` result, in every path a call takes; a test's own judge."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from composio_router import AsyncComposio, AsyncSession, Composio
from composio_router.testing import Emulator, HookCheck

pytestmark = pytest.mark.anyio
SESSION = "/api/v3.1/tool_router/session/*"


def hook(hook_id: str, stage: str = "before_execute", condition: str = "mentions 'pricing'", **extra: Any) -> dict[str, Any]:
    handler: dict[str, Any] = {"type": "condition_check", "condition": condition, "action": "block"}
    return {"type": stage, "id": hook_id, "applies_to": "all", "handler": handler, **extra}


SEND = ("GMAIL_SEND_EMAIL", {"recipient_email": "ana@example.com", "subject": "Our pricing", "body": "x"})
HARMLESS = ("GMAIL_SEND_EMAIL", {"recipient_email": "ana@example.com", "subject": "Hello", "body": "x"})


@pytest.fixture
async def hooked(client: AsyncComposio, emulator: Emulator) -> AsyncSession:
    emulator.connect_account("u", "gmail")
    return await client.create(user_id="u", hooks=[hook("no-pricing", name="No pricing")])


async def test_a_before_hook_blocks_execute_and_the_tool_never_runs(hooked: AsyncSession, emulator: Emulator) -> None:
    result = await hooked.execute(*SEND)
    assert result.blocked and result.result_type == "blocked" and not result.successful
    assert result.data == {} and result.error is not None and "'No pricing'" in result.error
    assert result.block_reason is not None
    assert (result.block_reason.type, result.block_reason.hook_id) == ("request_blocked", "no-pricing")
    assert result.hook_results is not None and result.hook_results[0].outcome == "block"
    assert emulator.mailbox("u") == []
    fine = await hooked.execute(*HARMLESS)
    assert fine.successful and fine.hook_results is not None and fine.hook_results[0].outcome == "continue"
    assert len(emulator.mailbox("u")) == 1


async def test_blocked_calls_in_a_batch_and_in_a_models_tool_calls(hooked: AsyncSession) -> None:
    batch = await hooked.multi_execute([SEND, HARMLESS])
    assert [item.blocked for item in batch.results] == [True, False]
    assert batch.results[0].result is not None and batch.results[0].result.block_reason is not None
    assert batch.results[1].successful
    response = {"choices": [{"message": {"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": SEND[0], "arguments": orjson.dumps(SEND[1]).decode()}},
    ]}}]}
    [message] = await hooked.handle_tool_calls(response)
    answer = orjson.loads(message["content"])
    assert answer["successful"] is False and "blocked by session hook 'No pricing'" in answer["error"]


async def test_an_after_hook_withholds_the_result(client: AsyncComposio, emulator: Emulator) -> None:
    session = await client.create(
        user_id="u",
        hooks=[hook("no-rain", "after_execute", "a forecast of 'rain'"),
               {"type": "after_execute", "id": "injection", "applies_to": {"toolkits": ["weather"]},
                "handler": {"type": "prompt_injection_check", "action": "block"}}],
    )
    emulator.hook_judge = lambda check: check.hook_id == "no-rain"
    result = await session.execute("WEATHER_GET_FORECAST", {"city": "Lisbon"})
    assert result.blocked and result.block_reason is not None and result.block_reason.type == "response_blocked"
    assert result.data == {}
    assert [(r.id, r.outcome) for r in result.hook_results or []] == [("no-rain", "block"), ("injection", "continue")]


async def test_a_test_can_plug_in_its_own_judge(client: AsyncComposio, emulator: Emulator) -> None:
    checks: list[HookCheck] = []

    async def judge(check: HookCheck) -> bool:  # async judges are awaited
        checks.append(check)
        return check.arguments.get("city") == "Mordor"

    emulator.hook_judge = judge
    session = await client.create(user_id="u", hooks=[hook("travel", condition="Trips to dangerous places")])
    assert (await session.execute("WEATHER_GET_FORECAST", {"city": "Lisbon"})).successful
    assert (await session.execute("WEATHER_GET_FORECAST", {"city": "Mordor"})).blocked
    assert checks[0].condition == "Trips to dangerous places" and checks[0].tool_slug == "WEATHER_GET_FORECAST"

    def broken(check: HookCheck) -> bool:
        raise RuntimeError("the judge is down")

    emulator.hook_judge = broken  # an unavailable hook does not block
    result = await session.execute("WEATHER_GET_FORECAST", {"city": "Mordor"})
    assert result.successful and result.hook_results is not None and result.hook_results[0].status == "unavailable"


async def test_hooks_guard_proxy_calls_and_are_replaced_by_update(hooked: AsyncSession, emulator: Emulator) -> None:
    blocked = await hooked.proxy_execute("gmail", "/messages/send", "POST", body={"subject": "pricing"})
    assert blocked.blocked and blocked.status is None and blocked.message is not None
    await hooked.update(hooks=None)
    assert emulator.journal.find(method="PATCH", path=SESSION)[-1].body == {"hooks": None}
    assert (await hooked.execute(*SEND)).successful
    await hooked.update(hooks=[hook("again")])
    assert (await hooked.execute(*SEND)).blocked


def test_the_sync_facade_returns_blocked_results(sync_client: Composio, emulator_thread: Emulator) -> None:
    emulator_thread.connect_account("u", "gmail")
    session = sync_client.create(user_id="u", hooks=[hook("no-pricing")])
    result = session.execute(*SEND)
    assert result.blocked and result.block_reason is not None and result.block_reason.hook_id == "no-pricing"


def test_the_sync_facade_blocks_in_a_batch_and_in_a_models_tool_calls(
    sync_client: Composio, emulator_thread: Emulator
) -> None:
    emulator_thread.connect_account("u", "gmail")
    session = sync_client.create(user_id="u", hooks=[hook("no-pricing", name="No pricing")])
    batch = session.multi_execute([SEND, HARMLESS])
    assert [item.blocked for item in batch.results] == [True, False]
    blocked = batch.results[0].result
    assert blocked is not None and blocked.block_reason is not None and blocked.block_reason.hook_id == "no-pricing"
    assert batch.results[1].successful
    response = {"choices": [{"message": {"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": SEND[0], "arguments": orjson.dumps(SEND[1]).decode()}},
        {"id": "c2", "type": "function", "function": {"name": HARMLESS[0], "arguments": orjson.dumps(HARMLESS[1]).decode()}},
    ]}}]}
    refused, sent = session.handle_tool_calls(response)
    assert refused["tool_call_id"] == "c1" and sent["tool_call_id"] == "c2"
    answer = orjson.loads(refused["content"])
    assert answer["successful"] is False and "blocked by session hook 'No pricing'" in answer["error"]
    assert orjson.loads(sent["content"])["successful"] is True
    assert len(emulator_thread.mailbox("u")) == 2  # the harmless mail of the batch, then the model's
