"""The one Definition of what counts as surveillance: its rule in Python, SQL and Ibis
agree, it states itself, and nothing else in custodes writes the rule out."""

from __future__ import annotations

import ast
import re
from itertools import product
from pathlib import Path

import duckdb
import pytest

from custodes.figures.definition import (
    NOT_COUNTED,
    Definition,
    chosen,
    stated_from_sql,
)
from tests.conftest import ROOT

PACKAGE = ROOT / "custodes"
HOME = PACKAGE / "figures" / "definition.py"
# classify gives awards the label 'none' (classify/taxonomy.py NONE); that is its
# vocabulary, not a decision about what a figure counts.
LABELLER = PACKAGE / "classify"

CATEGORIES = [None, "none", "unclassified", "biometrics", "data_brokers"]
COMPONENTS = [None, "biometrics", "location_data"]
DEFINITIONS = [
    Definition(),
    Definition(all_spending=True),
    Definition(include_components=True),
    Definition(categories=("biometrics", "location_data")),
    Definition(exclude_categories=("data_brokers",)),
    Definition(all_spending=True, exclude_categories=("none",)),
    Definition(include_components=True, categories=("location_data",)),
]


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(
            node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)
        ):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr):
                if isinstance(body[0].value, ast.Constant):
                    found.add(id(body[0].value))
    return found


SQL_RULE = re.compile(
    r"'unclassified'|(<>|!=|=|\bIN\s*\()\s*'none'|'none'\s*(<>|!=|=)", re.I
)


def rule_written_out(path: Path) -> list[str]:
    """Places in PATH that decide what counts by naming 'none' or 'unclassified'."""
    tree = ast.parse(path.read_text())
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and re.search(
                    r"NOT_SURVEILLANCE|NOT_COUNTED|SURVEILLANCE_CATEGOR", target.id
                ):
                    found.append(f"{path}:{node.lineno}: defines {target.id}")
        if isinstance(node, ast.Compare):
            for part in ast.walk(node):
                if isinstance(part, ast.Constant) and part.value in (
                    "none",
                    "unclassified",
                ):
                    found.append(f"{path}:{node.lineno}: compares with {part.value!r}")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and SQL_RULE.search(node.value)
            and re.search(r"\b(SELECT|WHERE|CASE|coalesce)\b", node.value, re.I)
        ):
            found.append(
                f"{path}:{node.lineno}: SQL names {SQL_RULE.search(node.value)[0]!r}"
            )
    return found


def test_nothing_but_the_definition_writes_out_what_counts():
    offenders = [
        place
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != HOME and LABELLER not in path.parents
        for place in rule_written_out(path)
    ]
    assert not offenders, "\n".join(offenders)


def test_the_check_finds_the_rule_where_it_is_written(tmp_path):
    """The scan above can fail: each way the rule used to be written is found."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        'NOT_SURVEILLANCE = ("none", "unclassified")\n'
        'keep = [c for c in cats if c not in ("none", "unclassified")]\n'
        "SQL = \"SELECT sum(x) FROM t WHERE category <> 'none'\"\n"
        "OTHER = \"SELECT coalesce(category, 'unclassified') FROM t\"\n"
        '"""A docstring may say \'none\' and \'unclassified\' in prose."""\n'
    )
    found = rule_written_out(sample)
    assert {int(place.split(":")[1]) for place in found} == {1, 2, 3, 4}, found
    assert rule_written_out(HOME)  # the home of the rule does write it out


