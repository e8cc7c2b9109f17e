"""Every command is documented in the README and has help text (as sqlite-utils checks)."""

from __future__ import annotations

import pytest

from search_cli import cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_is_documented(name: str) -> None:
    assert f"`{name}" in README, f"README does not mention the {name} command"
    assert (cli.commands[name].help or "").strip(), f"{name} has no help text"
