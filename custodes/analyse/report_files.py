"""Write a built report as Markdown, HTML, CSV, JSON, and charts (PNG + SVG)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from custodes.analyse import charts
from custodes.console import money, to_jsonable
from custodes.csvfile import write_dicts, write_metadata

FORMATS = ("md", "html", "csv", "json")
KINDS = ("new award", "modification", "deobligation")
TABLE_ROWS = 25  # rows of a grouping shown in MD/HTML; figures.csv and JSON have all


def _agency(code: str) -> str:
    """A sub-agency code as a reader knows it: ICE (7012); the code alone when
    custodes/data/agencies.yaml does not name it."""
    from custodes.model.agencies import load_agencies

    sub = load_agencies()[1].get(code)
    return f"{sub.abbreviation} ({code})" if sub else code


def pivot(
    rows: Sequence[dict[str, Any]],
    row_key: str,
    col_key: str,
    labels: dict[Any, str] | None = None,
    row_order: Sequence[Any] = (),
    col_order: Sequence[Any] = (),
) -> tuple[list[Any], list[list[str]]]:
    """Rows x columns table of money: (column headers, rows of formatted cells)."""
    present = {r[col_key] for r in rows}
    cols = [c for c in col_order if c in present] or sorted(present)
    cells: dict[Any, dict[Any, Decimal]] = {}
    for r in rows:
        cells.setdefault(r[row_key], {})[r[col_key]] = r["obligation_usd"]
    order = [k for k in row_order if k in cells] or list(cells)
    body = [
        [(labels or {}).get(k, str(k)), *(money(cells[k].get(c)) for c in cols)]
        for k in order
    ]
    return cols, body


def build_tables(report: dict[str, Any]) -> dict[str, Any]:
    """Every table of the report as header + rows of strings (shared by MD and HTML)."""
    by = report["scope"]["by"].replace("_", " ")
    tables: dict[str, Any] = {}
    shown, rest = report["by"][:TABLE_ROWS], report["by"][TABLE_ROWS:]
    body = [
        [
            r["label"],
            money(r["obligation_usd"]),
            f"{r['transactions']:,}",
            f"{r['awards']:,}",
        ]
        for r in shown
    ]
    if rest:
        body.append(
            [
                f"all {len(rest):,} others (see figures.csv)",
                money(sum((r["obligation_usd"] for r in rest), start=Decimal("0.00"))),
                f"{sum(r['transactions'] for r in rest):,}",
                "",
            ]
        )
    tables["by"] = ([by, "net obligations", "transactions", "awards"], body)
    tables["coverage"] = (
        ["fiscal year", "status", "agencies", "transactions", "last action date"],
        [
            [
                f"FY{y['fiscal_year']}",
                y["note"].split(": ", 1)[1],
                ", ".join(_agency(a) for a in y["agencies"]) or "—",
                f"{y['transactions']:,}",
                str(y["last_action_date"] or "—"),
            ]
            for y in report.get("coverage", {}).get("years", [])
        ],
    )
    notes = {
        y["fiscal_year"]: y["note"].split(": ", 1)[1]
        for y in report.get("coverage", {}).get("years", [])
    }
    tables["fy"] = (
        ["fiscal year", "net obligations", "change", "change %", "coverage"],
        [
            [
                str(r["fiscal_year"]),
                money(r["obligation_usd"]),
                money(r["change_usd"]) if r["change_usd"] is not None else "—",
                _change_pct(r, report["by_fiscal_year"]),
                notes.get(r["fiscal_year"], r.get("coverage") or ""),
            ]
            for r in report["by_fiscal_year"]
        ],
    )
    kinds = sorted(
        report["kinds"], key=lambda r: (r["fiscal_year"], KINDS.index(r["kind"]))
    )
    cols, body = pivot(kinds, "fiscal_year", "kind", col_order=KINDS)
    tables["kinds"] = (["fiscal year", *cols], body)
    if report["matrix"]:
        key = _key(report["matrix"][0])
        top = [r[key] for r in report["by"][:TABLE_ROWS]]
        matrix = [r for r in report["matrix"] if r[key] in set(top)]
        labels = {r[key]: r["label"] for r in matrix}
        cols, body = pivot(matrix, key, "fiscal_year", labels, row_order=top)
        tables["matrix"] = ([by, *(f"FY{c}" for c in cols)], body)
    tables["top"] = (
        ["award", "recipient", "net obligations", "first – last action"],
        [
            [
                Linked(r["piid"] or r["award_key"], r.get("usaspending_url")),
                r["recipient_name"] or "",
                money(r["obligation_usd"]),
                f"{r['first_action_date']} – {r['last_action_date']}",
            ]
            for r in report["top_awards"]
        ],
    )
    return tables


def _change_pct(row: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """A year's change %, said to compare incomplete records when the year or the one
    before is not complete (a sample or a partial year), as `analyse yoy` warns."""
    if row["change_pct"] is None:
        return "—"
    before = {r["fiscal_year"]: r.get("coverage") for r in rows}.get(
        row["fiscal_year"] - 1
    )
    if {row.get("coverage"), before} - {"complete", None}:
        return f"{row['change_pct']}% (incomplete years)"
    return f"{row['change_pct']}%"


def _key(row: dict[str, Any]) -> str:
    """The dimension key column of a matrix row (the one that is not a figure)."""
    fixed = {
        "fiscal_year",
        "obligation_usd",
        "transactions",
        "awards",
        "label",
        "explain",
        "definition",
        "reviewed_usd",
        "reviewed_share",
    }
    return next(k for k in row if k not in fixed and not k.endswith("_label"))


class Linked(str):
    """A table cell that links to the source record (URL), as text elsewhere."""

    url: str | None

    def __new__(cls, text: str, url: str | None) -> Linked:
        cell = super().__new__(cls, text)
        cell.url = url
        return cell


DATE = r"\d{4}-\d{2}-\d{2}"
NUMBER = re.compile(rf"^(-?\$?[\d,]+(\.\d+)?%?|—|{DATE}( – {DATE})?)$")


def is_number(cell: Any) -> bool:
    """Whether a table cell is a figure (money, a count, a share, a date or a date
    range, '—'): such columns are right-aligned and never wrapped; text columns are
    left-aligned and wrap, so a report's tables fit its page."""
    return bool(NUMBER.match(str(cell)))