@pytest.mark.parametrize("d", DEFINITIONS, ids=lambda d: d.name)
def test_python_sql_and_ibis_agree(d):
    import ibis

    d = d.stated(True, None, ["none", "biometrics", "data_brokers"], True)
    rows = list(product(CATEGORIES, COMPONENTS))
    con = duckdb.connect()
    con.execute("CREATE TABLE a (i INT, category VARCHAR, component_category VARCHAR)")
    con.executemany(
        "INSERT INTO a VALUES (?, ?, ?)", [(i, *r) for i, r in enumerate(rows)]
    )
    where, params = d.where_sql()
    by_sql = {
        i: c
        for i, c in con.execute(
            f"SELECT i, {d.category_sql()} FROM a WHERE {where}", params
        ).fetchall()
    }
    by_python = {
        i: d.effective_category(c, p) for i, (c, p) in enumerate(rows) if d.counts(c, p)
    }
    assert by_sql == by_python
    t = ibis.duckdb.from_connection(con).table("a")
    t = t.mutate(category=t.category.fill_null("unclassified"))
    t = d.ibis_filter(t.mutate(category=d.ibis_category(t)))
    listed = t.select("i", "category").to_pyarrow().to_pylist()
    by_ibis = {r["i"]: r["category"] for r in listed}
    assert by_ibis == by_python


def test_the_default_is_surveillance_and_says_so():
    d = Definition().stated(
        True,
        {"taxonomy_version": "1.0", "rules_version": "1.9", "overrides_applied": 3},
        ["biometrics", "none", "location_data"],
        True,
    )
    assert d.categories_included == ["biometrics", "location_data"]
    assert set(NOT_COUNTED) <= set(d.categories_excluded)
    assert "Taxonomy version 1.0, rules version 1.9, 3 manual override(s)" in d.text
    assert "not counted" in d.text  # components are named even when not counted
    assert "--all-spending" in d.change and "--include-components" in d.change
    assert d.short == "surveillance (taxonomy 1.0, rules 1.9)"
    stated = d.to_dict()
    for key in ("classified", "taxonomy_version", "rules_version", "overrides_applied",
                "categories_included", "categories_excluded", "text", "change",
                "all_spending", "include_components", "name"):  # fmt: skip
        assert key in stated
    bare = Definition().stated(False, None, (), False)
    assert bare.counts("none") and not bare.restricts
    assert "not only surveillance" in bare.text


@pytest.mark.parametrize("d", DEFINITIONS, ids=lambda d: d.name)
def test_cli_args_choose_the_same_definition_again(d):
    args = d.cli_args()
    again = chosen(
        all_spending="--all-spending" in args,
        include_components="--include-components" in args,
        categories=[args[args.index("--categories") + 1]]
        if "--categories" in args
        else [],
        exclude_categories=[args[args.index("--exclude-categories") + 1]]
        if "--exclude-categories" in args
        else [],
    )
    assert again == d


def test_stated_from_a_store_without_component_columns(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE classification (award_key VARCHAR, category VARCHAR)")
    con.execute("INSERT INTO classification VALUES ('a', 'none'), ('b', 'biometrics')")

    def rows(sql):
        cur = con.execute(sql)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def has(name):
        return name == "classification"

    d = stated_from_sql(Definition(), rows, has)
    assert d.classified and d.components_available is False
    assert d.categories_present == ("biometrics", "none")
    assert "not counted" not in d.text
    con.execute("ALTER TABLE classification ADD COLUMN component_category VARCHAR")
    con.execute("UPDATE classification SET component_category = 'location_data' "
                "WHERE award_key = 'a'")  # fmt: skip
    d = stated_from_sql(Definition(include_components=True), rows, has)
    assert d.components_available and "location_data" in d.categories_included


def test_known_categories_are_the_taxonomy_and_what_the_store_holds():
    """One list of nameable categories for --categories and category watches: the
    taxonomy's ids with their labels, then a stored id the taxonomy no longer has."""
    from custodes.classify.taxonomy import known_categories, load_taxonomy
    from custodes.figures.definition import load_taxonomy_labels

    taxonomy = {c.id: c.label for c in load_taxonomy().categories}
    known = known_categories(["retired_category", None, "biometrics"])
    assert {k: known[k] for k in taxonomy} == taxonomy
    assert known["retired_category"] == "retired_category"
    assert set(known) == set(taxonomy) | {"retired_category"}
    assert load_taxonomy_labels() == taxonomy
