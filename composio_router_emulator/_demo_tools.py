"""The deterministic demo catalog: ten toolkits whose tools really act on per-user state.

Auth toolkits (github, gmail, slack, notion, googlecalendar: OAUTH2; linear: API_KEY) need
an ACTIVE connected account; weather, calculator, text and utils are no-auth. Outputs are
derived from the inputs (hashes, counters), never from the clock or randomness, so tests
can assert exact values.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import operator
import re
from collections.abc import Callable
from typing import Any

from ._catalog import Catalog, ToolCall, ToolDef, ToolError, ToolkitDef

__all__ = ["build_demo_catalog"]

RO, DESTRUCTIVE, IDEMPOTENT, OPEN_WORLD, CREATE, UPDATE = (
    "readOnlyHint",
    "destructiveHint",
    "idempotentHint",
    "openWorldHint",
    "createHint",
    "updateHint",
)


# --- schema shorthands ---------------------------------------------------------------------


def _s(desc: str, **kw: Any) -> dict[str, Any]:
    return {"type": "string", "description": desc, **kw}


def _i(desc: str, **kw: Any) -> dict[str, Any]:
    return {"type": "integer", "description": desc, **kw}


def _n(desc: str, **kw: Any) -> dict[str, Any]:
    return {"type": "number", "description": desc, **kw}


def _a(desc: str, items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "description": desc, "items": items}


def _obj(required: list[str], *, closed: bool = True, **props: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props, "required": required}
    if closed:
        schema["additionalProperties"] = False
    return schema


def _out(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big")


def _hexid(*parts: str) -> str:
    return f"{_digest(*parts):016x}"


# --- gmail ---------------------------------------------------------------------------------


def _gmail_send(c: ToolCall) -> dict[str, Any]:
    a = c.arguments
    if "@" not in a["recipient_email"]:
        raise ToolError(f"Invalid recipient address {a['recipient_email']!r}")
    n = c.data.next_number()
    mid = _hexid(c.user_id, "mail", str(n))
    email = {
        "id": mid,
        "threadId": mid,
        "labelIds": ["SENT"],
        "to": a["recipient_email"],
        "cc": list(a.get("cc") or []),
        "subject": a.get("subject", ""),
        "body": a["body"],
        "from": c.account_alias or c.user_id,
    }
    c.data.sent_emails.append(email)
    return {"id": mid, "threadId": mid, "labelIds": ["SENT"]}


_INBOX = [
    {"subject": "Welcome to the Tool Router emulator", "from": "team@composio.dev"},
    {"subject": "Your weekly summary", "from": "digest@example.com"},
]


def _gmail_fetch(c: ToolCall) -> dict[str, Any]:
    a = c.arguments
    inbox = [
        {
            "messageId": _hexid(c.user_id, "inbox", str(i)),
            "subject": m["subject"],
            "sender": m["from"],
            "labelIds": ["INBOX"],
            "messageText": f"Hello {c.user_id}, this is message {i + 1}.",
        }
        for i, m in enumerate(_INBOX)
    ]
    sent = [
        {
            "messageId": e["id"],
            "subject": e["subject"],
            "sender": e["from"],
            "to": e["to"],
            "labelIds": ["SENT"],
            "messageText": e["body"],
        }
        for e in reversed(c.data.sent_emails)
    ]
    messages = sent + inbox
    q = str(a.get("query") or "").lower()
    if q:
        messages = [m for m in messages if q in (m["subject"] + " " + m["messageText"]).lower()]
    max_results = int(a.get("max_results", 10))
    return {"messages": messages[:max_results], "resultSizeEstimate": len(messages)}


def _gmail_draft(c: ToolCall) -> dict[str, Any]:
    a = c.arguments
    draft_id = "r" + _hexid(c.user_id, "draft", str(c.data.next_number()))
    c.data.drafts.append({"id": draft_id, **dict(a)})
    return {"id": draft_id, "message": {"labelIds": ["DRAFT"]}}


def _gmail_delete(c: ToolCall) -> dict[str, Any]:
    mid = c.arguments["message_id"]
    before = len(c.data.sent_emails)
    c.data.sent_emails[:] = [e for e in c.data.sent_emails if e["id"] != mid]
    if len(c.data.sent_emails) == before:
        raise ToolError(f"Message {mid} not found")
    return {"deleted": True, "id": mid}


# --- github --------------------------------------------------------------------------------


def _repo_name(a: Any) -> str:
    return f"{a['owner']}/{a['repo']}"


def _gh_create_issue(c: ToolCall) -> dict[str, Any]:
    a = c.arguments
    repo = _repo_name(a)
    number = 1 + sum(1 for i in c.data.issues if i["repository"] == repo)
    issue = {
        "number": number,
        "title": a["title"],
        "body": a.get("body", ""),
        "labels": list(a.get("labels") or []),
        "state": "open",
        "repository": repo,
        "html_url": f"https://github.com/{repo}/issues/{number}",
        "user": {"login": c.account_alias or c.user_id},
    }
    c.data.issues.append(issue)
    return {"issue": dict(issue)}


def _gh_list_issues(c: ToolCall) -> dict[str, Any]:
    a = c.arguments
    repo = _repo_name(a)
    state = a.get("state", "open")
    issues = [
        dict(i)
        for i in c.data.issues
        if i["repository"] == repo and (state == "all" or i["state"] == state)
    ]
    return {"issues": issues, "total_count": len(issues)}


def _gh_get_repo(c: ToolCall) -> dict[str, Any]:
    repo = _repo_name(c.arguments)
    h = _digest(repo.lower())
    return {
        "full_name": repo,
        "name": c.arguments["repo"],
        "owner": {"login": c.arguments["owner"]},
        "private": False,
        "default_branch": "main",
        "stargazers_count": h % 5000,
        "forks_count": h % 300,
        "open_issues_count": sum(
            1 for i in c.data.issues if i["repository"] == repo and i["state"] == "open"
        ),
        "html_url": f"https://github.com/{repo}",
    }


def _gh_list_prs(c: ToolCall) -> dict[str, Any]:
    repo = _repo_name(c.arguments)
    state = c.arguments.get("state", "open")
    prs = [
        {"number": n, "title": t, "state": "open", "head": h, "base": "main"}
        for n, t, h in ((7, "Add retry budget", "feat/retries"), (9, "Fix typo in README", "docs"))
    ]
    if state == "closed":
        prs = []
    for pr in prs:
        pr["html_url"] = f"https://github.com/{repo}/pull/{pr['number']}"
    return {"pull_requests": prs, "total_count": len(prs)}


def _gh_close_issue(c: ToolCall) -> dict[str, Any]:
    repo = _repo_name(c.arguments)
    for issue in c.data.issues:
        if issue["repository"] == repo and issue["number"] == c.arguments["issue_number"]:
            issue["state"] = "closed"
            return {"issue": dict(issue)}
    raise ToolError(f"Issue #{c.arguments['issue_number']} not found in {repo}")


# --- slack ---------------------------------------------------------------------------------

_CHANNELS = ["general", "random", "engineering"]


def _slack_send(c: ToolCall) -> dict[str, Any]:
    channel = c.arguments["channel"].lstrip("#")
    if channel not in _CHANNELS:
        raise ToolError(f"channel_not_found: {channel}")
    ts = f"{1700000000 + c.data.next_number()}.000100"
    msg = {"channel": channel, "text": c.arguments["text"], "ts": ts, "user": c.user_id}
    c.data.slack_messages.append(msg)
    return {"ok": True, "channel": channel, "ts": ts, "message": dict(msg)}


def _slack_list(c: ToolCall) -> dict[str, Any]:
    channel = c.arguments["channel"].lstrip("#")
    limit = int(c.arguments.get("limit", 20))
    msgs = [dict(m) for m in reversed(c.data.slack_messages) if m["channel"] == channel]
    return {"ok": True, "messages": msgs[:limit], "has_more": len(msgs) > limit}


def _slack_channels(c: ToolCall) -> dict[str, Any]:
    return {
        "ok": True,
        "channels": [{"id": f"C{_hexid(ch)[:8].upper()}", "name": ch} for ch in _CHANNELS],
    }


# --- notion / linear / calendar --------------------------------------------------------------


def _notion_create(c: ToolCall) -> dict[str, Any]:
    pid = _hexid(c.user_id, "page", str(c.data.next_number()))
    page = {"id": pid, "title": c.arguments["title"], "content": c.arguments.get("content", "")}
    c.data.notion_pages.append(page)
    return {"page": dict(page), "url": f"https://www.notion.so/{pid}"}


def _notion_search(c: ToolCall) -> dict[str, Any]:
    q = c.arguments["query"].lower()
    hits = [dict(p) for p in c.data.notion_pages if q in (p["title"] + p["content"]).lower()]
    return {"results": hits}


def _linear_create(c: ToolCall) -> dict[str, Any]:
    n = 1 + len(c.data.linear_issues)
    issue = {
        "id": f"ENG-{n}",
        "title": c.arguments["title"],
        "description": c.arguments.get("description", ""),
        "priority": c.arguments.get("priority", 0),
        "state": "Todo",
    }
    c.data.linear_issues.append(issue)
    return {"issue": dict(issue)}


def _linear_list(c: ToolCall) -> dict[str, Any]:
    return {"issues": [dict(i) for i in c.data.linear_issues]}


def _cal_create(c: ToolCall) -> dict[str, Any]:
    eid = _hexid(c.user_id, "event", str(c.data.next_number()))
    ev = {
        "id": eid,
        "summary": c.arguments["summary"],
        "start_datetime": c.arguments["start_datetime"],
        "duration_minutes": c.arguments.get("duration_minutes", 30),
        "attendees": list(c.arguments.get("attendees") or []),
    }
    c.data.events.append(ev)
    return {"event": dict(ev)}


def _cal_list(c: ToolCall) -> dict[str, Any]:
    return {"events": sorted((dict(e) for e in c.data.events), key=lambda e: e["start_datetime"])}


# --- weather ---------------------------------------------------------------------------------

_CONDITIONS = ["sunny", "partly cloudy", "cloudy", "light rain", "rain", "windy", "snow"]


def _day(city: str, day: int) -> dict[str, Any]:
    h = _digest(city.strip().lower(), str(day))
    low = -5 + h % 20
    return {
        "day": day,
        "condition": _CONDITIONS[(h >> 8) % len(_CONDITIONS)],
        "temp_min_c": low,
        "temp_max_c": low + 3 + (h >> 16) % 10,
        "precipitation_mm": (h >> 24) % 15,
    }


def _weather_forecast(c: ToolCall) -> dict[str, Any]:
    city = c.arguments["city"]
    days = int(c.arguments.get("days", 3))
    return {"city": city, "units": "metric", "forecast": [_day(city, d) for d in range(days)]}


def _weather_current(c: ToolCall) -> dict[str, Any]:
    city = c.arguments["city"]
    d = _day(city, 0)
    return {"city": city, "condition": d["condition"], "temp_c": d["temp_min_c"] + 2}


# --- calculator ------------------------------------------------------------------------------

_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}


def _eval(node: ast.AST) -> float:
    # A whitelist walker: numbers and arithmetic only, never eval().
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        v = _eval(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ToolError("exponent too large")
        return _BINOPS[type(node.op)](left, right)  # type: ignore[no-any-return]
    raise ToolError("unsupported expression: only numbers and + - * / // % ** are allowed")


def _num(v: float) -> float:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _calc_add(c: ToolCall) -> dict[str, Any]:
    return {"result": _num(c.arguments["a"] + c.arguments["b"])}


def _calc_mul(c: ToolCall) -> dict[str, Any]:
    return {"result": _num(c.arguments["a"] * c.arguments["b"])}


def _calc_div(c: ToolCall) -> dict[str, Any]:
    if c.arguments["b"] == 0:
        raise ToolError("division by zero")
    return {"result": _num(c.arguments["a"] / c.arguments["b"])}


def _calc_eval(c: ToolCall) -> dict[str, Any]:
    expr = c.arguments["expression"]
    if len(expr) > 200:
        raise ToolError("expression too long")
    try:
        tree = ast.parse(expr, mode="eval")
        return {"expression": expr, "result": _num(_eval(tree))}
    except SyntaxError:
        raise ToolError(f"invalid expression {expr!r}") from None
    except ZeroDivisionError:
        raise ToolError("division by zero") from None


# --- text ------------------------------------------------------------------------------------


def _text_wc(c: ToolCall) -> dict[str, Any]:
    t = c.arguments["text"]
    return {"words": len(t.split()), "characters": len(t), "lines": len(t.splitlines()) or 0}


def _text_upper(c: ToolCall) -> dict[str, Any]:
    return {"text": c.arguments["text"].upper()}


def _text_reverse(c: ToolCall) -> dict[str, Any]:
    return {"text": c.arguments["text"][::-1]}


def _text_slugify(c: ToolCall) -> dict[str, Any]:
    slug = re.sub(r"[^a-z0-9]+", "-", c.arguments["text"].lower()).strip("-")
    return {"slug": slug}


# --- utils -----------------------------------------------------------------------------------


async def _utils_sleep(c: ToolCall) -> dict[str, Any]:
    # Really sleeps server-side so tests can prove a multi-execute fans out concurrently.
    seconds = float(c.arguments["seconds"])
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.sleep(seconds)
    return {"slept": seconds, "started": started, "finished": loop.time()}


def _utils_echo(c: ToolCall) -> dict[str, Any]:
    return {"arguments": dict(c.arguments)}


def _utils_fail(c: ToolCall) -> dict[str, Any]:
    raise ToolError(str(c.arguments.get("message") or "UTILS_FAIL always fails"))


# --- assembly --------------------------------------------------------------------------------

_TOOLKITS = [
    ToolkitDef("github", "GitHub", "Repositories, issues and pull requests on GitHub.", "OAUTH2"),
    ToolkitDef("gmail", "Gmail", "Send, read and organise Gmail messages.", "OAUTH2"),
    ToolkitDef("slack", "Slack", "Post and read messages in Slack channels.", "OAUTH2"),
    ToolkitDef("notion", "Notion", "Create and search pages in a Notion workspace.", "OAUTH2"),
    ToolkitDef("googlecalendar", "Google Calendar", "Create and list calendar events.", "OAUTH2"),
    ToolkitDef("linear", "Linear", "Issue tracking for software teams.", "API_KEY"),
    ToolkitDef("weather", "Weather", "Deterministic weather forecasts for any city.", None),
    ToolkitDef("calculator", "Calculator", "Arithmetic on numbers and expressions.", None),
    ToolkitDef("text", "Text", "Small text utilities: counting, casing, slugs.", None),
    ToolkitDef(
        "utils", "Utils", "Testing helpers: sleep, echo and a tool that always fails.", None
    ),
]

_OWNER_REPO: dict[str, Any] = {
    "owner": _s("Repository owner (user or org)"),
    "repo": _s("Repository name"),
}


def _tools() -> list[ToolDef]:
    gh_scopes = ("repo",)
    return [
        # github
        ToolDef(
            "GITHUB_CREATE_ISSUE",
            "Create an issue",
            "Create a new issue in a GitHub repository with a title, body and labels.",
            "github",
            _obj(
                ["owner", "repo", "title"],
                **_OWNER_REPO,
                title=_s("Issue title"),
                body=_s("Issue body (markdown)"),
                labels=_a("Labels", {"type": "string"}),
            ),
            _out(issue={"type": "object"}),
            _gh_create_issue,
            (CREATE, OPEN_WORLD, "important"),
            gh_scopes,
        ),
        ToolDef(
            "GITHUB_LIST_ISSUES",
            "List issues",
            "List issues of a GitHub repository, filtered by state.",
            "github",
            _obj(
                ["owner", "repo"],
                **_OWNER_REPO,
                state=_s("Issue state", enum=["open", "closed", "all"]),
            ),
            _out(issues={"type": "array"}, total_count={"type": "integer"}),
            _gh_list_issues,
            (RO, IDEMPOTENT),
            gh_scopes,
        ),
        ToolDef(
            "GITHUB_CLOSE_ISSUE",
            "Close an issue",
            "Close an open issue of a GitHub repository by number.",
            "github",
            _obj(
                ["owner", "repo", "issue_number"],
                **_OWNER_REPO,
                issue_number=_i("Issue number", minimum=1),
            ),
            _out(issue={"type": "object"}),
            _gh_close_issue,
            (UPDATE, IDEMPOTENT),
            gh_scopes,
        ),
        ToolDef(
            "GITHUB_GET_REPOSITORY",
            "Get a repository",
            "Get details of a GitHub repository: stars, forks, default branch and open issues.",
            "github",
            _obj(["owner", "repo"], **_OWNER_REPO),
            _out(full_name={"type": "string"}),
            _gh_get_repo,
            (RO, IDEMPOTENT, "important"),
            gh_scopes,
        ),
        ToolDef(
            "GITHUB_LIST_PULL_REQUESTS",
            "List pull requests",
            "List pull requests of a GitHub repository.",
            "github",
            _obj(
                ["owner", "repo"],
                **_OWNER_REPO,
                state=_s("Pull request state", enum=["open", "closed", "all"]),
            ),
            _out(pull_requests={"type": "array"}),
            _gh_list_prs,
            (RO, IDEMPOTENT),
            gh_scopes,
        ),
        # gmail
        ToolDef(
            "GMAIL_SEND_EMAIL",
            "Send email",
            "Send an email from the connected Gmail account to a recipient with a subject and body.",
            "gmail",
            _obj(
                ["recipient_email", "body"],
                recipient_email=_s("Primary recipient email address"),
                subject=_s("Subject line"),
                body=_s("Email body"),
                cc=_a("CC recipients", {"type": "string"}),
            ),
            _out(id={"type": "string"}, threadId={"type": "string"}, labelIds={"type": "array"}),
            _gmail_send,
            (OPEN_WORLD, CREATE, "important"),
            ("https://www.googleapis.com/auth/gmail.send",),
        ),
        ToolDef(
            "GMAIL_FETCH_EMAILS",
            "Fetch emails",
            "Fetch and list emails from the Gmail mailbox, optionally filtered by a search query.",
            "gmail",
            _obj(
                [],
                query=_s("Text to search for in subject or body"),
                max_results=_i("Maximum number of messages", minimum=1, maximum=100),
            ),
            _out(messages={"type": "array"}),
            _gmail_fetch,
            (RO, IDEMPOTENT),
            ("https://www.googleapis.com/auth/gmail.readonly",),
        ),
        ToolDef(
            "GMAIL_CREATE_EMAIL_DRAFT",
            "Create email draft",
            "Create a draft email in Gmail without sending it.",
            "gmail",
            _obj(
                ["recipient_email", "body"],
                recipient_email=_s("Recipient email address"),
                subject=_s("Subject line"),
                body=_s("Email body"),
            ),
            _out(id={"type": "string"}),
            _gmail_draft,
            (CREATE,),
            ("https://www.googleapis.com/auth/gmail.compose",),
        ),
        ToolDef(
            "GMAIL_DELETE_MESSAGE",
            "Delete message",
            "Permanently delete a Gmail message by id.",
            "gmail",
            _obj(["message_id"], message_id=_s("Message id")),
            _out(deleted={"type": "boolean"}),
            _gmail_delete,
            (DESTRUCTIVE,),
            ("https://mail.google.com/",),
        ),
        # slack
        ToolDef(
            "SLACK_SEND_MESSAGE",
            "Send message",
            "Post a message to a Slack channel.",
            "slack",
            _obj(
                ["channel", "text"],
                channel=_s("Channel name, e.g. general"),
                text=_s("Message text"),
            ),
            _out(ok={"type": "boolean"}, ts={"type": "string"}),
            _slack_send,
            (OPEN_WORLD, CREATE, "important"),
            ("chat:write",),
        ),
        ToolDef(
            "SLACK_LIST_MESSAGES",
            "List messages",
            "List recent messages of a Slack channel (conversation history).",
            "slack",
            _obj(
                ["channel"],
                channel=_s("Channel name"),
                limit=_i("Maximum messages", minimum=1, maximum=200),
            ),
            _out(messages={"type": "array"}),
            _slack_list,
            (RO, IDEMPOTENT),
            ("channels:history",),
        ),
        ToolDef(
            "SLACK_LIST_CHANNELS",
            "List channels",
            "List the channels of the Slack workspace.",
            "slack",
            _obj([]),
            _out(channels={"type": "array"}),
            _slack_channels,
            (RO, IDEMPOTENT),
            ("channels:read",),
        ),
        # notion
        ToolDef(
            "NOTION_CREATE_PAGE",
            "Create page",
            "Create a new page in Notion with a title and content.",
            "notion",
            _obj(["title"], title=_s("Page title"), content=_s("Page content (markdown)")),
            _out(page={"type": "object"}),
            _notion_create,
            (CREATE,),
            (),
        ),
        ToolDef(
            "NOTION_SEARCH",
            "Search pages",
            "Search Notion pages by text in title or content.",
            "notion",
            _obj(["query"], query=_s("Search text")),
            _out(results={"type": "array"}),
            _notion_search,
            (RO, IDEMPOTENT),
            (),
        ),
        # google calendar
        ToolDef(
            "GOOGLECALENDAR_CREATE_EVENT",
            "Create event",
            "Create a calendar event (meeting) with a summary, start time, duration and attendees.",
            "googlecalendar",
            _obj(
                ["summary", "start_datetime"],
                summary=_s("Event title"),
                start_datetime=_s("Start, ISO 8601"),
                duration_minutes=_i("Duration in minutes", minimum=1),
                attendees=_a("Attendee emails", {"type": "string"}),
            ),
            _out(event={"type": "object"}),
            _cal_create,
            (CREATE, OPEN_WORLD),
            ("https://www.googleapis.com/auth/calendar",),
        ),
        ToolDef(
            "GOOGLECALENDAR_LIST_EVENTS",
            "List events",
            "List upcoming calendar events and meetings.",
            "googlecalendar",
            _obj([]),
            _out(events={"type": "array"}),
            _cal_list,
            (RO, IDEMPOTENT),
            ("https://www.googleapis.com/auth/calendar.readonly",),
        ),
        # linear
        ToolDef(
            "LINEAR_CREATE_ISSUE",
            "Create Linear issue",
            "Create an issue (ticket) in Linear with a title, description and priority.",
            "linear",
            _obj(
                ["title"],
                title=_s("Issue title"),
                description=_s("Issue description"),
                priority=_i("Priority 0-4", minimum=0, maximum=4),
            ),
            _out(issue={"type": "object"}),
            _linear_create,
            (CREATE,),
            (),
        ),
        ToolDef(
            "LINEAR_LIST_ISSUES",
            "List Linear issues",
            "List issues (tickets) in Linear.",
            "linear",
            _obj([]),
            _out(issues={"type": "array"}),
            _linear_list,
            (RO, IDEMPOTENT),
            (),
        ),
        # weather
        ToolDef(
            "WEATHER_GET_FORECAST",
            "Weather forecast",
            "Get a multi-day weather forecast (temperature, rain, conditions) for a city.",
            "weather",
            _obj(["city"], city=_s("City name"), days=_i("Number of days", minimum=1, maximum=7)),
            _out(forecast={"type": "array"}),
            _weather_forecast,
            (RO, IDEMPOTENT, "important"),
        ),
        ToolDef(
            "WEATHER_GET_CURRENT",
            "Current weather",
            "Get the current weather conditions and temperature for a city.",
            "weather",
            _obj(["city"], city=_s("City name")),
            _out(temp_c={"type": "number"}),
            _weather_current,
            (RO, IDEMPOTENT),
        ),
        # calculator
        ToolDef(
            "CALCULATOR_ADD",
            "Add numbers",
            "Add two numbers and return the sum.",
            "calculator",
            _obj(["a", "b"], a=_n("First number"), b=_n("Second number")),
            _out(result={"type": "number"}),
            _calc_add,
            (RO, IDEMPOTENT),
        ),
        ToolDef(
            "CALCULATOR_MULTIPLY",
            "Multiply numbers",
            "Multiply two numbers and return the product.",
            "calculator",
            _obj(["a", "b"], a=_n("First number"), b=_n("Second number")),
            _out(result={"type": "number"}),
            _calc_mul,
            (RO, IDEMPOTENT),
        ),
        ToolDef(
            "CALCULATOR_DIVIDE",
            "Divide numbers",
            "Divide a by b and return the quotient.",
            "calculator",
            _obj(["a", "b"], a=_n("Dividend"), b=_n("Divisor")),
            _out(result={"type": "number"}),
            _calc_div,
            (RO, IDEMPOTENT),
        ),
        ToolDef(
            "CALCULATOR_EVALUATE",
            "Evaluate expression",
            "Evaluate an arithmetic expression such as (2 + 3) * 4.",
            "calculator",
            _obj(["expression"], expression=_s("Arithmetic expression")),
            _out(result={"type": "number"}),
            _calc_eval,
            (RO, IDEMPOTENT),
        ),
        # text
        ToolDef(
            "TEXT_WORD_COUNT",
            "Count words",
            "Count the words, characters and lines of a text.",
            "text",
            _obj(["text"], text=_s("Input text")),
            _out(words={"type": "integer"}),
            _text_wc,
            (RO, IDEMPOTENT),
        ),
        ToolDef(
            "TEXT_UPPERCASE",
            "Uppercase text",
            "Convert a text to upper case.",
            "text",
            _obj(["text"], text=_s("Input text")),
            _out(text={"type": "string"}),
            _text_upper,
            (RO, IDEMPOTENT),
        ),
        ToolDef(
            "TEXT_REVERSE",
            "Reverse text",
            "Reverse the characters of a text.",
            "text",
            _obj(["text"], text=_s("Input text")),
            _out(text={"type": "string"}),
            _text_reverse,
            (RO, IDEMPOTENT),
        ),
        ToolDef(
            "TEXT_SLUGIFY",
            "Slugify text",
            "Turn a text into a lowercase URL slug.",
            "text",
            _obj(["text"], text=_s("Input text")),
            _out(slug={"type": "string"}),
            _text_slugify,
            (RO, IDEMPOTENT),
        ),
        # utils
        ToolDef(
            "UTILS_SLEEP",
            "Sleep",
            "Sleep on the server for a number of seconds (for concurrency tests).",
            "utils",
            _obj(["seconds"], seconds=_n("Seconds to sleep", minimum=0, maximum=30)),
            _out(slept={"type": "number"}),
            _utils_sleep,
            (RO, IDEMPOTENT),
        ),
        ToolDef(
            "UTILS_ECHO",
            "Echo",
            "Return the arguments unchanged.",
            "utils",
            _obj([], closed=False, message=_s("Anything")),
            _out(arguments={"type": "object"}),
            _utils_echo,
            (RO, IDEMPOTENT),
        ),
        ToolDef(
            "UTILS_FAIL",
            "Fail",
            "Always fail with a tool-level error (for error-path tests).",
            "utils",
            _obj([], message=_s("Error message to return")),
            _out(),
            _utils_fail,
            (RO,),
        ),
    ]


def build_demo_catalog() -> Catalog:
    return Catalog(_TOOLKITS, _tools())
