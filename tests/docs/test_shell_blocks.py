"""Every shell block of the documentation names things that exist.

Shell blocks (```` ```bash ````, ``sh``, ``shell``, ``zsh``, ``console``) are not run: they
start servers, install packages, run the whole suite. Instead each command in them is
checked against the repository, so that a renamed session, flag, extra or path fails here
rather than in a reader's terminal:

=================================================  ===========================================
``nox -s A B`` / ``python3 noxfile.py -s A B``     each session is one of ``noxfile.py``
``python -m composio_router ...``,                 the SDK's (or the emulator's) own argparse
``composio-router ...``,                           parser accepts the arguments: parsed in this
``python -m composio_router_emulator ...``         process and stopped before anything runs;
                                                   ``--connect`` toolkits are the emulator's
``pip install [-e] '.[x]'`` / ``'composio-router   the extras are in pyproject.toml; any other
[x]'``, other packages                             package is one pyproject.toml names
``pytest PATH`` / ``python -m pytest PATH``        the paths (node ids too) exist
``python PATH.py``                                 the script exists
``uvicorn module:attr``                            the module's file exists and defines ``attr``
``export NAME=...``, ``NAME=... command``          the SDK or the emulator reads ``NAME``
=================================================  ===========================================

A command none of these checks is refused, unless ``ALLOWED`` (below) lists it with the
reason it cannot be checked. The blocks are those of README.md and docs/ (as
``snippets.documents``), of the files the site includes with ``--8<--`` (CONTRIBUTING.md),
and of examples/README.md. In a ``console`` block only ``$ `` lines are commands (the rest is
output); in the others every line is, ``\\`` continuations joined and ``#`` comments dropped.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import re
import shlex
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from unittest import mock

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .snippets import ROOT, Snippet, documents, extract

SHELLS = {"bash", "sh", "shell", "zsh", "console", "shell-session"}
# Commands no check covers, each with the reason it cannot be checked. A prefix of the
# command's words (``python3`` counts as ``python``). An entry no block uses fails a test.
ALLOWED: dict[tuple[str, ...], str] = {
    ("cd",): "moves into the clone the command before made; nothing of ours to check",
    (".",): "activates the virtualenv the command before created (`. .venv/bin/activate`)",
    ("git", "clone"): "the repository's address is a placeholder (`<this repository>`)",
    ("python", "-m", "venv"): "the standard library's venv, not this project",
    ("curl",): "a request to the FastAPI example while it runs; tests/frameworks/test_fastapi.py sends the same requests to it",
    ("mkdocs", "serve"): "serves the site until stopped; `nox -s docs` builds the same mkdocs.yml with --strict",
}
# Packages a `pip install` may name besides the project and the packages pyproject.toml
# names (in its dependencies or an extra), each with the reason.
OTHER_PACKAGES: dict[str, str] = {}
# pytest options that take the next word as their value (so that it is not taken for a path).
PYTEST_VALUED = {"-p", "-k", "-m", "-n", "-W", "-o", "-c", "--timeout", "--rootdir", "--basetemp", "--maxfail",
                 "--durations", "--tb", "--deselect", "--ignore", "--confcutdir", "--junitxml", "--log-level"}
PIP_VALUED = {"-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-t", "--target"}
_OPERATORS = {"&&", "||", ";", "|", "&"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PYTHON = re.compile(r"^python(3(\.\d+)?)?$")
_REQUIREMENT = re.compile(r"^(?P<name>\.|[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[(?P<extras>[^\]]*)\])?(?P<rest>.*)$")


@dataclass(frozen=True)
class Command:
    block: Snippet
    line: int  # 1-based line in the document
    words: tuple[str, ...]  # environment assignments and redirections removed, python3 -> python
    env: tuple[str, ...]  # NAME of each NAME=value before the command (or after `export`)

    @property
    def where(self) -> str:
        return f"{self.block.path.relative_to(ROOT).as_posix()}:{self.line}: {shlex.join(self.words)}"


def shell_documents() -> list[Path]:
    """README.md and docs/, the files docs/ pages include (``--8<-- "FILE"``), examples/README.md."""
    pages = documents()
    included = {
        ROOT / name.split(":", 1)[0]  # "FILE:section" includes a part of FILE
        for page in pages
        for name in re.findall(r'^--8<-- "([^"]+)"', page.read_text(encoding="utf-8"), re.MULTILINE)
    }
    return [*pages, *sorted(included - set(pages)), ROOT / "examples" / "README.md"]


def shell_blocks() -> list[Snippet]:
    return [s for path in shell_documents() for s in extract(path) if s.language in SHELLS]


def _lines(block: Snippet) -> Iterator[tuple[int, str]]:
    """(line in the document, command text) of each command of ``block``."""
    pending: list[str] = []
    start = 0
    for offset, raw in enumerate(block.code.rstrip("\n").split("\n"), start=1):
        line = raw.rstrip()
        if not pending:
            if block.language in {"console", "shell-session"}:
                if not line.startswith("$ "):
                    continue  # output
                line = line[2:]
            start = block.line + offset
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        text = " ".join(pending).strip()
        pending = []
        if text and not text.startswith("#"):
            yield start, text


def _split(text: str) -> list[list[str]]:
    """The simple commands of one command line, split at ``&&``, ``;``, ``|``, ``&``."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for word in lexer:
        if word in _OPERATORS:
            commands.append([])
        else:
            commands[-1].append(word)
    return [c for c in commands if c]


