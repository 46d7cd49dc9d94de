"""The sync facade mirrors the async API: same members, parameters, defaults and types.

This walks the async classes at runtime (independently of the generator, which reads
source) and compares each with its sync twin, modulo async/await.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import composio_router
from composio_router import _sync, client, connections, experimental, files, session

ROOT = Path(__file__).resolve().parents[2]
ASYNC_MODULES = [client, connections, experimental, files, session]
RENAMED = {
    "aclose": "close",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
}
CLIENT_ONLY = {"close", "__enter__", "__exit__"}


def _async_classes() -> list[type]:
    found = []
    for module in ASYNC_MODULES:
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and obj.__module__ == module.__name__
                and re.fullmatch(r"Async[A-Z]\w*", name)
                and any(
                    inspect.iscoroutinefunction(v) or inspect.isasyncgenfunction(v)
                    for v in vars(obj).values()
                )
            ):
                found.append(obj)
    return sorted(found, key=lambda c: c.__name__)


ASYNC_CLASSES = _async_classes()
TWIN_NAMES = {c.__name__: c.__name__.removeprefix("Async") for c in ASYNC_CLASSES}


def _sync_text(annotation: Any) -> Any:
    """An async annotation string as the sync side should spell it."""
    if annotation is inspect.Parameter.empty or not isinstance(annotation, str):
        return annotation
    for old, new in TWIN_NAMES.items():
        annotation = re.sub(rf"\b{old}\b", new, annotation)
    # AsyncGenerator[X, None] (typed so for contextlib.aclosing) is iterated as Iterator[X].
    annotation = re.sub(r"\bAsyncGenerator\[(.*), None\]$", r"Iterator[\1]", annotation)
    return re.sub(r"\bAsync(Iterator|Iterable)\b", r"\1", annotation)


def _public(cls: type) -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(cls).items()
        if not name.startswith("_") or name in RENAMED
    }


def test_every_async_class_has_a_twin() -> None:
    assert {c.__name__ for c in ASYNC_CLASSES} >= {
        "AsyncComposio",
        "AsyncSessions",
        "AsyncSession",
        "AsyncConnectionRequest",
    }
    for cls in ASYNC_CLASSES:
        twin = getattr(_sync, TWIN_NAMES[cls.__name__])
        assert twin.__module__ == "composio_router._sync"
        assert (
            getattr(composio_router, twin.__name__) is twin
            or twin.__name__ not in composio_router.__all__
        )


def test_top_level_names() -> None:
    from composio_router import Composio, ConnectionRequest, Session, Sessions

    assert (Composio, Session, Sessions, ConnectionRequest) == (
        _sync.Composio,
        _sync.Session,
        _sync.Sessions,
        _sync.ConnectionRequest,
    )


@pytest.mark.parametrize("cls", ASYNC_CLASSES, ids=lambda c: c.__name__)
def test_members_match(cls: type) -> None:
    twin = getattr(_sync, TWIN_NAMES[cls.__name__])
    is_client = "aclose" in vars(cls)
    expected = {RENAMED.get(name, name) for name in _public(cls)}
    if is_client:
        expected.add("__init__")
    actual = {
        name
        for name in vars(twin)
        if not name.startswith("_") or name in {*RENAMED.values(), "__init__"}
    }
    missing = expected - actual
    assert not missing, f"{twin.__name__} lacks {sorted(missing)}"
    # Extra public members are only the instance attributes the async class sets.
    extra = actual - expected
    for name in extra:
        assert isinstance(vars(twin)[name], property), (
            f"{twin.__name__}.{name} has no async counterpart"
        )
    if not is_client:
        assert not CLIENT_ONLY & actual


def _compare_functions(async_fn: Any, sync_fn: Any, where: str) -> None:
    a_sig, s_sig = inspect.signature(async_fn), inspect.signature(sync_fn)
    a_params, s_params = list(a_sig.parameters.values()), list(s_sig.parameters.values())
    assert [p.name for p in s_params] == [p.name for p in a_params], where
    for a, s in zip(a_params, s_params, strict=True):
        assert s.kind == a.kind, f"{where}({a.name}): kind"
        if a.default is inspect.Parameter.empty or isinstance(
            a.default, (str, int, float, bool, tuple, type(None))
        ):
            assert s.default == a.default, f"{where}({a.name}): default"
        else:
            assert s.default is a.default, f"{where}({a.name}): default"
        assert s.annotation == _sync_text(a.annotation), f"{where}({a.name}): annotation"
    assert s_sig.return_annotation == _sync_text(a_sig.return_annotation), f"{where}: return type"
    if async_fn.__doc__:
        assert sync_fn.__doc__, f"{where}: docstring"


@pytest.mark.parametrize("cls", ASYNC_CLASSES, ids=lambda c: c.__name__)
def test_signatures_match(cls: type) -> None:
    twin = getattr(_sync, TWIN_NAMES[cls.__name__])
    for name, value in _public(cls).items():
        sync_value = vars(twin)[RENAMED.get(name, name)]
        where = f"{twin.__name__}.{RENAMED.get(name, name)}"
        if isinstance(value, property):
            assert isinstance(sync_value, property), where
            assert inspect.signature(sync_value.fget).return_annotation == _sync_text(
                inspect.signature(value.fget).return_annotation
            ), where
            continue
        assert inspect.isfunction(value), where
        assert not inspect.iscoroutinefunction(sync_value), (
            f"{where} must block, not be a coroutine"
        )
        assert not inspect.isasyncgenfunction(sync_value), where
        if inspect.isasyncgenfunction(value):
            assert sync_value.__annotations__["return"].startswith(("Iterator[", "Iterable[")), (
                where
            )
        if name == "__aexit__":
            assert [p.name for p in inspect.signature(sync_value).parameters.values()] == [
                p.name for p in inspect.signature(value).parameters.values()
            ]
            continue
        _compare_functions(value, sync_value, where)
    if "aclose" in vars(cls):
        _compare_functions(cls.__init__, twin.__init__, f"{twin.__name__}.__init__")


def test_generated_file_header_and_freshness() -> None:
    text = (ROOT / "composio_router" / "_sync.py").read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("# GENERATED by scripts/generate_sync.py from composio_router.client")
    assert "do not edit" in first
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_sync.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _generator() -> ModuleType:
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


def _copy_package(tmp_path: Path) -> Path:
    package = tmp_path / "composio_router"
    package.mkdir()
    for source in (ROOT / "composio_router").glob("*.py"):
        (package / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return package


def test_check_mode_reports_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generator = _generator()
    stale = tmp_path / "_sync.py"
    current = (ROOT / "composio_router" / "_sync.py").read_text(encoding="utf-8")
    stale.write_text(current.replace("def search(", "def search_old("), encoding="utf-8")
    assert generator.main(["--check", "--output", str(stale)]) == 1
    out = capsys.readouterr()
    assert "-    def search_old(" in out.out and "+    def search(" in out.out
    assert "stale" in out.err
    assert stale.read_text(encoding="utf-8").count("search_old") == 1  # --check never writes


def test_generator_picks_up_new_async_methods(tmp_path: Path) -> None:
    """A method added to the async surface appears in the facade on re-run, no generator change."""
    generator = _generator()
    package = _copy_package(tmp_path)
    path = package / "session.py"
    text = path.read_text(encoding="utf-8")
    anchor = "    async def delete(self, *, timeout"
    addition = (
        "    async def handle_tool_calls(\n"
        "        self, response: Any, *, provider: Any = None, timeout: float | None | Unset = UNSET\n"
        "    ) -> list[ExecuteResult]:\n"
        '        """Run the tool calls an LLM response asks for."""\n'
        "        return []\n\n"
        "    async def iter_sessions_like(self) -> AsyncIterator[AsyncSession]:\n"
        '        """Yields sessions (to check that yielded async objects are wrapped)."""\n'
        "        yield self\n\n"
    )
    path.write_text(text.replace(anchor, addition + anchor, 1), encoding="utf-8")
    out = generator.render(package)
    assert "    def handle_tool_calls(\n" in out
    assert "provider: Any = None," in out and ") -> list[ExecuteResult]:" in out
    assert "return self._portal.call(" in out.split("def handle_tool_calls(")[1].split("def ")[0]
    body = out.split("def iter_sessions_like(")[1].split("def ")[0]
    assert ") -> Iterator[Session]:" in body
    assert "self._wrap(Session, item) for item in self._portal.iterate(" in body


def test_generator_refuses_what_it_cannot_mirror(tmp_path: Path) -> None:
    generator = _generator()
    package = _copy_package(tmp_path)
    path = package / "connections.py"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "    async def refresh(self)",
            "    async def __anext__(self) -> ConnectedAccount:\n        return await self.refresh()\n\n"
            "    async def refresh(self)",
        ),
        encoding="utf-8",
    )
    with pytest.raises(generator.GeneratorError, match="__anext__"):
        generator.render(package)
