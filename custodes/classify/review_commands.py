"""`custodes review`: the awards where a wrong label would move the most money, and a
reviewer's decisions on them (accept, correct, export)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from custodes.console import console, db_option, json_option, money, print_json, table
from custodes.settings import Settings
from custodes.store import open_store

FORMULA = (
    "dollars at risk = |net obligations in scope| x uncertainty; uncertainty = "
    "1 - confidence, + 0.25 each for a surveillance component inside a larger "
    "purchase, conflicting signals, a label resting only on who sold it (at most 1)"
)


def _queue(
    settings: Settings,
    agency: tuple[str, ...],
    fy: str | None,
    category: str | None,
    limit: int | None,
    include_reviewed: bool,
    award_key: str | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from custodes import sources
    from custodes.analyse.options import parse_fy
    from custodes.figures import review
    from custodes.figures.definition import split_list
    from custodes.model.agencies import resolve_sub_agency

    codes = tuple(resolve_sub_agency(a).code for a in split_list(agency))
    fy_from, fy_to = parse_fy(fy)
    with open_store(settings) as store:
        has = store.has_table("classification")
        sql, params = review.queue_sql(
            codes, fy_from, fy_to, category, limit, include_reviewed, has
        )
        if award_key:
            sql = f"SELECT * FROM ({sql}) WHERE award_key = ?"
            params.append(award_key)
        rows = store.rows(sql, params)
        done = (
            store.rows(
                f"SELECT count(*) AS awards FROM classification c "
                f"WHERE {review.reviewed_sql('c.method')}"
            )[0]
            if has
            else {"awards": 0}
        )
    for r in rows:
        r["why"] = review.reasons(r)
        r["usaspending_url"] = sources.record_url(r["award_key"])
    scope = {
        "agencies": list(codes),
        "fy_from": fy_from,
        "fy_to": fy_to,
        "category": category,
        "limit": limit,
        "include_reviewed": include_reviewed,
        "classified": has,
        "reviewed_awards": done["awards"],
        "formula": FORMULA,
    }
    return rows, scope


@click.group("review", invoke_without_command=True)
@click.option(
    "--agency", multiple=True, help="Awarding sub-agency: ICE, CBP or a code."
)
@click.option("--fy", default=None, help="Fiscal year or range, e.g. 2021-2024.")
@click.option(
    "--category",
    default=None,
    help="Only awards of this category, or buying a component of it.",
)
@click.option(
    "--limit", type=click.IntRange(1), default=20, show_default=True,
    help="How many awards to list.",
)  # fmt: skip
@click.option(
    "--include-reviewed", is_flag=True, help="Also list awards a person has decided."
)
@click.option(
    "--wide",
    is_flag=True,
    help="Show award ids, agency names and net obligations (a table wider than 80 "
    "columns).",
)
@db_option
@json_option
@click.pass_context
def review_group(
    ctx: click.Context,
    settings: Settings,
    agency: tuple[str, ...],
    fy: str | None,
    category: str | None,
    limit: int,
    include_reviewed: bool,
    wide: bool,
    as_json: bool,
) -> None:
    """The awards where a wrong label would move the most money, largest first.

    Each award's dollars at risk are its net obligations in scope times the
    uncertainty of its label (1 - confidence, raised for a surveillance component
    inside a larger purchase, conflicting signals, or a label resting only on the
    vendor). Record a decision with `custodes review accept AWARD --note ...` or
    `custodes review correct AWARD LABEL --note ...`; every later `custodes classify`
    applies it. `custodes review export FILE.csv` writes the decisions.
    """
    if ctx.invoked_subcommand is not None:
        return
    rows, scope = _queue(settings, agency, fy, category, limit, include_reviewed)
    if as_json:
        print_json({"scope": scope, "queue": rows})
        return
    if not scope["classified"]:
        console.print(
            "The store has no classification yet: run `custodes classify` first. "
            "Until then every award is unclassified, and all of its money at risk."
        )
    console.print(_queue_table(rows, wide), markup=False, highlight=False)
    total = sum((r["at_risk_usd"] or Decimal(0) for r in rows), start=Decimal(0))
    console.print(
        f"{len(rows):,} award(s) listed, {money(total)} at risk; "
        f"{scope['reviewed_awards']:,} award(s) decided by a person so far. "
        f"{FORMULA}.",
        markup=False,
    )
    if rows:
        console.print(
            "Record a decision: custodes review accept AWARD --note '...' "
            "(the label is right) or custodes review correct AWARD LABEL --note '...'"
            "; AWARD is the award id or a PIID that names one award"
            + ("." if wide else " (--wide shows award ids and net obligations)."),
            markup=False,
        )


def _queue_table(rows: list[dict[str, Any]], wide: bool) -> Any:
    """WIDE: the queue as one table row per award: award ids, agency names, net
    obligations, everything to the cent (the table as it was). Otherwise the queue
    as it reads at the console's width (80 columns at least): `_narrow_queue`."""
    if not wide:
        return _narrow_queue(rows, console.width)

    def cells(i: int, r: dict[str, Any]) -> list[str]:
        component = r["component_category"]
        return [
            str(i),
            r["award_key"],
            r["agency_name"] or r["agency_code"] or "",
            _years(r),
            (r["category"] or "unclassified")
            + (f" (+{component})" if component else ""),
            "—" if r["confidence"] is None else f"{r['confidence']:.2f}",
            money(r["obligation_usd"]),
            money(r["at_risk_usd"]),
            "; ".join(r["why"]),
        ]

    return table(
        "Review queue: where a wrong label moves the most money",
        ["#", "award", "agency", "FY", "category", "conf.", "net obligations",
         "at risk", "why"],
        [cells(i, r) for i, r in enumerate(rows, start=1)],
        justify_right=["#", "conf.", "net obligations", "at risk"],
    )  # fmt: skip