def _command(block: Snippet, line: int, words: list[str]) -> Command:
    env: list[str] = []
    if words[0] == "export":
        return Command(block, line, ("export",), tuple(w.split("=", 1)[0] for w in words[1:]))
    while words and _ASSIGNMENT.match(words[0]):
        env.append(words.pop(0).split("=", 1)[0])
    kept: list[str] = []
    skip = False
    for word in words:  # redirections: `> file`, `2> file`, `< file`
        if skip:
            skip = False
        elif re.fullmatch(r"\d*[<>]+", word):
            skip = True
        else:
            kept.append(word)
    if kept and _PYTHON.match(kept[0]):
        kept[0] = "python"
    return Command(block, line, tuple(kept), tuple(env))


def commands(blocks: list[Snippet] | None = None) -> list[Command]:
    found: list[Command] = []
    for block in shell_blocks() if blocks is None else blocks:
        for line, text in _lines(block):
            found.extend(_command(block, line, words) for words in _split(text))
    return found


# -- what the repository has ----------------------------------------------------------------------


def nox_sessions() -> set[str]:
    """The sessions ``noxfile.py`` defines (``@nox.session``), read without importing nox."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if ast.unparse(target) in {"nox.session", "session"}:
                given = [k.value for k in (call.keywords if call else []) if k.arg == "name"]
                named = given[0].value if given and isinstance(given[0], ast.Constant) else None
                names.add(named if isinstance(named, str) else node.name)
    return names


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def declared_packages() -> set[str]:
    """Every package pyproject.toml names: dependencies and every extra's."""
    project = pyproject()["project"]
    specs = [*project["dependencies"], *(s for extra in project["optional-dependencies"].values() for s in extra)]
    return {canonicalize_name(Requirement(s).name) for s in specs}


def environment_names() -> set[str]:
    """Variables the SDK or the emulator reads: the ``"COMPOSIO_..."`` literals of their source."""
    names = set()
    for package in ("composio_router", "composio_router_emulator"):
        for path in (ROOT / package).rglob("*.py"):
            names.update(re.findall(r"[\"']([A-Z][A-Z0-9_]*)[\"']", path.read_text(encoding="utf-8")))
    return {n for n in names if n.startswith("COMPOSIO_")}


# -- the checks ---------------------------------------------------------------------------------


class _Parsed(Exception):
    def __init__(self, namespace: argparse.Namespace) -> None:
        self.namespace = namespace


def _parse_only(entry: Callable[[list[str]], object], args: list[str]) -> tuple[argparse.Namespace | None, str | None]:
    """Run a command line's ``main(args)`` up to its ``parse_args`` and stop there.

    Returns the parsed namespace (None for ``--help``), or the parser's error message.
    """
    original = argparse.ArgumentParser.parse_args

    def parse_and_stop(self: argparse.ArgumentParser, *a: Any, **k: Any) -> NoReturn:
        raise _Parsed(original(self, *a, **k))

    out = io.StringIO()
    with (
        mock.patch.object(argparse.ArgumentParser, "parse_args", parse_and_stop),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(out),
    ):
        try:
            entry(args)
        except _Parsed as parsed:
            return parsed.namespace, None
        except SystemExit as exc:
            if exc.code in (0, None):
                return None, None  # --help
            return None, out.getvalue().strip().splitlines()[-1]
    return None, "returned without parsing its arguments"


def _check_cli(module: str, args: list[str]) -> list[str]:
    from composio_router.__main__ import main as sdk_main
    from composio_router_emulator import cli

    def emulator(argv: list[str]) -> object:
        return cli.main(argv)

    namespace, error = _parse_only(sdk_main if module == "composio_router" else emulator, args)
    if error:
        return [error]
    problems = []
    if namespace is not None and getattr(namespace, "connect", None):
        from composio_router.testing import Emulator

        known = Emulator().catalog.toolkits
        for _, toolkit in cli.parse_connect(namespace.connect):
            if toolkit not in known:
                problems.append(f"--connect: the emulator has no toolkit {toolkit!r}")
    return problems


