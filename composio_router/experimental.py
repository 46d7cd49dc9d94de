"""The official SDK's ``experimental`` namespaces: ``session.experimental`` and ``composio.experimental``.

``session.experimental`` (:class:`AsyncSessionExperimental`, the seed's
``ToolRouterSessionExperimental``) holds the session's files mount and the assistive
system prompt the server generated at create time. ``composio.experimental``
(:class:`ExperimentalAPI`) offers ``@composio.experimental.tool``, the official spelling
of :func:`composio_router.tool`.

Nothing heavy is imported here: custom tools load when a tool is defined.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar, overload

from . import _pydantic
from .errors import CustomToolDefinitionError

if TYPE_CHECKING:
    from .custom_tools import CustomTool
    from .files import AsyncSessionFiles

__all__ = ["AsyncSessionExperimental", "ExperimentalAPI"]

P = ParamSpec("P")
R = TypeVar("R")


class AsyncSessionExperimental:
    """A session's experimental features, as the official SDK groups them.

    ``files`` is the workbench's file mount (list, upload, download, delete);
    ``assistive_prompt`` the system prompt the server generated when the session was
    created (``None`` for a session opened with ``use``).
    """

    def __init__(self, files: AsyncSessionFiles, assistive_prompt: Callable[[], str | None]) -> None:
        self.files = files
        """The session's files mount (``/mnt/files`` in the sandbox)."""
        self._assistive_prompt = assistive_prompt

    @property
    def assistive_prompt(self) -> str | None:
        """The generated system prompt for your agent (only when this object created the session)."""
        return self._assistive_prompt()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(files={self.files!r})"


class ExperimentalAPI:
    """``composio.experimental``: the official SDK's experimental client features.

    ``tool`` defines a custom tool, exactly as :func:`composio_router.tool` does, and
    also takes the official ``output_params=`` (a pydantic model for the output schema).
    The official ``Toolkit`` (a toolkit that tools are added to one by one) is not
    available: it raises, naming :class:`~composio_router.CustomToolkit`, which takes its
    tools at once.
    """

    def Toolkit(  # the official spelling: a class there
        self, *, slug: str, name: str, description: str, preload: bool | None = None
    ) -> NoReturn:
        """Raise :class:`CustomToolDefinitionError` saying how to define the toolkit here.

        The official ``composio.experimental.Toolkit(...)`` is filled by ``@toolkit.tool()``
        after it is made; a :class:`~composio_router.CustomToolkit` is made from its tools,
        which ``@composio.experimental.tool`` (or ``@tool``) defines first.
        """
        raise CustomToolDefinitionError(
            "composio.experimental.Toolkit is not available in composio-router: define the tools "
            "with @composio.experimental.tool, then the toolkit in one go, "
            f"CustomToolkit(slug={slug!r}, name={name!r}, description=..., tools=[...]"
            f"{', preload=True' if preload else ''}) (from composio_router import CustomToolkit)"
        )

    @overload
    def tool(self, fn: Callable[P, R], /) -> CustomTool[P, R]: ...

    @overload
    def tool(
        self,
        /,
        *,
        slug: str | None = None,
        name: str | None = None,
        description: str | None = None,
        extends_toolkit: str | None = None,
        output_schema: Mapping[str, Any] | None = None,
        output_params: type | None = None,
        preload: bool | None = None,
    ) -> Callable[[Callable[P, R]], CustomTool[P, R]]: ...

    def tool(
        self,
        fn: Callable[P, R] | None = None,
        /,
        *,
        slug: str | None = None,
        name: str | None = None,
        description: str | None = None,
        extends_toolkit: str | None = None,
        output_schema: Mapping[str, Any] | None = None,
        output_params: type | None = None,
        preload: bool | None = None,
    ) -> CustomTool[P, R] | Callable[[Callable[P, R]], CustomTool[P, R]]:
        """Turn a function into a custom tool: ``@composio.experimental.tool`` (bare or with options).

        The input schema comes from the signature, or from the one pydantic model the
        function takes (``def grep(input: GrepInput, ctx)``); ``ctx``, annotated or not, is
        the session context. ``output_params`` is a pydantic model whose schema becomes
        the output schema (or pass ``output_schema=`` as a JSON Schema dict).
        """
        from .custom_tools import tool  # loaded when a tool is defined, not with the client

        if output_params is not None:
            if output_schema is not None:
                raise CustomToolDefinitionError("pass output_schema= or output_params=, not both")
            if not _pydantic.is_model_class(output_params):
                raise CustomToolDefinitionError(
                    f"output_params must be a pydantic model class, got {output_params!r}"
                )
            output_schema = _pydantic.model_json_schema(output_params)
        options: dict[str, Any] = {
            "slug": slug, "name": name, "description": description, "extends_toolkit": extends_toolkit,
            "output_schema": output_schema, "preload": bool(preload),
        }
        if fn is None:
            return tool(**options)
        return tool(fn, **options)

    def __repr__(self) -> str:
        return "ExperimentalAPI()"