def numeric_columns(rows: Sequence[Sequence[Any]]) -> list[bool]:
    """Per column: whether every cell of it is a figure (the first is the label)."""
    if not rows:
        return []
    return [
        i > 0 and all(is_number(row[i]) for row in rows if i < len(row))
        for i in range(len(rows[0]))
    ]


def md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def esc(cell: Any) -> str:
        text = str(cell).replace("|", "\\|")
        url = getattr(cell, "url", None)
        return f"[{text}]({url})" if url else text

    numeric = numeric_columns(rows) or [i > 0 for i in range(len(header))]
    lines = [
        "| " + " | ".join(esc(h) for h in header) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _template(name: str) -> jinja2.Template:
    text = resources.files("custodes.data").joinpath(f"analyse/{name}").read_text()
    env = jinja2.Environment(
        autoescape=name.endswith(".html.j2"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["money"] = money
    env.filters["md_table"] = lambda t: md_table(*t)
    env.filters["numeric_columns"] = numeric_columns
    return env.from_string(text)


def write_charts(report: dict[str, Any], out: Path) -> dict[str, list[Path]]:
    by = report["scope"]["by"]
    src = charts.wrap_source(report["source"])
    sub = f"Net obligations, {report['scope']['fiscal_years']}"
    who = report["chart_title"]
    made = {}
    if by not in ("fiscal_year", "month"):
        n = len(report["by"])
        shown = f", largest {charts.MAX_BARS} of {n}" if n > charts.MAX_BARS else ""
        made["by"] = charts.write_chart(
            charts.bar_chart(
                report["by"],
                "label",
                f"{who} by {by.replace('_', ' ')}",
                sub + shown,
                src,
            ),
            out / f"by-{by}",
        )
    if by == "month":
        made["by"] = charts.write_chart(
            charts.month_chart(report["by"], f"{who} by month", sub, src),
            out / "by-month",
        )
    made["fy"] = charts.write_chart(
        charts.year_chart(
            report["by_fiscal_year"],
            report.get("coverage", {}).get("years", []),
            f"{who} by fiscal year",
            sub,
            src,
        ),
        out / "by-fiscal-year",
    )
    return made


def sidecar(report: dict[str, Any]) -> dict[str, Any]:
    """What a report's CSV files carry in their sidecar: the report's definition,
    coverage, not counted, reviewed share, data through, generated at, scope."""
    keys = ("title", "scope", "definition", "coverage", "not_counted", "reviewed",
            "data_through", "generated_at", "source", "links")  # fmt: skip
    return {k: report[k] for k in keys if k in report}


def write_csvs(
    report: dict[str, Any], transactions: list[dict[str, Any]], out: Path
) -> list[Path]:
    from custodes import sources

    figures = out / "figures.csv"
    rows = [{k: v for k, v in r.items()} for r in report["by"]]
    write_csv(figures, rows)
    for t in transactions:
        t["usaspending_url"] = sources.record_url(t["award_key"])
    behind = out / "transactions.csv"
    write_csv(behind, transactions)
    about = sidecar(report)
    metas = [
        write_metadata(path, list(rows_[0]) if rows_ else [], about)
        for path, rows_ in ((figures, rows), (behind, transactions))
    ]
    return [figures, behind, *metas]


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """ROWS as CSV (columns: the first row's keys), through custodes/csvfile.py."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        if not rows:
            fh.write("")
            return
        write_dicts(fh, list(rows[0]), rows)


def write_report(
    report: dict[str, Any],
    transactions: list[dict[str, Any]],
    out: Path,
    formats: Sequence[str] = FORMATS,
) -> list[Path]:
    """Write the chosen formats into OUT; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    chart_files = write_charts(report, out) if {"md", "html"} & set(formats) else {}
    for files in chart_files.values():
        written += files
    context = {
        "r": report,
        "t": build_tables(report),
        "charts": {k: [p.name for p in v] for k, v in chart_files.items()},
    }
    if "md" in formats:
        written.append(out / "report.md")
        written[-1].write_text(_template("report.md.j2").render(**context))
    if "html" in formats:
        written.append(out / "report.html")
        written[-1].write_text(_template("report.html.j2").render(**context))
    if "csv" in formats:
        written += write_csvs(report, transactions, out)
    if "json" in formats:
        written.append(out / "report.json")
        written[-1].write_text(
            json.dumps(to_jsonable(report), indent=2, ensure_ascii=False)
        )
    return written