def _check_nox(args: list[str]) -> list[str]:
    known = nox_sessions()
    named: list[str] = []
    taking = False
    for word in args:
        if word == "--":
            break  # the session's own arguments
        if word in {"-s", "--session", "--sessions", "-e"}:
            taking = True
        elif word.startswith("-"):
            taking = False
        elif taking:
            named.append(word)
    return [f"no nox session {name!r} (noxfile.py has {sorted(known)})" for name in named if name not in known]


def _check_pip(args: list[str]) -> list[str]:
    if not args or args[0] != "install":
        return [f"pip {' '.join(args[:1])}: only `pip install` is checked"]
    project = pyproject()["project"]
    extras, declared = set(project["optional-dependencies"]), declared_packages()
    problems = []
    words = iter(args[1:])
    for word in words:
        if word in PIP_VALUED:
            next(words, None)
            continue
        if word in {"-r", "--requirement"}:
            path = next(words, "")
            if not (ROOT / path).exists():
                problems.append(f"no requirements file {path}")
            continue
        if word.startswith("-"):
            continue  # -e, -U, -q: the word after -e is the requirement, checked below
        match = _REQUIREMENT.match(word)
        if match is None:
            problems.append(f"cannot read the requirement {word!r}")
            continue
        name = match["name"]
        if name == "." or canonicalize_name(name) == canonicalize_name(project["name"]):
            wanted = [e.strip() for e in (match["extras"] or "").split(",") if e.strip()]
            problems += [f"no extra {e!r} in pyproject.toml (it has {sorted(extras)})" for e in wanted if e not in extras]
            continue
        try:
            package = canonicalize_name(Requirement(word).name)
        except InvalidRequirement:
            problems.append(f"cannot read the requirement {word!r}")
            continue
        if package not in declared and package not in OTHER_PACKAGES:
            problems.append(f"{name}: not a package pyproject.toml names (add it to OTHER_PACKAGES with a reason)")
    return problems


def _check_pytest(args: list[str]) -> list[str]:
    problems = []
    words = iter(args)
    for word in words:
        if word in PYTEST_VALUED:
            next(words, None)
        elif not word.startswith("-"):
            path = word.split("::", 1)[0]
            if not (ROOT / path).exists():
                problems.append(f"pytest: no path {path}")
    return problems


def _check_uvicorn(args: list[str]) -> list[str]:
    targets = [w for w in args if not w.startswith("-") and ":" in w]
    if len(targets) != 1:
        return ["uvicorn: expected one module:attribute"]
    module, attr = targets[0].split(":", 1)
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        return [f"uvicorn: no module {module} ({path.relative_to(ROOT)})"]
    if not re.search(rf"^{re.escape(attr)}\s*[:=]", path.read_text(encoding="utf-8"), re.MULTILINE):
        return [f"uvicorn: {module} defines no {attr}"]
    return []


def _allowed(words: tuple[str, ...]) -> tuple[str, ...] | None:
    return next((prefix for prefix in ALLOWED if words[: len(prefix)] == prefix), None)


def check(command: Command) -> list[str]:
    """What is wrong with ``command``: [] when it checks out (or is allowed)."""
    problems = [f"{name}: neither the SDK nor the emulator reads it" for name in command.env if name not in environment_names()]
    words = list(command.words)
    if not words or words == ["export"]:
        return problems
    if _allowed(command.words) is not None:
        return problems
    program, args = words[0], words[1:]
    if program == "python" and args[:1] == ["-m"] and len(args) > 1:
        program, args = args[1], args[2:]
        if program in {"composio_router", "composio_router_emulator"}:
            return problems + _check_cli(program, args)
    elif program == "python" and args and args[0].endswith(".py"):
        if args[0] == "noxfile.py":
            program, args = "nox", args[1:]
        elif not (ROOT / args[0]).is_file():
            return [*problems, f"no script {args[0]}"]
        else:
            return problems
    if pyproject()["project"].get("scripts", {}).get(program) == "composio_router.__main__:main":
        return problems + _check_cli("composio_router", args)
    checkers: dict[str, Callable[[list[str]], list[str]]] = {
        "nox": _check_nox, "pip": _check_pip, "pytest": _check_pytest, "uvicorn": _check_uvicorn,
    }
    if program in checkers:
        return problems + checkers[program](args)
    return [*problems, "not checked: teach test_shell_blocks.py to check it, or add it to ALLOWED with a reason"]


