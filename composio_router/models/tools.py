"""Tool schemas (spec §9): what ``GET …/tools`` returns and providers convert."""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

__all__ = ["Tool", "ToolkitRef"]


@frozen
class ToolkitRef:
    """The toolkit a tool belongs to."""

    slug: str
    name: str = ""
    logo: str = ""


@frozen
class Tool:
    """One tool's schema: an app tool, a meta tool (``COMPOSIO_…``) or a custom tool (``LOCAL_…``).

    ``input_parameters`` is the JSON Schema of the arguments, kept as the server sent it.
    """

    slug: str
    name: str = ""
    description: str = ""
    input_parameters: dict[str, Any] = field(factory=dict)
    output_parameters: dict[str, Any] = field(factory=dict)
    toolkit: ToolkitRef | None = None
    human_description: str | None = None
    version: str | None = None
    available_versions: list[str] = field(factory=list)
    tags: list[str] = field(factory=list)
    scopes: list[str] = field(factory=list)
    scope_requirements: dict[str, Any] | None = None
    no_auth: bool | None = None
    is_deprecated: bool = False
    deprecated: dict[str, Any] | None = None
    instant: dict[str, Any] | None = None

    @property
    def toolkit_slug(self) -> str:
        """The toolkit's slug; meta tools without one belong to ``composio`` (spec §7)."""
        return self.toolkit.slug if self.toolkit is not None and self.toolkit.slug else "composio"
