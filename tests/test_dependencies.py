"""Every package custodes imports is one that pyproject.toml asks for.

The tests run in the "dev" install, which pulls in much more than a user's install (the
README's first command installs "all"), so a missing declaration passes every other test
and fails only on a fresh machine: a package that another one happened to bring along
(pandas came with splink 4, not with splink 5). This test reads the imports themselves.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import distributions, packages_distributions

from tests.conftest import ROOT

PACKAGE = ROOT / "custodes"


def _name(requirement: str) -> str:
    """'uvicorn[standard]>=0.30' -> 'uvicorn'; normalised as in PEP 503."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> tuple[set[str], dict[str, set[str]]]:
    """The core requirements, and each extra with the extras it includes resolved."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {_name(r) for r in project["dependencies"]}
    raw = project["optional-dependencies"]

    def resolve(extra: str) -> set[str]:
        names: set[str] = set()
        for req in raw[extra]:
            inner = re.fullmatch(r"custodes\[(.+)\]", req)
            if inner:
                for sub in inner.group(1).split(","):
                    names |= resolve(sub.strip())
            else:
                names.add(_name(req))
        return names

    return core, {extra: resolve(extra) for extra in raw}


def _imports() -> dict[str, list[tuple[str, bool]]]:
    """Top-level module -> [(file:line, imported when the module is)] for custodes."""
    found: dict[str, list[tuple[str, bool]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        eager = set()
        for node in tree.body:  # module level, outside functions and try blocks
            if isinstance(node, ast.Import | ast.ImportFrom):
                eager.add(id(node))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top == "custodes" or top in sys.stdlib_module_names:
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(top, []).append((where, id(node) in eager))
    return found


@cache
def _module_owners() -> dict[str, list[str]]:
    """Top-level module -> the installed distributions that provide it (read once)."""
    return packages_distributions()


def _distributions(module: str) -> set[str]:
    return {_name(d) for d in _module_owners().get(module, [])}


def test_every_imported_package_is_declared():
    core, extras = _declared()
    declared = core.union(*extras.values())
    missing = [
        f"{module} (from {places[0][0]})"
        for module, places in _imports().items()
        if not _distributions(module) & declared
    ]
    assert not missing, (
        "imported but not in pyproject.toml (dependencies or an extra): "
        + ", ".join(missing)
    )


def test_what_the_cli_imports_comes_with_the_readme_install():
    """The CLI imports every stage's module at start, so a package imported at module
    level anywhere in custodes must come with the core or with the "all" extra, which
    scripts/demo.sh installs. (Imports inside functions may use any extra: engines.)"""
    core, extras = _declared()
    installed = core | extras["all"]
    missing = [
        f"{module} (from {eager[0]})"
        for module, places in _imports().items()
        if (eager := [where for where, at_load in places if at_load])
        and not _distributions(module) & installed
    ]
    assert not missing, (
        "imported at module level but not installed by `scripts/setup.sh all`: "
        + ", ".join(missing)
    )


def test_the_scan_sees_imports_and_declarations():
    """The checks above would pass vacuously if the scan found nothing."""
    imports = _imports()
    core, extras = _declared()
    assert {"duckdb", "click", "starlette"} <= set(imports)
    assert {"duckdb", "click"} <= core and "starlette" in extras["all"]
    assert _distributions("yaml") == {"pyyaml"}


def test_constraints_pin_what_the_tests_run_with():
    """constraints.txt (scripts/lock.sh) pins every installed package at the version the
    tests run with, so the README's install gets the versions that passed. A package
    added or upgraded without running scripts/lock.sh fails here."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_name(name)] = version.strip()
    assert len(pins) > 50  # the whole dev install, not a stub
    installed = {_name(d.metadata["Name"]): d.version for d in distributions()}
    wrong = sorted(
        f"{name} {version} (pinned: {pins.get(name)})"
        for name, version in installed.items()
        if name not in ("custodes", "pip", "setuptools", "wheel")
        and pins.get(name) != version
    )
    assert not wrong, "run scripts/lock.sh: " + ", ".join(wrong)
