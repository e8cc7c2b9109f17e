"""Every command is documented in the README and has help text (as sqlite-utils checks);
the architecture docs/architecture.md describes holds: no import circles, and indexer/
never imports crawler/."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

from search_cli import cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_is_documented(name: str) -> None:
    assert f"`{name}" in README, f"README does not mention the {name} command"
    assert (cli.commands[name].help or "").strip(), f"{name} has no help text"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each module of crawler/ and indexer/ with the project modules it imports anywhere
    in its code (top level, in functions or for type checking)."""
    paths = sorted(p for package in ("crawler", "indexer") for p in (ROOT / package).rglob("*.py"))
    modules = {_module_name(p): p for p in paths}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                targets.update(
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                )
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def test_indexer_never_imports_crawler() -> None:
    graph = _imports()
    assert "indexer.store" in graph["crawler.pipelines"], "the scan of imports is broken"
    offending = {m: sorted(t for t in targets if t.split(".")[0] == "crawler")
                 for m, targets in graph.items() if m.split(".")[0] == "indexer"}
    assert {m: t for m, t in offending.items() if t} == {}


def test_no_import_circles() -> None:
    try:
        tuple(graphlib.TopologicalSorter(_imports()).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import circle: {' -> '.join(exc.args[1])}")