# -- the tests ------------------------------------------------------------------------------------

BLOCKS = shell_blocks()
COMMANDS = commands()


@pytest.mark.parametrize("block", BLOCKS, ids=lambda s: s.id)
def test_shell_block_names_what_exists(block: Snippet) -> None:
    found = commands([block])
    assert found, f"{block.id}: a shell block without a command"
    problems = [f"{c.where}\n    {p}" for c in found for p in check(c)]
    assert not problems, "\n".join(problems)


def test_every_allowed_command_is_used() -> None:
    # So that the list stays short: an entry no block needs any more goes.
    used = {_allowed(c.words) for c in COMMANDS}
    assert set(ALLOWED) <= used, f"ALLOWED entries no shell block uses: {sorted(set(ALLOWED) - used)}"


def test_shell_blocks_are_found() -> None:
    assert len(BLOCKS) >= 10
    assert any(c.words[:3] == ("python", "-m", "composio_router") for c in COMMANDS)
    assert any(c.words[:1] == ("pip",) for c in COMMANDS)


def test_shell_commands_are_fenced_as_shell() -> None:
    # A command in a block fenced ``` or ```text would escape this test: refused, as
    # test_snippets.py refuses unlabelled Python.
    looks_like_a_command = re.compile(r"^(\$ )?(pip install |python3? -m |python3? noxfile\.py |nox -s |pytest\b)", re.MULTILINE)
    unlabelled = [
        s.id for path in shell_documents() for s in extract(path)
        if s.language in {"", "text"} and looks_like_a_command.search(s.code)
    ]
    assert not unlabelled, f"shell commands in blocks not fenced ```bash: {unlabelled}"


def _problems(text: str, language: str = "bash") -> list[str]:
    block = Snippet(path=ROOT / "README.md", line=1, language=language, code=text + "\n", needs=None)
    return [p for c in commands([block]) for p in check(c)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nox -s tests nosuch", "no nox session 'nosuch'"),
        ("python3 noxfile.py -s lint docz", "no nox session 'docz'"),
        ("python -m composio_router emulatr", "invalid choice"),
        ("python -m composio_router demo --quiet", "unrecognized arguments"),
        ("python -m composio_router emulator --prot 9900", "unrecognized arguments"),
        ("python -m composio_router emulator --connect user-42:nosuchkit", "no toolkit 'nosuchkit'"),
        ("python -m composio_router_emulator --port nine", "invalid int value"),
        ("composio-router versio", "invalid choice"),
        ("pip install 'composio-router[langchian]'", "no extra 'langchian'"),
        ("pip install -e '.[dev,doc]'", "no extra 'doc'"),
        ("pip install 'composio-router[otel]' left-pad", "left-pad: not a package"),
        ("pytest examples/no_such_dir", "no path examples/no_such_dir"),
        ("python -m pytest -p no:randomly tests/docs/nope.py::test_x", "no path tests/docs/nope.py"),
        ("python examples/nosuch_agent.py", "no script examples/nosuch_agent.py"),
        ("uvicorn examples.fastapi_app:application", "defines no application"),
        ("export COMPOSIO_BASE_URI=http://127.0.0.1:9900", "COMPOSIO_BASE_URI: neither"),
        ("frobnicate --now", "not checked"),
        ("$ nox -s nosuch\nnox > Running session nosuch", "no nox session 'nosuch'"),
    ],
)
def test_the_check_catches_mistakes(text: str, expected: str) -> None:
    # The checks are not vacuous: each wrong command is caught, with a message that says why.
    language = "console" if text.startswith("$ ") else "bash"
    problems = _problems(text, language)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    "text",
    [
        "nox -s lint typecheck -- --foo",
        "python -m composio_router --help",
        "python -m composio_router emulator --port 0 --api-key k --latency 0.1 --connect a:b:github &",
        "python -m composio_router_emulator --connect user-1:gmail",
        "pip install -U 'composio-router[otel,langchain]>=0.1' opentelemetry-sdk langgraph",
        "python -m pytest -q -p no:randomly tests/docs/test_shell_blocks.py::test_shell_blocks_are_found -x",
        "COMPOSIO_API_KEY=k COMPOSIO_BASE_URL=http://127.0.0.1:9900 \\\n  uvicorn examples.fastapi_app:app --port 8000",
        "$ python examples/openai_agent.py\nModel: ScriptedModel",
    ],
)
def test_the_check_passes_right_commands(text: str) -> None:
    language = "console" if text.startswith("$ ") else "bash"
    assert _problems(text, language) == []
