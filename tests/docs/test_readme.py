"""The README's promises that are not code blocks: the quickstart commands and the names."""

from __future__ import annotations

import re

from .snippets import ROOT, emulator_command

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quickstart_test_command_is_what_ci_runs() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(python3 noxfile\.py -s \w+)", quickstart, flags=re.MULTILINE)
    assert commands[:2] == ["python3 noxfile.py -s demo", "python3 noxfile.py -s tests"]
    assert "python3 noxfile.py -s tests\n" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_docs_start_the_snippets_emulator_as_the_readme_does() -> None:
    # The snippet tests pre-connect the accounts of the README's command; the quickstart
    # page must tell a reader to start the very same one.
    command = " ".join(emulator_command())
    assert command in (ROOT / "docs" / "quickstart.md").read_text(encoding="utf-8")
    assert command in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")


def test_public_names_resolve() -> None:
    import composio_router

    for name in composio_router.__all__:
        assert getattr(composio_router, name) is not None, name


def test_project_files_exist() -> None:
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License") and "2026 composio-router developers" in license_text
    assert (ROOT / "CONTRIBUTING.md").exists()
