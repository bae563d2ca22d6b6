"""The package import graph follows the layers of docs/architecture.md: a module
imports from its own package and from layers below its own, never from one above.

Every `import custodes.X` and `from custodes.X import ...` is read, including imports
inside functions (a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

LAYERS = {
    0: {"custodes", "errors", "settings", "console", "csvfile", "model", "data"},
    1: {"store"},
    2: {"sources", "ingest", "resolve", "classify", "dataweb", "sync"},
    3: {"figures"},
    4: {"analyse", "search"},
    5: {"serve"},
    6: {"cli", "demo", "__main__"},
}
LAYER = {package: n for n, packages in LAYERS.items() for package in packages}
# Imports that go up a layer on purpose, each with its reason; add none without one.
ALLOWED = {
    # The watch digest states the Definition of what counts, its not-counted line
    # (figures.components) and withholds persons by
    # the figures' rule; it lives with sync's watches (whose run log records when
    # awards first appear) until the what's-new feeds move above the figures layer.
    "custodes.sync.digest": {
        "custodes.figures",
        "custodes.figures.definition",
        "custodes.figures.recipients",
    },
    # The search's Query reads and bounds the web app's query parameters with the
    # web app's validators (serve/params.py); they belong below both once the search
    # API takes its own parameters.
    "custodes.search.query": {"custodes.serve"},
}
# A package's command-line module registers its commands with the CLI and is imported
# by nothing else, so it is the top layer whatever its package.
CLI_MODULES = ("commands", "_commands")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    if module.rsplit(".", 1)[-1].endswith(CLI_MODULES):
        return 6
    parts = module.split(".")
    package = parts[1] if len(parts) > 1 else "custodes"
    return LAYER[package]


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported custodes module) for every import in PATH."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "custodes":
                found += [(node.lineno, f"custodes.{a.name}") for a in node.names]
            elif node.module.startswith("custodes."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, a.name)
                for a in node.names
                if a.name == "custodes" or a.name.startswith("custodes.")
            ]
    return found


def upward_imports(root: Path) -> list[str]:
    wrong = []
    for path in sorted(root.rglob("*.py")):
        importer = module_name(path)
        for line, imported in imports(path):
            target = imported
            if imported.count(".") >= 1 and imported.split(".")[1] not in LAYER:
                target = "custodes"  # `from custodes import __version__`
            if imported in ALLOWED.get(importer, ()):
                continue
            if layer_of(target) > layer_of(importer):
                wrong.append(
                    f"{path.relative_to(ROOT)}:{line}: {importer} (layer "
                    f"{layer_of(importer)}) imports {imported} (layer "
                    f"{layer_of(target)})"
                )
    return wrong


def test_every_package_has_a_layer():
    packages = {p.name for p in (ROOT / "custodes").iterdir() if p.is_dir()} | {
        p.stem for p in (ROOT / "custodes").glob("*.py")
    }
    packages -= {"__pycache__", "__init__"}
    assert packages <= set(LAYER), f"add to LAYERS: {packages - set(LAYER)}"


def test_no_module_imports_from_a_layer_above_its_own():
    wrong = upward_imports(ROOT / "custodes")
    assert not wrong, "\n".join(wrong)


def test_the_check_can_fail(tmp_path, monkeypatch):
    """A stage importing the figures layer is found."""
    import tests.test_architecture as me

    fake = tmp_path / "custodes" / "classify"
    fake.mkdir(parents=True)
    (fake / "rules.py").write_text("def f():\n    from custodes.figures import frame\n")
    monkeypatch.setattr(me, "ROOT", tmp_path)
    found = me.upward_imports(tmp_path / "custodes")
    assert found and "custodes.classify.rules (layer 2)" in found[0]
