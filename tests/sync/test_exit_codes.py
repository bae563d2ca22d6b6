"""docs/sync.md and docs/ingest.md list every exit code the commands can give, checked
against the code: the codes a command module passes to sys.exit, the exit codes of the
errors the CLI turns into `Error: ...` (custodes/cli.py), and click's usage error
(2)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from click.testing import CliRunner

from custodes.cli import main
from custodes.errors import CustodesError
from tests.conftest import ROOT


def documented(doc: str, heading: str) -> set[int]:
    """The codes in the first column of the table under HEADING."""
    text = (ROOT / "docs" / doc).read_text()
    section = text.split(heading, 1)[1].split("\n#", 1)[0]
    return {int(m) for m in re.findall(r"^\|\s*(\d+)\s*\|", section, re.M)}


def exits_in(module: Path) -> set[int]:
    """Integer codes given to sys.exit in MODULE, literal or through a module-level
    constant (also a tuple assignment such as EXIT_OK, EXIT_USAGE = 0, 1)."""
    tree = ast.parse(module.read_text())
    consts: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(
                    node.value, ast.Constant
                ):
                    consts[target.id] = node.value.value
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for t, v in zip(target.elts, node.value.elts, strict=True):
                        if isinstance(t, ast.Name) and isinstance(v, ast.Constant):
                            consts[t.id] = v.value
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "sys.exit":
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant):
                found.add(arg.value)
            elif isinstance(arg, ast.Name) and arg.id in consts:
                found.add(consts[arg.id])
    if (
        module.name == "service.py"
    ):  # sync's codes are returned, sys.exit'ed by commands
        found |= {v for k, v in consts.items() if k.startswith("EXIT_")}
    return found


def error_codes() -> set[int]:
    """exit_code of every CustodesError subclass loaded with the CLI."""
    seen, todo = set(), [CustodesError]
    while todo:
        cls = todo.pop()
        seen.add(cls.exit_code)
        todo.extend(cls.__subclasses__())
    return seen


def test_every_sync_exit_code_is_documented():
    import custodes.sync.commands  # noqa: F401  (loads the error classes it raises)
    import custodes.sync.webhook  # noqa: F401

    code = (
        exits_in(ROOT / "custodes/sync/commands.py")
        | exits_in(ROOT / "custodes/sync/service.py")
        | error_codes()
        | {2}  # click's usage error
    )
    docs = documented("sync.md", "### Exit codes")
    assert docs == code, f"documented {sorted(docs)}, in the code {sorted(code)}"
    assert code >= {0, 1, 2, 3, 4, 5}
    helped = " ".join(
        CliRunner().invoke(main, ["sync", "--help"], terminal_width=200).output.split()
    )
    said = re.search(r"Exit codes: (.*?)\.", helped)
    assert said, helped
    assert {int(n) for n in re.findall(r"\b(\d) ", said.group(1))} == code


def test_every_ingest_exit_code_is_documented():
    import custodes.ingest.commands  # noqa: F401

    # ingest raises CustodesError (1) and StoreBusy (3) through the CLI; its other
    # errors are InputError/ConfigError/BackendError (1).
    from custodes.errors import StoreBusy

    code = exits_in(ROOT / "custodes/ingest/commands.py") | {
        0,
        CustodesError.exit_code,
        StoreBusy.exit_code,
        2,  # click's usage error
    }
    docs = documented("ingest.md", "### Exit codes")
    assert docs == code, f"documented {sorted(docs)}, in the code {sorted(code)}"
