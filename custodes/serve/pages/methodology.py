"""How custodes knows what it shows: taxonomy, rules, overrides and data freshness."""

from __future__ import annotations

import csv
import io
from datetime import date
from importlib import resources
from typing import Any

import yaml

from custodes.figures import coverage
from custodes.serve.pages import Ctx, build_notices, definition, load_taxonomy
from custodes.serve.pages.coverage import coverage_summary
from custodes.serve.views import Table, View

FORMULA_TEXT = (
    "dollars at risk = |net obligations in scope| x uncertainty, where uncertainty = "
    "1 - the classifier's confidence, + 0.25 each for a surveillance component inside "
    "a larger purchase, conflicting signals, or a label resting only on who sold it "
    "(at most 1)"
)


def list_data_files(folder: str) -> list[dict[str, Any]]:
    """Versioned data files under custodes/data/<folder>/ with their entry counts."""
    try:
        root = resources.files("custodes.data").joinpath(folder)
        files = sorted(
            (f for f in root.iterdir() if f.name.endswith((".yaml", ".yml", ".csv"))),
            key=lambda f: f.name,
        )
    except (FileNotFoundError, NotADirectoryError, ModuleNotFoundError):
        return []
    out = []
    for f in files:
        text = f.read_text()
        entries: Any = None
        if f.name.endswith((".yaml", ".yml")):
            try:
                doc = yaml.safe_load(text)
                entries = len(doc) if isinstance(doc, (list, dict)) else None
            except yaml.YAMLError:
                entries = None
        else:
            entries = max(text.count("\n") - 1, 0)
        out.append({"file": f"custodes/data/{folder}/{f.name}", "entries": entries})
    return out


def methodology(ctx: Ctx) -> View:
    r = ctx.reader
    view = View("methodology.html", "Methodology", notices=build_notices(r))
    runs = r.rows(
        "SELECT run_id, command, finished_at, files, rows_read, rows_stored, "
        "rows_updated, quarantined FROM ingest_run ORDER BY run_id DESC LIMIT 50"
    )
    view.data = {
        "transactions": r.scalar('SELECT count(*) FROM "transaction"'),
        "last_action_date": r.scalar('SELECT max(action_date) FROM "transaction"'),
        "serve_build": r.one("SELECT * FROM serve_build")
        if r.has("serve_build")
        else None,
        "classification_run": (
            r.one("SELECT * FROM classification_run ORDER BY run_at DESC LIMIT 1")
            if r.has("classification_run")
            else None
        ),
        "definition": definition(r, ctx.params).to_dict(),
        "coverage": coverage_summary(r, None, date.today()),
        "review_formula": FORMULA_TEXT,
        "samples": [
            {"sha256": k, **v} for k, v in sorted(coverage.sample_files().items())
        ],
    }
    tax = load_taxonomy()
    view.tables = {
        "taxonomy": Table(
            [
                ("id", "Id"),
                ("label", "Label"),
                ("definition", "Definition"),
                ("includes", "Includes"),
                ("excludes", "Excludes"),
            ],
            [
                {
                    "id": k,
                    "label": v.get("label"),
                    "definition": v.get("definition"),
                    "includes": _join(v.get("includes")),
                    "excludes": _join(v.get("excludes")),
                }
                for k, v in tax.items()
            ],
            "Taxonomy",
            links={"label": "/category/{id}"},
        ),
        "rules": Table(
            [("file", "File"), ("entries", "Entries")],
            list_data_files("taxonomy")
            + list_data_files("gazetteer")
            + list_data_files("vendors"),
            "Rule, reference, override and judgement files "
            "(versioned in the repository)",
        ),
        "overrides": Table(
            [("award", "Award"), ("label", "Category set by hand"), ("reason", "Why")],
            load_overrides_rows(),
            "Classification overrides (custodes/data/taxonomy/overrides.csv)",
            links={"award": "/award/{award}"},
        ),
        "samples": Table(
            [("file", "Source file"), ("sha256", "SHA-256"), ("why", "Why a sample")],
            [{"sha256": k, **v} for k, v in sorted(coverage.sample_files().items())],
            "Source files declared samples (custodes/data/sources/samples.yaml)",
        ),
        "ingest_runs": Table(
            [
                ("run_id", "Run"),
                ("command", "Command"),
                ("finished_at", "Finished"),
                ("files", "Files"),
                ("rows_read", "Rows read"),
                ("rows_stored", "Stored"),
                ("rows_updated", "Updated"),
                ("quarantined", "Quarantined"),
            ],
            runs,
            "Data freshness: ingest runs",
        ),
    }
    if not tax:
        view.notices.append(
            "The taxonomy file custodes/data/taxonomy/taxonomy.yaml is not "
            "there yet (it comes with `custodes classify`)."
        )
    return view


def load_overrides_rows(limit: int = 1000) -> list[dict[str, Any]]:
    """The hand-made classification overrides, as the classify stage reads them."""
    try:
        text = resources.files("custodes.data").joinpath("taxonomy/overrides.csv")
        rows = list(csv.DictReader(io.StringIO(text.read_text())))
    except (FileNotFoundError, ModuleNotFoundError):
        return []
    return [{k: r.get(k) for k in ("award", "label", "reason")} for r in rows[:limit]]


def _join(value: Any) -> str | None:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return None if value is None else str(value)
