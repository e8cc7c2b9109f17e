"""Every third-party package the code imports is declared, and every pin agrees with
constraints.txt (the lock of all transitive dependencies the Makefile installs with)."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

import pytest

from tests.conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
FIRST_PARTY = {"crawler", "indexer", "search_cli", "tests", "bench"}


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical(re.split(r"[\s=<>!~;\[]", requirement, maxsplit=1)[0])


def declared(*extras: str) -> set[str]:
    requirements = PROJECT["dependencies"] + [
        r for extra in extras for r in PROJECT["optional-dependencies"][extra]
    ]
    return {requirement_name(r) for r in requirements}


def third_party_imports(*names: str) -> dict[str, str]:
    """Top-level modules imported by the files or under the folders ``names`` that are
    neither stdlib nor ours, each with one file importing it. Modules absent here (a
    guarded import for another Python version) are left out."""
    found: dict[str, str] = {}
    for name in names:
        root = ROOT / name
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in (m.split(".")[0] for m in modules):
                    if module in sys.stdlib_module_names or module in FIRST_PARTY:
                        continue
                    if importlib.util.find_spec(module) is not None:
                        found.setdefault(module, str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize(
    ("names", "extras"),
    [(("crawler", "indexer", "search_cli.py"), ()), (("tests", "bench"), ("test",))],
)
def test_every_imported_package_is_declared(names: tuple[str, ...], extras: tuple[str, ...]):
    distributions = packages_distributions()
    allowed = declared(*extras)
    imports = third_party_imports(*names)
    assert "lxml" in imports, "the scan of imports is broken"
    undeclared = {
        module: where
        for module, where in imports.items()
        if not {canonical(d) for d in distributions.get(module, [module])} & allowed
    }
    assert undeclared == {}, "imported but not declared in pyproject.toml"


def test_pins_agree_with_the_constraints_file():
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    locked = {
        canonical(name): version
        for name, _, version in (line.partition("==") for line in lines if line[:1] != "#")
        if version
    }
    requirements = PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]
    for requirement in requirements:
        pin = requirement.split(";")[0].strip()
        name, _, version = pin.partition("==")
        assert version, f"{requirement!r} is not pinned"
        assert locked.get(canonical(name)) == version, f"{pin}: constraints.txt differs"
