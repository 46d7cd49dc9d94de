"""scripts/generate_sync.py on a small synthetic package, in-process (no subprocesses).

The package has what the generator must mirror (a client with ``aclose`` and context
manager dunders, ``**settings: Unpack[TypedDict]``, async generators, properties and
attributes holding twins) and, per refusal test, one member it must refuse.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "synthetic_router"  # importable name of the package written to tmp_path

SETTINGS = '''
from __future__ import annotations

from typing import TypedDict


class Settings(TypedDict, total=False):
    """Session settings, declared once."""

    region: str
    retries: int
'''

CLIENT = '''
"""A miniature of composio_router.client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, Unpack

from .settings import Settings

if TYPE_CHECKING:
    from types import TracebackType

DEFAULT_LIMIT = 3


class _Transport:
    def reset_after_fork(self) -> None:
        pass


class AsyncSession:
    """A session of the async client: ``await session.echo("hi")``."""

    def __init__(
        self, client: AsyncClient, user_id: str, settings: Settings, origin: AsyncSession | None = None
    ) -> None:
        self._client = client
        self._origin = origin
        self.user_id = user_id
        """Who the session is for (ü: non-ASCII text is copied as is)."""
        self.settings: Settings = settings

    def __repr__(self) -> str:
        return f"AsyncSession(user_id={self.user_id!r})"

    @property
    def root(self) -> AsyncSession:
        """The session this one was made from, or itself."""
        return self._origin or self

    # ANCHOR: refusal tests insert members here

    async def echo(self, text: str, /, *words: str, upper: bool = False) -> str:
        """Echo ``text`` and ``words``."""
        joined = " ".join([text, *words])
        return joined.upper() if upper else joined

    async def label(self, kind: Literal["é", "ü"] = "é", *, limit: int = DEFAULT_LIMIT) -> str:
        return f"{kind}{limit}"

    async def count(
        self,
        weights: Mapping[
            str,
            int,
        ]
        | None = None,
    ) -> int:
        return len(weights or {})

    async def iter_numbers(self, limit: int = DEFAULT_LIMIT) -> AsyncIterator[int]:
        """Yield ``0 .. limit - 1``."""
        for i in range(limit):
            yield i

    async def iter_peers(self, n: int) -> AsyncIterator[AsyncSession]:
        for i in range(n):
            yield AsyncSession(self._client, f"{self.user_id}-{i}", {}, self)

    async def peers(self, n: int) -> list[AsyncSession]:
        return [AsyncSession(self._client, f"{self.user_id}-{i}", {}, self) for i in range(n)]

    def describe(self) -> str:
        return f"session of {self.user_id}"


