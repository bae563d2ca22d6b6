"""`custodes eval classify LABELS.csv`: count-based and dollar-weighted figures."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from custodes.classify.awards import need_transactions
from custodes.classify.evaluate import load_labels, score
from custodes.classify.materiality import (
    DEFAULT_ERRORS,
    DEFAULT_MIN_OBLIGATION,
    Scored,
    components_agreement,
    materiality,
    net_obligations_sql,
)
from custodes.classify.pipeline import classify_keys
from custodes.classify.rules import load_rules
from custodes.classify.taxonomy import load_taxonomy
from custodes.console import console, db_option, json_option, print_json, table
from custodes.settings import Settings
from custodes.store import open_store


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


def _usd(v: float) -> str:
    return f"${v:,.0f}"


def print_materiality(m: dict) -> None:
    b = m["binary"]
    console.print(
        "\n[bold]By dollars[/] (awards with net obligation ≥ "
        f"{_usd(m['min_obligation'])}:"
        f" {m['awards']} awards, {_usd(m['dollars'])}; surveillance by the labels: "
        f"{m['surveillance_awards']} awards, {_usd(m['gold_surveillance_usd'])})"
    )
    console.print(
        f"Dollar-weighted precision {b['precision_usd']:.3f}, recall "
        f"{b['recall_usd']:.3f}, F1 {b['f1_usd']:.3f}; right category "
        f"{m['right_category_share']:.3f} of the surveillance dollars, "
        f"{m['right_category_of_predicted']:.3f} of the dollars called surveillance; "
        f"{_usd(m['predicted_surveillance_usd'])} called surveillance, "
        f"{_usd(m['correct_surveillance_usd'])} of it rightly"
    )
    if m["largest_errors"]:
        console.print(
            table(
                f"Largest errors ({len(m['largest_errors'])} of {m['errors_total']}, "
                f"{_usd(m['errors_usd'])} in all)",
                ["award", "label", "rules", "dollars"],
                [
                    (e["award"], e["gold"], e["predicted"], _usd(e["usd"]))
                    for e in m["largest_errors"]
                ],
                justify_right=["dollars"],
            )
        )


def print_components(c: dict) -> None:
    console.print(
        f"Components (surveillance inside a larger purchase): {c['labelled']} labelled "
        f"({_usd(c['labelled_usd'])}), {c['found']} found with the same category; "
        f"missed: {', '.join(c['missed'][:5]) or '—'}; "
        f"not labelled: {', '.join(c['extra'][:5]) or '—'}"
    )


@click.command("classify")
@click.argument("labels", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--min-obligation",
    type=float,
    default=DEFAULT_MIN_OBLIGATION,
    show_default=True,
    help="Dollar-weighted figures count the awards whose net obligation (the sum of "
    "their transactions) reaches this many dollars.",
)
@click.option(
    "--errors",
    "errors",
    type=click.IntRange(min=0),
    default=DEFAULT_ERRORS,
    show_default=True,
    help="How many of the largest errors (by dollars) to list.",
)
@db_option
@json_option
def eval_classify_command(
    settings: Settings,
    labels: Path,
    min_obligation: float,
    errors: int,
    as_json: bool,
) -> None:
    """Score the classification rules against hand labels in LABELS.csv.

    LABELS.csv has the columns generated_award_id and label (a taxonomy id, none or
    unclear); a `component` column, when present, is scored too; other columns are
    ignored. `unclear` rows are skipped, awards missing from the store are listed and
    skipped. Overrides are not applied: this scores the rules. Besides the figures by
    count, it weighs each award by its positive net obligation and lists the largest
    errors.
    """
    taxonomy = load_taxonomy()
    ruleset = load_rules(taxonomy)
    lf = load_labels(labels, taxonomy)
    with open_store(settings) as store:
        need_transactions(store)
        decisions = classify_keys(store, taxonomy, ruleset, list(lf.labels))
        store.con.register(
            "cls_keys", pd.DataFrame({"k": pd.Series(list(lf.labels), dtype=str)})
        )
        net = dict(store.execute(net_obligations_sql()))
    missing = sorted(k for k in lf.labels if k not in decisions)
    found = {k: g for k, g in lf.labels.items() if k in decisions}
    pairs = [(g, decisions[k]["category"]) for k, g in found.items()]
    scored = [
        Scored(k, g, decisions[k]["category"], float(net.get(k, 0.0)))
        for k, g in found.items()
    ]
    result = {
        **score(pairs, taxonomy),
        "labels_file": labels,
        "unclear_skipped": lf.unclear,
        "not_in_store": missing,
        "rules_version": ruleset.version,
        "taxonomy_version": taxonomy.version,
        "materiality": materiality(scored, taxonomy, min_obligation, errors),
    }
    if lf.components is not None:
        result["components"] = components_agreement(
            {k: c for k, c in lf.components.items() if k in decisions},
            {k: decisions[k]["component_category"] for k in found},
            {k: float(v) for k, v in net.items()},
        )
    if as_json:
        print_json(result)
        return
    print_scores(result)
    print_materiality(result["materiality"])
    if "components" in result:
        print_components(result["components"])
    console.print(
        f"Skipped: {lf.unclear} unclear label(s); {len(missing)} award(s) not in "
        f"the store{': ' + ', '.join(missing[:5]) if missing else ''}"
    )
