"""The store is the only door: it imports no stage, and nothing else opens DuckDB.

Both read the source with `ast`, so an import or a call inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "custodes"


def modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def stage_packages() -> set[str]:
    """custodes' subpackages other than store/ (and the data folder)."""
    return {
        p.name
        for p in PACKAGE.iterdir()
        if (p / "__init__.py").exists() and p.name not in ("store", "data")
    }


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def test_store_imports_no_stage():
    stages = stage_packages()
    assert {"ingest", "serve", "analyse"} <= stages
    wrong = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for path in modules(PACKAGE / "store")
        for line, name in imported(ast.parse(path.read_text()))
        if name.split(".")[0] == "custodes"
        and len(name.split(".")) > 1
        and name.split(".")[1] in stages
    ]
    assert not wrong, "custodes/store must not import a stage:\n" + "\n".join(wrong)


def test_the_check_sees_a_stage_import():
    tree = ast.parse(
        "def f():\n    from custodes.ingest.rawrow import x\nimport custodes.serve\n"
    )
    names = [name for _, name in imported(tree)]
    assert "custodes.ingest.rawrow" in names and "custodes.serve" in names


def connect_calls(tree: ast.AST) -> list[int]:
    """Lines that call duckdb.connect (under any alias, or imported by name)."""
    modules, functions = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "duckdb"}
        elif isinstance(node, ast.ImportFrom) and node.module == "duckdb":
            functions |= {a.asname or a.name for a in node.names if a.name == "connect"}
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if (
            isinstance(f, ast.Attribute)
            and f.attr == "connect"
            and isinstance(f.value, ast.Name)
            and f.value.id in modules
        ) or (isinstance(f, ast.Name) and f.id in functions):
            lines.append(node.lineno)
    return lines


def test_only_the_store_opens_duckdb():
    wrong = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in modules(PACKAGE)
        if "store" not in path.relative_to(PACKAGE).parts[:1]
        for line in connect_calls(ast.parse(path.read_text()))
    ]
    assert not wrong, (
        "only custodes/store opens DuckDB (custodes.store.duckdb.connect, open_store, "
        "store.reader.Reader); duckdb.connect is called at:\n" + "\n".join(wrong)
    )


def test_the_check_sees_every_spelling_of_connect():
    tree = ast.parse(
        "import duckdb\nimport duckdb as db\nfrom duckdb import connect as c\n"
        "def f():\n    duckdb.connect('x')\n    db.connect()\n    c(':memory:')\n"
        "    other.connect()\n"
    )
    assert connect_calls(tree) == [5, 6, 7]