class AsyncClient:
    """The async client. Use ``async with AsyncClient() as client:`` or :meth:`aclose`."""

    def __init__(self, name: str = "client", *, limit: int = DEFAULT_LIMIT) -> None:
        self._transport = _Transport()
        self.name = name
        self.closed: bool = False
        """Whether :meth:`aclose` ran."""
        self.primary = AsyncSession(self, "primary", {})
        self._latest: AsyncSession | None = None

    @property
    def latest(self) -> AsyncSession | None:
        return self._latest

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client."""
        self.closed = True

    async def create(
        self,
        user_id: str,
        *,
        tags: Sequence[str] = (),
        timeout: float | None = None,
        **settings: Unpack[Settings],
    ) -> AsyncSession:
        """Create a session: see :class:`AsyncSession`."""
        self._latest = AsyncSession(self, user_id, settings)
        return self._latest
'''

PORTAL = "from composio_router._portal import PortalManager, SyncTwin\n"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_sync", ROOT / "scripts" / "generate_sync.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_sync"] = module  # dataclasses resolve annotations through sys.modules
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["generate_sync"]
    return module


generator = _load_generator()


def _package(tmp_path: Path, client: str = CLIENT) -> Path:
    package = tmp_path / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "_portal.py").write_text(PORTAL, encoding="utf-8")
    (package / "settings.py").write_text(SETTINGS, encoding="utf-8")
    (package / "client.py").write_text(client, encoding="utf-8")
    return package


@pytest.fixture
def generated(tmp_path: Path) -> str:
    text: str = generator.render(_package(tmp_path))
    return text


@pytest.fixture
def sync(tmp_path: Path, generated: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The generated facade, imported as ``synthetic_router._sync``."""
    (tmp_path / PACKAGE / "_sync.py").write_text(generated, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        yield importlib.import_module(f"{PACKAGE}._sync")
    finally:
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _params(fn: Any) -> list[tuple[str, str, Any, Any]]:
    return [
        (p.name, p.kind.name, p.annotation, p.default)
        for p in inspect.signature(fn).parameters.values()
    ]


def test_generated_text_compiles_and_imports_annotations_lazily(generated: str) -> None:
    compile(generated, "_sync.py", "exec")
    assert generated.startswith(
        "# GENERATED by scripts/generate_sync.py from composio_router.client"
        " — do not edit by hand; run `nox -s generate`.\n"
    )
    runtime, typing_only = generated.split("\nif TYPE_CHECKING:\n")
    typing_only = typing_only.split("\n__all__")[0]
    assert "from .client import DEFAULT_LIMIT, AsyncClient, AsyncSession\n" in runtime
    assert "    from typing import Any, Literal, Unpack\n" in typing_only
    assert "    from .settings import Settings\n" in typing_only
    assert "    from collections.abc import Iterator, Mapping, Sequence\n" in typing_only
    assert '__all__ = ["Client", "Session"]' in generated
    assert generated.index("class Client(") < generated.index("class Session(")  # clients first


def test_unpacked_settings_are_declared_and_forwarded(generated: str, sync: ModuleType) -> None:
    assert (
        "    def create(\n"
        "        self,\n"
        "        user_id: str,\n"
        "        *,\n"
        "        tags: Sequence[str] = (),\n"
        "        timeout: float | None = None,\n"
        "        **settings: Unpack[Settings],\n"
        "    ) -> Session:\n"
    ) in generated
    assert _params(sync.Client.create) == [
        ("self", "POSITIONAL_OR_KEYWORD", inspect.Parameter.empty, inspect.Parameter.empty),
        ("user_id", "POSITIONAL_OR_KEYWORD", "str", inspect.Parameter.empty),
        ("tags", "KEYWORD_ONLY", "Sequence[str]", ()),
        ("timeout", "KEYWORD_ONLY", "float | None", None),
        ("settings", "VAR_KEYWORD", "Unpack[Settings]", inspect.Parameter.empty),
    ]
    with sync.Client() as client:
        session = client.create("u", region="eu", retries=2)
        assert isinstance(session, sync.Session)
        assert session.settings == {"region": "eu", "retries": 2}


def test_signatures_mirror_the_async_ones(generated: str, sync: ModuleType) -> None:
    assert _params(sync.Client.__init__) == [
        ("self", "POSITIONAL_OR_KEYWORD", inspect.Parameter.empty, inspect.Parameter.empty),
        ("name", "POSITIONAL_OR_KEYWORD", "str", "client"),
        ("limit", "KEYWORD_ONLY", "int", 3),
    ]
    assert [p[:3] for p in _params(sync.Session.echo)] == [
        ("self", "POSITIONAL_ONLY", inspect.Parameter.empty),
        ("text", "POSITIONAL_ONLY", "str"),
        ("words", "VAR_POSITIONAL", "str"),
        ("upper", "KEYWORD_ONLY", "bool"),
    ]
    # Non-ASCII text before a node on the same line: columns are UTF-8 bytes. (Annotation
    # strings at run time are the compiler's re-rendering; the text keeps the source's.)
    assert _params(sync.Session.label)[1:] == [
        ("kind", "POSITIONAL_OR_KEYWORD", "Literal['é', 'ü']", "é"),
        ("limit", "KEYWORD_ONLY", "int", 3),
    ]
    assert 'kind: Literal["é", "ü"] = "é", *, limit: int = DEFAULT_LIMIT' in generated
    # A multi-line annotation is flattened, keeping one parameter per line.
    assert _params(sync.Session.count)[1][2] == "Mapping[str, int] | None"
    returns = {
        name: inspect.signature(getattr(sync.Session, name)).return_annotation
        for name in ("echo", "iter_numbers", "iter_peers", "peers", "describe")
    }
    assert returns == {
        "echo": "str",
        "iter_numbers": "Iterator[int]",
        "iter_peers": "Iterator[Session]",
        "peers": "list[Session]",
        "describe": "str",
    }
    assert inspect.signature(sync.Client.__enter__).return_annotation == "Client"
    assert [p[0] for p in _params(sync.Client.__exit__)] == ["self", "exc_type", "exc", "tb"]
    for name in ("aclose", "__aenter__", "__aexit__"):
        assert not hasattr(sync.Client, name)
    assert not hasattr(sync.Session, "close")  # only clients own the portal
    for cls in (sync.Client, sync.Session):
        for value in vars(cls).values():
            assert not inspect.iscoroutinefunction(value)
            assert not inspect.isasyncgenfunction(value)


def test_facade_runs_the_async_core(sync: ModuleType) -> None:
    client = sync.Client("c1")
    try:
        _exercise(sync, client)
    finally:
        client.close()
    assert client.closed is True


def _exercise(sync: ModuleType, client: Any) -> None:
    assert (client.name, client.closed, client.latest) == ("c1", False, None)
    assert isinstance(client.primary, sync.Session)
    assert client.primary is client.primary  # one twin per async attribute value
    session = client.create("u")
    assert client.latest._async is session._async
    assert session.root is session.root and session.root._async is session._async
    assert session.echo("a", "b", upper=True) == "A B"
    assert session.label() == "é3"
    assert session.count({"x": 1}) == 1
    numbers = session.iter_numbers()
    assert inspect.isgenerator(numbers) and list(numbers) == [0, 1, 2]
    peers = list(session.iter_peers(2))
    assert [type(p) for p in peers] == [sync.Session, sync.Session]
    assert peers[0].root._async is session._async
    assert [p.user_id for p in session.peers(2)] == ["u-0", "u-1"]
    assert session.describe() == "session of u"
    assert repr(session) == "Session(user_id='u')"


def test_docstrings_speak_of_the_blocking_api(sync: ModuleType) -> None:
    assert sync.Client.__doc__ == (
        "The blocking client. Use ``with Client() as client:`` or :meth:`close`."
    )
    assert sync.Session.__doc__ == 'A session of the blocking client: ``session.echo("hi")``.'
    assert sync.Client.create.__doc__ == "Create a session: see :class:`Session`."
    assert sync.Client.close.__doc__ == "Close the client."
    assert sync.Session.user_id.__doc__ == (
        "Who the session is for (ü: non-ASCII text is copied as is)."
    )
    assert sync.Client.closed.__doc__ == "Whether :meth:`close` ran."


def test_members_keep_the_async_order(generated: str) -> None:
    tree = ast.parse(generated)
    members = {
        node.name: [n.name for n in node.body if isinstance(n, ast.FunctionDef)]
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }
    assert members == {
        # __init__, then attributes as properties, then the members in source order
        "Client": [
            "__init__",
            "name",
            "closed",
            "primary",
            "latest",
            "__enter__",
            "__exit__",
            "close",
            "create",
        ],
        "Session": [
            "user_id",
            "settings",
            "root",
            "echo",
            "label",
            "count",
            "iter_numbers",
            "iter_peers",
            "peers",
            "describe",
            "__repr__",
        ],
    }


REFUSALS = {
    "unknown decorator": (
        "    @functools.cache\n    async def cached(self) -> int:\n        return 1\n",
        r"AsyncSession\.cached: decorators \['functools\.cache'\]",
    ),
    "async property": (
        "    @property\n    async def slow(self) -> int:\n        return 1\n",
        r"AsyncSession\.slow: decorators \['property'\]",
    ),
    "property setter": (
        "    @root.setter\n    def root(self, value: AsyncSession) -> None:\n        pass\n",
        r"AsyncSession\.root: property setters",
    ),
    "async dunder without a blocking spelling": (
        "    async def __anext__(self) -> int:\n        return 1\n",
        r"AsyncSession\.__anext__: no blocking spelling",
    ),
    "__aenter__ that does more than return self": (
        "    async def __aenter__(self) -> AsyncSession:\n"
        "        await self.echo('x')\n        return self\n",
        r"AsyncSession\.__aenter__: only `return self`",
    ),
    "__aexit__ outside a client": (
        "    async def __aexit__(self, *exc: object) -> None:\n        await self.aclose()\n",
        r"AsyncSession\.__aexit__: only `await self\.aclose\(\)`",
    ),
    "twin type it cannot wrap": (
        "    async def by_name(self) -> dict[str, AsyncSession]:\n        return {}\n",
        r"AsyncSession\.by_name: cannot wrap a value of type dict\[str, AsyncSession\]",
    ),
    "client twin as a value": (
        "    @property\n    def client(self) -> AsyncClient:\n        return self._client\n",
        r"AsyncSession\.client: cannot wrap a value of type AsyncClient",
    ),
    "twin type as a parameter": (
        "    async def adopt(self, other: AsyncSession) -> None:\n        pass\n",
        r"AsyncSession\.adopt: parameter other takes an async object",
    ),
    "attribute of unknown type": (
        "    async def reset(self) -> None:\n        self.mystery = self.describe()\n",
        r"cannot tell the type of self\.mystery in AsyncSession\.reset",
    ),
    "quoted annotation naming an async type": (
        "    async def twin(self) -> 'AsyncSession':\n        return self\n",
        r"AsyncSession\.twin: a quoted annotation names an async type: 'AsyncSession'",
    ),
    "quoted async protocol type": (
        "    def stream(self) -> 'AsyncIterator[int]':\n        raise NotImplementedError\n",
        r"AsyncSession\.stream: a quoted annotation",
    ),
    "name of unknown origin": (
        "    async def fetch(self) -> Mystery:\n        raise NotImplementedError\n",
        r"AsyncSession\.fetch: cannot tell where 'Mystery' comes from",
    ),
    "unannotated async generator": (
        "    async def ticks(self):\n        yield 1\n",
        r"AsyncSession\.ticks: annotate async iterators",
    ),
    "property without a return annotation": (
        "    @property\n    def size(self):\n        return 1\n",
        r"AsyncSession\.size: properties need a return annotation",
    ),
    "static method": (
        "    @staticmethod\n    async def make() -> int:\n        return 1\n",
        r"AsyncSession\.make: decorators \['staticmethod'\]",
    ),
}


@pytest.mark.parametrize(("member", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_refuses_what_it_cannot_mirror(tmp_path: Path, member: str, message: str) -> None:
    anchor = "    # ANCHOR: refusal tests insert members here\n"
    package = _package(tmp_path, CLIENT.replace(anchor, anchor + member + "\n"))
    with pytest.raises(generator.GeneratorError, match=message):
        generator.render(package)


def test_refuses_a_name_two_modules_import_differently(tmp_path: Path) -> None:
    package = _package(tmp_path)
    other = textwrap.dedent(
        """
        from __future__ import annotations

        from decimal import Decimal as Settings


        class AsyncCounter:
            async def add(self, amount: Settings) -> None:
                pass
        """
    )
    (package / "counter.py").write_text(other, encoding="utf-8")
    with pytest.raises(generator.GeneratorError, match="'Settings' means"):
        generator.render(package)


def test_refuses_an_empty_package(tmp_path: Path) -> None:
    package = _package(tmp_path, '"""Nothing async here."""\n')
    with pytest.raises(generator.GeneratorError, match="no public Async"):
        generator.render(package)


HOLDERS = '''
    async def pick(self, kind: str) -> AsyncSession | str | None:
        """A peer, this session's user id, or nothing."""
        if kind == "peer":
            return AsyncSession(self._client, f"{self.user_id}-peer", {}, self)
        return self.user_id if kind == "name" else None

    @property
    def extras(self) -> AsyncExtras:
        """An object with no async member of its own that hands out this session."""
        return AsyncExtras(self)

'''

EXTRAS = '''

class AsyncExtras:
    """Nothing async here, but it holds a session: it needs a twin too."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        """The session it belongs to."""

    @property
    def note(self) -> str:
        return "extras"
'''


def test_holders_of_twins_get_twins_and_unions_are_wrapped_by_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    anchor = "    # ANCHOR: refusal tests insert members here\n"
    package = _package(tmp_path, CLIENT.replace(anchor, anchor + HOLDERS) + EXTRAS)
    text = generator.render(package)
    assert "class Extras(SyncTwin[AsyncExtras]):" in text
    assert "self._wrap(Session, result) if isinstance(result, AsyncSession) else result" in text
    (package / "_sync.py").write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        sync = importlib.import_module(f"{PACKAGE}._sync")
        with sync.Client() as client:
            session = client.create("u")
            assert isinstance(session.pick("peer"), sync.Session)
            assert session.pick("name") == "u" and session.pick("other") is None
            extras = session.extras
            assert isinstance(extras, sync.Extras) and isinstance(extras.session, sync.Session)
            assert extras.session._async is session._async and extras.note == "extras"
    finally:
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]
