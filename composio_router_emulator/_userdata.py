"""Per-user in-memory data the demo tools read and write (mailbox, issues, messages...)."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["UserData"]


@attrs.define
class UserData:
    sent_emails: list[dict[str, Any]] = attrs.field(factory=list)
    drafts: list[dict[str, Any]] = attrs.field(factory=list)
    issues: list[dict[str, Any]] = attrs.field(factory=list)
    slack_messages: list[dict[str, Any]] = attrs.field(factory=list)
    linear_issues: list[dict[str, Any]] = attrs.field(factory=list)
    notion_pages: list[dict[str, Any]] = attrs.field(factory=list)
    events: list[dict[str, Any]] = attrs.field(factory=list)
    counter: int = 0

    def next_number(self) -> int:
        self.counter += 1
        return self.counter
