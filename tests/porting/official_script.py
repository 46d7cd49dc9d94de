"""A script written for the official Python SDK (``composio`` 0.30), ported by its imports.

Below the import block, :func:`main` is the code an official-SDK user writes: dict
configs, ``sandbox=``, ``mcp=True``, hooks, ``@composio.experimental.tool`` with a
pydantic input, ``session.experimental.files``, ``list_config_history``... Only the
imports differ (marked ``was:``). :func:`async_main` is the same script for
``AsyncComposio``, with ``await`` added and nothing else.

It reads ``COMPOSIO_API_KEY`` / ``COMPOSIO_BASE_URL`` like any script; the test points
them at an emulator whose connection links complete on the first poll (the user "clicks"
at once). It returns what it saw, for the test to check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from composio_router import AsyncComposio, Composio  # was: from composio import Composio


class NoteInput(BaseModel):
    title: str = Field(description="Title of the note")
    body: str = Field(default="", description="Text of the note")


HOOKS = [
    {
        "id": "no_pricing_by_email",
        "name": "No pricing by email",
        "type": "before_execute",
        "applies_to": {"toolkits": ["gmail"]},
        "handler": {
            "type": "condition_check",
            "condition": "Emails that mention 'pricing'",
            "action": "block",
        },
    }
]


def main(workdir: Path) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    composio = Composio(allow_tracking=False)

    @composio.experimental.tool
    def save_note(input: NoteInput, ctx):
        """Save a note for the current user."""
        return {"saved": input.title, "user_id": ctx.user_id}

    session = composio.create(
        user_id="user-42",
        toolkits={"enable": ["gmail", "github", "weather"]},
        tools={"github": {"enable": ["GITHUB_LIST_ISSUES", "GITHUB_CREATE_ISSUE"]}},
        manage_connections={"enable": True, "callback_url": "https://example.com/connected"},
        sandbox={"enable": True, "sandbox_size": "medium"},
        hooks=HOOKS,
        experimental={"assistive_prompt": {"user_timezone": "Europe/Lisbon"}, "custom_tools": [save_note]},
        mcp=True,
    )
    seen["mcp_url"] = session.mcp.url
    seen["mcp_has_key"] = "x-api-key" in session.mcp.headers
    seen["prompt"] = session.experimental.assistive_prompt

    tools = session.tools()
    seen["tool_names"] = [t["function"]["name"] for t in tools]

    found = session.search(query="get the weather forecast")
    seen["found"] = found.results[0].primary_tool_slugs

    result = session.execute("WEATHER_GET_FORECAST", arguments={"city": "Lisbon"})
    seen["forecast"] = (result.result_type, result.data.get("city"), result.error)

    connection_request = session.authorize("github")
    print("Open this link to connect GitHub:", connection_request.redirect_url)
    connected_account = connection_request.wait_for_connection(timeout=30)
    seen["connected"] = connected_account.status

    active = []
    for toolkit in session.toolkits().items:
        if toolkit.connection is not None and toolkit.connection.is_active:
            active.append((toolkit.slug, toolkit.connection.connected_account.id))
    seen["active"] = active

    issue = session.execute("GITHUB_CREATE_ISSUE", arguments={"owner": "acme", "repo": "api", "title": "Port done"})
    seen["issue"] = issue.result_type

    blocked = session.execute(
        "GMAIL_SEND_EMAIL",
        arguments={"recipient_email": "ana@example.com", "subject": "Our pricing", "body": "See attached"},
    )
    seen["blocked"] = (blocked.result_type, blocked.error)

    session.update(
        toolkits={"enable": ["gmail", "github"]},
        sandbox={"enable": False},
        manage_connections={"wait_for_connections": True},
        expected_config_version=session.config_version,
    )
    history = session.list_config_history(limit=10)
    seen["history"] = [(entry.version, entry.is_current) for entry in history.items]

    report = workdir / "report.csv"
    report.write_text("city,forecast\nLisbon,sunny\n")
    uploaded = session.experimental.files.upload(str(report), remote_path="reports/report.csv")
    seen["uploaded"] = uploaded.mount_relative_path
    listed = session.experimental.files.list(path="/")
    seen["listed"] = [item.mount_relative_path for item in listed.items]
    remote_file = session.experimental.files.download("reports/report.csv")
    seen["download_url"] = remote_file.download_url
    seen["text"] = remote_file.text()
    seen["bytes"] = remote_file.buffer()
    seen["saved_to"] = remote_file.save(str(workdir / "copy.csv"))
    session.experimental.files.delete("reports/report.csv")
    seen["after_delete"] = [item.mount_relative_path for item in session.experimental.files.list().items]

    session = composio.use(session.session_id, custom_tools=[save_note], mcp=True)
    note = session.execute("SAVE_NOTE", arguments={"title": "Ported"})
    seen["note"] = note.data
    return seen


async def async_main(workdir: Path) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    composio = AsyncComposio(allow_tracking=False)

    @composio.experimental.tool
    def save_note(input: NoteInput, ctx):
        """Save a note for the current user."""
        return {"saved": input.title, "user_id": ctx.user_id}

    session = await composio.create(
        user_id="user-42",
        toolkits={"enable": ["gmail", "github", "weather"]},
        tools={"github": {"enable": ["GITHUB_LIST_ISSUES", "GITHUB_CREATE_ISSUE"]}},
        manage_connections={"enable": True, "callback_url": "https://example.com/connected"},
        sandbox={"enable": True, "sandbox_size": "medium"},
        hooks=HOOKS,
        experimental={"assistive_prompt": {"user_timezone": "Europe/Lisbon"}, "custom_tools": [save_note]},
        mcp=True,
    )
    seen["mcp_url"] = session.mcp.url
    seen["mcp_has_key"] = "x-api-key" in session.mcp.headers
    seen["prompt"] = session.experimental.assistive_prompt

    tools = await session.tools()
    seen["tool_names"] = [t["function"]["name"] for t in tools]

    found = await session.search(query="get the weather forecast")
    seen["found"] = found.results[0].primary_tool_slugs

    result = await session.execute("WEATHER_GET_FORECAST", arguments={"city": "Lisbon"})
    seen["forecast"] = (result.result_type, result.data.get("city"), result.error)

    connection_request = await session.authorize("github")
    print("Open this link to connect GitHub:", connection_request.redirect_url)
    connected_account = await connection_request.wait_for_connection(timeout=30)
    seen["connected"] = connected_account.status

    active = []
    for toolkit in (await session.toolkits()).items:
        if toolkit.connection is not None and toolkit.connection.is_active:
            active.append((toolkit.slug, toolkit.connection.connected_account.id))
    seen["active"] = active

    issue = await session.execute(
        "GITHUB_CREATE_ISSUE", arguments={"owner": "acme", "repo": "api", "title": "Port done"}
    )
    seen["issue"] = issue.result_type

    blocked = await session.execute(
        "GMAIL_SEND_EMAIL",
        arguments={"recipient_email": "ana@example.com", "subject": "Our pricing", "body": "See attached"},
    )
    seen["blocked"] = (blocked.result_type, blocked.error)

    await session.update(
        toolkits={"enable": ["gmail", "github"]},
        sandbox={"enable": False},
        manage_connections={"wait_for_connections": True},
        expected_config_version=session.config_version,
    )
    history = await session.list_config_history(limit=10)
    seen["history"] = [(entry.version, entry.is_current) for entry in history.items]

    report = workdir / "report.csv"
    report.write_text("city,forecast\nLisbon,sunny\n")
    uploaded = await session.experimental.files.upload(str(report), remote_path="reports/report.csv")
    seen["uploaded"] = uploaded.mount_relative_path
    listed = await session.experimental.files.list(path="/")
    seen["listed"] = [item.mount_relative_path for item in listed.items]
    remote_file = await session.experimental.files.download("reports/report.csv")
    seen["download_url"] = remote_file.download_url
    seen["text"] = await remote_file.text()
    seen["bytes"] = await remote_file.buffer()
    seen["saved_to"] = await remote_file.save(str(workdir / "copy.csv"))
    await session.experimental.files.delete("reports/report.csv")
    seen["after_delete"] = [item.mount_relative_path for item in (await session.experimental.files.list()).items]

    session = await composio.use(session.session_id, custom_tools=[save_note], mcp=True)
    note = await session.execute("SAVE_NOTE", arguments={"title": "Ported"})
    seen["note"] = note.data
    return seen