def _narrow_queue(rows: list[dict[str, Any]], width: int) -> str:
    """The queue readable at WIDTH columns (80 or more), no word broken: each award
    on one line of PIID, agency abbreviation, fiscal years as 2021-24, category,
    confidence and dollars at risk to the dollar, then its reasons besides the
    confidence (a component among them) on the lines below, indented and wrapped
    between words: two or three lines an award. Where the first line would be wider
    than WIDTH (a long category beside a billion at risk) the confidence joins the
    reasons."""
    import textwrap

    from custodes.model.agencies import load_agencies

    subtier = load_agencies()[1]

    def agency(r: dict[str, Any]) -> str:
        sub = subtier.get(r["agency_code"] or "")
        return sub.abbreviation if sub else (r["agency_code"] or "")

    def years(r: dict[str, Any]) -> str:
        text = _years(r)  # 2021-24 for 2021-2024
        return text if len(text) < 9 else f"{text[:5]}{text[-2:]}"

    def conf(r: dict[str, Any]) -> str:
        return "—" if r["confidence"] is None else f"{r['confidence']:.2f}"

    def at_risk(r: dict[str, Any]) -> str:
        value = r["at_risk_usd"]
        return money(value) if value is None else f"${value:,.0f}"

    header = ["#", "PIID", "agency", "FY", "category", "conf.", "at risk"]
    right = {"#", "conf.", "at risk"}
    lines = [
        [str(i), r["piid"] or r["award_key"], agency(r), years(r),
         r["category"] or "unclassified", conf(r), at_risk(r)]
        for i, r in enumerate(rows, start=1)
    ]  # fmt: skip
    reasons = [[w for w in r["why"] if not w.startswith("confidence ")] for r in rows]

    def widths(columns: list[int]) -> list[int]:
        return [max(len(x[c]) for x in [header, *lines]) for c in columns]

    keep = list(range(len(header)))
    if sum(widths(keep)) + len(keep) - 1 > width:
        keep.remove(header.index("conf."))  # into the reasons
        for r, why in zip(rows, reasons, strict=True):
            why.insert(0, f"confidence {conf(r)}")
    sizes = widths(keep)

    def join(cells: list[str]) -> str:
        return " ".join(
            (cells[c].rjust(w) if header[c] in right else cells[c].ljust(w))
            for c, w in zip(keep, sizes, strict=True)
        ).rstrip()

    indent = " " * (sizes[0] + 1)
    out = ["Review queue: where a wrong label moves the most money", join(header)]
    out.append("─" * min(width, len(out[-1])))
    for cells, why in zip(lines, reasons, strict=True):
        out.append(join(cells))
        if why:
            out += textwrap.wrap(
                "; ".join(why),
                width=max(width, 40),
                initial_indent=indent,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
    return "\n".join(out)


def _years(r: dict[str, Any]) -> str:
    a, b = r.get("first_fiscal_year"), r.get("last_fiscal_year")
    if a is None:
        return ""
    return str(a) if a == b else f"{a}-{b}"


def _decide(
    settings: Settings,
    award: str,
    decision: str,
    label: str | None,
    note: str,
    reviewer: str | None,
    as_json: bool,
) -> None:
    from custodes.classify import review
    from custodes.classify.explain import find_award_key
    from custodes.classify.taxonomy import load_taxonomy
    from custodes.errors import NotFound

    # a PIID that names one award stands for it (the queue's table shows PIIDs)
    with open_store(settings) as store:
        try:
            award = find_award_key(store, award)
        except NotFound:
            pass  # review.record says what is wrong with it, as before
    found, _ = _queue(settings, (), None, None, None, True, award_key=award)
    seen = found[0] if found else {}
    with open_store(settings, write=True, command=f"review {decision}") as store:
        saved = review.record(
            store,
            award,
            decision,
            label,
            reviewer or settings.reviewer,
            note,
            load_taxonomy(),
            obligation_usd=seen.get("obligation_usd"),
            at_risk_usd=seen.get("at_risk_usd"),
        )
    if as_json:
        print_json(saved)
        return
    what = (
        f"accepted as {saved['label']}"
        if decision == "accept"
        else f"corrected from {saved['was_category']} to {saved['label']}"
    )
    console.print(
        f"Decision {saved['decision_id']}: {escape(award)} {what} by "
        f"{escape(saved['reviewer'])} ({saved['decided_at']:%Y-%m-%d %H:%M} UTC). "
        "Applied to the classification; every later `custodes classify` applies it "
        "too. Derived tables (web app, analyses) are rebuilt by `custodes figures "
        "build` or the next `custodes serve`."
    )


@review_group.command("accept")
@click.argument("award")
@click.option("--note", required=True, help="Why the label is right.")
@click.option(
    "--reviewer", default=None, help="Who decides (default: CUSTODES_REVIEWER)."
)
@db_option
@json_option
def accept_command(
    settings: Settings, award: str, note: str, reviewer: str | None, as_json: bool
) -> None:
    """Record that AWARD's label is right (it leaves the queue)."""
    _decide(settings, award, "accept", None, note, reviewer, as_json)


@review_group.command("correct")
@click.argument("award")
@click.argument("label")
@click.option("--note", required=True, help="Why the label is wrong.")
@click.option(
    "--reviewer", default=None, help="Who decides (default: CUSTODES_REVIEWER)."
)
@db_option
@json_option
def correct_command(
    settings: Settings,
    award: str,
    label: str,
    note: str,
    reviewer: str | None,
    as_json: bool,
) -> None:
    """Record that AWARD is LABEL (a taxonomy category or none), not what it is."""
    _decide(settings, award, "correct", label, note, reviewer, as_json)


@review_group.command("export")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--current-only",
    is_flag=True,
    help="Only the decision that applies to each award (default: every decision).",
)
@db_option
def export_command(settings: Settings, path: Path, current_only: bool) -> None:
    """Write the review decisions as CSV: award,label,reason first (an overrides file
    for `custodes classify --overrides`), then who, when, and what the award was."""
    from custodes.classify import review
    from custodes.csvfile import write_metadata
    from custodes.figures.about import about_store
    from custodes.figures.definition import DEFAULT

    with open_store(settings) as store:
        n = review.write_export(store, path, history=not current_only)
        info = about_store(store, DEFAULT)
    info["note"] = (
        "Review decisions: who decided which label, when and why. The first three "
        "columns are an overrides file (custodes classify --overrides FILE)."
    )
    meta = write_metadata(path, list(review.EXPORT_COLUMNS), info)
    console.print(f"Wrote {n:,} decision(s) to {path} (and {meta.name})")


def register(group: click.Group) -> None:
    group.add_command(review_group)
