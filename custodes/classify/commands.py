"""`custodes classify [--export FILE.csv] [--explain AWARD]` and `custodes eval
classify`.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from custodes.classify.awards import need_transactions
from custodes.classify.evalcli import eval_classify_command
from custodes.classify.explain import explain_award
from custodes.classify.export import write_export
from custodes.classify.overrides import load_overrides
from custodes.classify.pipeline import RunSummary, classify_store
from custodes.classify.rules import load_rules
from custodes.classify.taxonomy import load_taxonomy
from custodes.console import (
    console,
    db_option,
    err_console,
    json_option,
    print_json,
    table,
)
from custodes.settings import Settings
from custodes.store import Store, open_store


def print_summary(s: RunSummary) -> None:
    console.print(
        table(
            f"Classification (taxonomy {s.taxonomy_version}, rules {s.rules_version})",
            ["category", "awards"],
            [(c, f"{n:,}") for c, n in s.by_category.items()],
            justify_right=["awards"],
        )
    )
    console.print(
        f"{s.awards:,} awards classified ({s.signatures:,} distinct evidence "
        f"signatures); overrides applied: {s.overrides_applied}; review decisions "
        f"applied: {s.reviews_applied}"
    )
    console.print(
        f"not counted as surveillance, a surveillance component inside a larger "
        f"purchase: {s.components:,} awards; resting only on the vendor: "
        f"{s.profile_only:,}; with conflicting evidence: {s.conflicts:,}"
    )
    mods = s.modifications_only
    if mods.get("awards"):
        console.print(
            f"{mods['line']} Of them, {mods['none']:,} are classified none and "
            f"{mods['surveillance']:,} surveillance."
        )
    if s.reviews_not_applied:
        err_console.print(
            f"[yellow]{len(s.reviews_not_applied)} review decision(s) name a category "
            "the taxonomy no longer has and were not applied; review them again: "
            f"{', '.join(s.reviews_not_applied[:5])}[/]"
        )
    if s.overrides_not_in_store:
        err_console.print(
            f"[yellow]{len(s.overrides_not_in_store)} override(s) name awards "
            f"not in the store: {', '.join(s.overrides_not_in_store[:5])}[/]"
        )


def _votes(item: dict) -> str:
    if item["signal"] == "carrier":
        vote = f"larger purchase: {item['carries']}"
    elif "cancels" in item:
        vote = "against " + ",".join(item["cancels"])
    else:
        vote = str(item.get("category") or "")
    return vote + (" (not counted)" if item.get("counted") is False else "")


def print_explain(e: dict) -> None:
    console.print(
        f"[bold]{escape(e['award_key'])}[/]  recipient: {escape(str(e['recipient']))}"
    )
    console.print(f"descriptions: {escape(e['text'][:1500])}", soft_wrap=True)
    console.print(
        f"PSC: {escape(e['psc'])}\nNAICS: {escape(e['naics'])}\n"
        f"office: {escape(e['office'])}",
        soft_wrap=True,
    )
    r = e["rules"]
    ev = r["evidence"]
    console.print(
        table(
            "Rules that fired",
            ["signal", "rule", "matched text", "votes", "weight"],
            [(i["signal"], i["rule"], i["text"], _votes(i), i["weight"]) for i in ev],
            justify_right=["weight"],
        )
    )
    for i in ev:
        if i["signal"] == "profile":
            console.print(
                f"vendor profile {i['rule']}: sells {escape(i['line'])} "
                f"(sources: {', '.join(i['sources'])})",
                soft_wrap=True,
            )
    scores = ", ".join(f"{c} {v:+g}" for c, v in e["scores"].items()) or "no signal"
    console.print(f"scores: {scores} (threshold {e['threshold']:g})")
    if r["carrier_score"]:
        console.print(
            f"larger purchase: carrier score {r['carrier_score']:g} "
            f"(a larger purchase from {e['components_threshold']:g})"
        )
    if r["minor_share"]:
        m = r["minor_share"]
        console.print(
            f"the surveillance lines hold {100 * m['share']:.2f}% of the award's "
            f"${m['award_usd']:,.0f} (under {100 * m['below']:g}%): a small part of a "
            "larger purchase"
        )
    if r["component_category"]:
        items = r["component_evidence"] or []
        console.print(
            f"component: [bold]{r['component_category']}[/] inside a larger purchase, "
            "not counted as surveillance ("
            + "; ".join(f"{i['rule']}: {escape(i['text'])}" for i in items)
            + ")",
            soft_wrap=True,
        )
    flags = [
        f
        for f, on in (
            ("rests only on who sold it (profile-only)", r["profile_only"]),
            ("conflicting evidence", r["conflict"]),
        )
        if on
    ]
    console.print(
        f"rules say: [bold]{r['category']}[/] (confidence {r['confidence']}, "
        f"maker {r['maker'] or '—'}){'; ' + '; '.join(flags) if flags else ''}"
    )
    if e["override"]:
        what = "review decision" if e["override"]["method"] == "review" else "override"
        console.print(
            f"{what}: [bold]{e['override']['label']}[/] — "
            f"{escape(e['override']['reason'])}"
        )
    stored = e["stored"]
    console.print(
        "stored: "
        + (
            f"{stored['category']} ({stored['method']}, rules "
            f"{stored['rules_version']})"
            if stored
            else "not classified yet (run `custodes classify`)"
        )
    )


def published_classification(store: Store) -> str:
    """The classification table as exports publish it: natural persons' names withheld
    (the one rule, custodes/figures/recipients.py)."""
    from custodes.figures.recipients import published_sql
    from custodes.store.sql import ident

    columns = [
        r["column_name"]
        for r in store.rows(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'classification' ORDER BY ordinal_position"
        )
    ]
    return f"({published_sql('classification', columns, ident)})"


@click.command("classify")
@click.option(
    "--export",
    "export_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write one CSV row per award: generated_award_id, category, "
    "confidence, recipient, maker, evidence, component_category, "
    "component_evidence, profile_only, conflict.",
)
@click.option(
    "--explain",
    "explain",
    default=None,
    metavar="AWARD",
    help="Show why AWARD (generated award id or PIID) gets its category; "
    "writes nothing.",
)
@click.option(
    "--overrides",
    "overrides_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Corrections file (award,label,reason). Default: "
    "custodes/data/taxonomy/overrides.csv.",
)
@db_option
@json_option
def classify_command(
    settings: Settings,
    export_path: Path | None,
    explain: str | None,
    overrides_file: Path | None,
    as_json: bool,
) -> None:
    """Classify every award into the surveillance taxonomy, with evidence.

    Each award is read from all of its transactions together (descriptions, recipient
    names, PSC, NAICS). Rules, taxonomy and gazetteer are data files under
    custodes/data/; corrections in custodes/data/taxonomy/overrides.csv win over the
    rules.
    Rebuilds the `classification` table and logs the run in `classification_run`.
    """
    taxonomy = load_taxonomy()
    ruleset = load_rules(taxonomy)
    overrides = load_overrides(taxonomy, overrides_file)
    if explain:
        with open_store(settings) as store:
            need_transactions(store)
            result = explain_award(store, explain, taxonomy, ruleset, overrides)
        print_json(result) if as_json else print_explain(result)
        return
    with open_store(settings, write=True, command="classify") as store:
        need_transactions(store)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=as_json or not err_console.is_terminal,
        ) as bar:
            task = bar.add_task("classify", total=None)
            summary = classify_store(
                store,
                taxonomy,
                ruleset,
                overrides,
                progress=lambda m: bar.update(task, description=m),
            )
        exported = (
            write_export(store, export_path, published_classification(store))
            if export_path
            else None
        )
        if export_path:
            _export_sidecar(store, export_path)
    if as_json:
        print_json(
            {**asdict(summary), "export": export_path, "exported_rows": exported}
        )
        return
    print_summary(summary)
    if export_path:
        console.print(f"Exported {exported:,} awards to {export_path}")


def _export_sidecar(store: Any, path: Path) -> None:
    """The export's sidecar: the default Definition stated against the store, the
    coverage, the reviewed share, data through (custodes/figures/about.py)."""
    from custodes.classify.export import EXPORT_COLUMNS
    from custodes.csvfile import write_metadata
    from custodes.figures.about import about_store
    from custodes.figures.definition import DEFAULT

    info = about_store(store, DEFAULT)
    info["note"] = (
        "One row per award with its category, whatever the definition; `counted` "
        "figures elsewhere use the definition below."
    )
    write_metadata(path, list(EXPORT_COLUMNS), info)


def register(group: click.Group) -> None:
    group.add_command(classify_command)
    group.commands["eval"].add_command(eval_classify_command)  # type: ignore[attr-defined]
