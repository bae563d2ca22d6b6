"""`custodes classify [--export FILE.csv] [--explain AWARD]` and `custodes eval
classify`.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from custodes.classify.evaluate import load_labels, score
from custodes.classify.explain import explain_award
from custodes.classify.export import write_export
from custodes.classify.overrides import load_overrides
from custodes.classify.pipeline import RunSummary, classify_keys, classify_store
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
from custodes.errors import InputError
from custodes.settings import Settings
from custodes.store import open_store
from custodes.store.duckdb import Store


def _need_transactions(store: Store) -> None:
    if not store.has_table("transaction") or not store.scalar(
        'SELECT count(*) FROM "transaction"'
    ):
        raise InputError(
            "The store has no transactions. Run `custodes ingest PATH` first."
        )


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
        f"signatures); overrides applied: {s.overrides_applied}"
    )
    if s.overrides_not_in_store:
        err_console.print(
            f"[yellow]{len(s.overrides_not_in_store)} override(s) name awards "
            f"not in the store: {', '.join(s.overrides_not_in_store[:5])}[/]"
        )


def print_explain(e: dict) -> None:
    console.print(
        f"[bold]{escape(e['award_key'])}[/]  recipient: {escape(str(e['recipient']))}"
    )
    console.print(f"descriptions: {escape(e['text'][:1500])}", soft_wrap=True)
    console.print(
        f"PSC: {escape(e['psc'])}\nNAICS: {escape(e['naics'])}", soft_wrap=True
    )
    ev = e["rules"]["evidence"]
    console.print(
        table(
            "Rules that fired",
            ["signal", "rule", "matched text", "votes", "weight"],
            [
                (
                    i["signal"],
                    i["rule"],
                    i["text"],
                    i.get("category") or "against " + ",".join(i.get("cancels", [])),
                    i["weight"],
                )
                for i in ev
            ],
            justify_right=["weight"],
        )
    )
    scores = ", ".join(f"{c} {v:+g}" for c, v in e["scores"].items()) or "no signal"
    r = e["rules"]
    console.print(f"scores: {scores} (threshold {e['threshold']:g})")
    console.print(
        f"rules say: [bold]{r['category']}[/] (confidence {r['confidence']}, "
        f"maker {r['maker'] or '—'})"
    )
    if e["override"]:
        console.print(
            f"override: [bold]{e['override']['label']}[/] — "
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


@click.command("classify")
@click.option(
    "--export",
    "export_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write one CSV row per award: generated_award_id, category, "
    "confidence, recipient, maker, evidence.",
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
            _need_transactions(store)
            result = explain_award(store, explain, taxonomy, ruleset, overrides)
        print_json(result) if as_json else print_explain(result)
        return
    with open_store(settings, write=True, command="classify") as store:
        _need_transactions(store)
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
        exported = write_export(store, export_path) if export_path else None
    if as_json:
        print_json(
            {**asdict(summary), "export": export_path, "exported_rows": exported}
        )
        return
    print_summary(summary)
    if export_path:
        console.print(f"Exported {exported:,} awards to {export_path}")


def print_scores(result: dict) -> None:
    pc = result["per_category"]
    console.print(
        table(
            "Per category",
            ["category", "precision", "recall", "F1", "support", "predicted"],
            [
                (
                    c,
                    f"{v['precision']:.3f}",
                    f"{v['recall']:.3f}",
                    f"{v['f1']:.3f}",
                    v["support"],
                    v["predicted"],
                )
                for c, v in pc.items()
            ],
            justify_right=["precision", "recall", "F1", "support", "predicted"],
        )
    )
    b = result["binary"]
    console.print(
        f"Binary surveillance vs none: precision {b['precision']:.3f}, recall "
        f"{b['recall']:.3f}, F1 {b['f1']:.3f}"
    )
    console.print(
        f"Macro-F1 over {len(result['macro_over'])} categories present: "
        f"{result['macro_f1']:.3f}; accuracy {result['accuracy']:.3f}; "
        f"{result['scored']} awards scored"
    )
    labels = sorted(result["confusion"])
    preds = sorted({p for row in result["confusion"].values() for p in row})
    cols = [short_code(p) for p in preds]
    console.print(
        table(
            "Confusion (rows = label, columns = predicted)",
            ["label", *cols],
            [
                (short_code(g), *[result["confusion"][g].get(p, "") for p in preds])
                for g in labels
            ],
        )
    )
    console.print(
        "codes: "
        + ", ".join(f"{short_code(p)} = {p}" for p in sorted({*labels, *preds}))
    )


def short_code(category: str) -> str:
    """face_recognition -> FR, license_plate_readers -> LPR, none -> none."""
    return (
        category
        if category == "none"
        else "".join(w[0] for w in category.split("_")).upper()
    )


@click.command("classify")
@click.argument("labels", type=click.Path(path_type=Path, dir_okay=False))
@db_option
@json_option
def eval_classify_command(settings: Settings, labels: Path, as_json: bool) -> None:
    """Score the classification rules against hand labels in LABELS.csv.

    LABELS.csv has the columns generated_award_id and label (a taxonomy id, none or
    unclear); other columns are ignored. `unclear` rows are skipped, awards missing from
    the store are listed and skipped. Overrides are not applied: this scores the rules.
    """
    taxonomy = load_taxonomy()
    ruleset = load_rules(taxonomy)
    lf = load_labels(labels, taxonomy)
    with open_store(settings) as store:
        _need_transactions(store)
        decisions = classify_keys(store, taxonomy, ruleset, list(lf.labels))
    missing = sorted(k for k in lf.labels if k not in decisions)
    pairs = [(g, decisions[k].category) for k, g in lf.labels.items() if k in decisions]
    result = {
        **score(pairs, taxonomy),
        "labels_file": labels,
        "unclear_skipped": lf.unclear,
        "not_in_store": missing,
        "rules_version": ruleset.version,
        "taxonomy_version": taxonomy.version,
    }
    if as_json:
        print_json(result)
        return
    print_scores(result)
    console.print(
        f"Skipped: {lf.unclear} unclear label(s); {len(missing)} award(s) not in "
        f"the store{': ' + ', '.join(missing[:5]) if missing else ''}"
    )


def register(group: click.Group) -> None:
    group.add_command(classify_command)
    group.commands["eval"].add_command(eval_classify_command)  # type: ignore[attr-defined]
