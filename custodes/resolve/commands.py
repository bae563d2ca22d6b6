"""`custodes resolve`, `custodes vendor show|list`, `custodes eval resolve`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import cast

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from custodes.console import (
    console,
    db_option,
    fitted_table,
    json_option,
    money,
    print_json,
    table,
)
from custodes.errors import InputError
from custodes.figures import vendors as show
from custodes.resolve.apply import run_resolve
from custodes.resolve.build import DEFAULT_MATCHER, MATCHERS
from custodes.settings import Settings
from custodes.store import open_store

STEPS = (
    "loading recipients",
    "judgements",
    "identifiers",
    "rules",
    "matcher",
    "vendors",
    "corporate families",
    "writing tables",
)
CLEAN_NAMES = Path("vendors/child_companies_clean_names.csv")
matcher_option = click.option(
    "--matcher",
    type=click.Choice(MATCHERS),
    default=DEFAULT_MATCHER,
    show_default=True,
    help="Fuzzy step after identifiers and rules.",
)


@click.command("resolve")
@matcher_option
@db_option
@json_option
def resolve_command(settings: Settings, matcher: str, as_json: bool) -> None:
    """Resolve recipients to vendors, families and makers; rebuild the vendor tables."""
    with open_store(settings, write=True, command="resolve") as store:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=as_json,
            transient=True,
        ) as bar:
            task = bar.add_task("resolve", total=len(STEPS))

            def step(name: str) -> None:
                bar.update(task, description=f"resolve: {name}", advance=1)

            summary = run_resolve(store, matcher, step)
    if as_json:
        print_json(asdict(summary))
        return
    s = summary
    console.print(
        f"Resolved {s.alias_records:,} recipient name/identifier records into "
        f"[bold]{s.vendors:,}[/] vendors in {s.families:,} families "
        f"(matcher: {s.matcher})."
    )
    console.print(
        table(
            "Why each name joined its vendor",
            ["method", "names"],
            sorted(s.by_method.items()),
            justify_right=["names"],
        )
    )
    console.print(
        f"Parents: {s.parents_from_source} from source identifiers, "
        f"{s.parents_curated} curated. Judgements: {s.judgements} "
        f"({s.merges_refused_by_judgement} merges refused). Matcher pairs: "
        f"{s.matcher_pairs} proposed, {s.matcher_pairs_vetoed} vetoed by guards."
    )
    console.print(
        f"{s.transactions:,} transactions linked; {s.award_makers} maker "
        f"attributions on {s.awards_with_maker} awards."
    )


@click.group("vendor")
def vendor_group() -> None:
    """Resolved vendors: aliases and why they merged, parents, resellers, totals."""


def _print_detail(d: dict) -> None:
    v = d["vendor"]
    scope = f"family of {v['family_id']}" if d["family"] else "vendor alone"
    console.print(f"[bold]{v['name']}[/] ({v['vendor_id']}, {v['kind']}) — {scope}")
    if d["parent"]:
        console.print(
            f"Parent: {d['parent']['name']} ({d['parent']['vendor_id']}); "
            f"{v.get('parent_reason') or ''}"
        )
    for sub in d.get("subsidiaries") or []:
        console.print(
            f"Subsidiary: {sub['name']} ({sub['vendor_id']}); {sub['reason'] or ''}",
            markup=False,
        )
    console.print(f"Family: {v['family_id']}")
    if len(d.get("matched") or []) > 1:
        names = ", ".join(f"{m['name']} ({m['vendor_id']})" for m in d["matched"])
        console.print(
            f"The name given matched {len(d['matched'])} vendors of this family: "
            f"{names}",
            markup=False,
        )
    _print_fitted(
        fitted_table(
            "Aliases and why they merged",
            ["vendor", "recipient name", "DUNS", "method", "score", "reason", "txns"],
            [
                (
                    a["vendor_id"],
                    a["recipient_name"],
                    a["recipient_duns"],
                    a["method"],
                    a["score"],
                    a["reason"],
                    a["transactions"],
                )
                for a in d["aliases"]
            ],
            console.width,
            justify_right=["txns"],
            whole=["vendor", "DUNS", "method", "score", "txns"],
        )
    )
    if d["resellers"]:
        _print_fitted(
            fitted_table(
                "Sold through (awards where it is the maker, another was paid)",
                ["recipient", "awards", "products", "obligations"],
                [
                    (
                        r["name"],
                        r["awards"],
                        ", ".join(r["products"]),
                        money(r["obligation_usd"]),
                    )
                    for r in d["resellers"]
                ],
                console.width,
                justify_right=["awards", "obligations"],
                whole=["awards", "obligations"],
            )
        )
    _print_channels(d.get("channels"))
    if not d["awards"]:
        console.print("No awards paid to it directly in the store.")
        return
    _print_fitted(
        fitted_table(
            f"Awards ({len(d['awards'])}; --json lists every award key)",
            [
                "PIID",
                "agency",
                "first",
                "last",
                "txns",
                "obligations",
                "paid to it",
            ],
            [
                (
                    a["piid"],
                    _agency(a["sub_agency"]),
                    a["first_date"],
                    a["last_date"],
                    a["transactions"],
                    money(a["obligation_usd"]),
                    # its own transactions' part, where another vendor was paid too
                    (
                        f"{money(a['vendor_obligation_usd'])} "
                        f"({a['vendor_transactions']} txns)"
                        if a["vendor_transactions"] < a["transactions"]
                        else "all"
                    ),
                )
                for a in d["awards"][:25]
            ],
            console.width,
            justify_right=["txns", "obligations", "paid to it"],
            whole=["PIID", "first", "last", "txns", "obligations"],
        )
    )
    t = d["totals"]
    console.print(
        f"Total: {money(t['obligation_usd'])} over {t['awards']} awards, "
        f"{t['transactions']} transactions"
        + (" (top 25 awards shown)" if t["awards"] > 25 else "")
        + f"; of which counted as surveillance: {money(t['surveillance_usd'])}."
    )
    console.print(d["definition"]["text"], style="dim", markup=False)


def _print_fitted(shown: object) -> None:
    console.print(shown, markup=False, highlight=False)


def _agency(name: str | None) -> str:
    """An awarding agency as its abbreviation (ICE) where custodes/data/agencies.yaml
    knows its name (--json gives the name), else the name."""
    from custodes.model.agencies import load_agencies

    known = {s.name: s.abbreviation for s in load_agencies()[1].values()}
    return known.get(name or "", name or "")


def _awards(n: int) -> str:
    return f"{n} award" if n == 1 else f"{n} awards"


def _print_channels(c: dict | None) -> None:
    """The maker's one total across channels, with its breakdown."""
    if not c or not c["through_resellers"]["awards"]:
        return
    t, d, r = c["total"], c["direct"], c["through_resellers"]
    console.print(
        f"[bold]Across channels: {money(t['obligation_usd'])}[/] over {t['awards']} "
        f"awards (counted as surveillance: {money(t['surveillance_usd'])}) = "
        f"directly {money(d['obligation_usd'])} ({_awards(d['awards'])}) + through "
        f"resellers {money(r['obligation_usd'])} ({_awards(r['awards'])})."
    )
    both = c.get("both") or {}
    if both.get("awards"):
        console.print(
            f"{_awards(both['awards'])} ({money(both['obligation_usd'])}) bought both "
            "ways, part paid to the maker and part to a reseller: counted in each "
            "channel, once in the total."
        )
    _print_fitted(
        fitted_table(
            "Through resellers (awards paid to another vendor that name it as maker)",
            ["reseller", "awards", "obligations", "counted"],
            [
                (
                    x["vendor_name"],
                    x["awards"],
                    money(x["obligation_usd"]),
                    money(x["surveillance_usd"]),
                )
                for x in c["resellers"]
            ],
            console.width,
            justify_right=["awards", "obligations", "counted"],
            whole=["awards", "obligations", "counted"],
        )
    )
    console.print(c["note"], style="dim", markup=False)


@vendor_group.command("show")
@click.argument("name")
@click.option(
    "--family", is_flag=True, help="Totals and awards for the whole corporate family."
)
@db_option
@json_option
def vendor_show(settings: Settings, name: str, family: bool, as_json: bool) -> None:
    """Show vendor NAME (id, recipient name or part of a name)."""
    with open_store(settings) as store:
        vendor, matched = show.lookup(store, name, family)
        detail = show.vendor_detail(store, vendor, family, matched)
    if as_json:
        print_json(detail)
    else:
        _print_detail(detail)


@vendor_group.command("list")
@click.option(
    "--limit", type=click.IntRange(1, 1_000_000), default=50, show_default=True
)
@click.option(
    "--kind", type=click.Choice(["recipient", "parent", "maker", "individual"])
)
@db_option
@json_option
def vendor_list(
    settings: Settings, limit: int, kind: str | None, as_json: bool
) -> None:
    """List vendors by total obligations."""
    with open_store(settings) as store:
        rows = show.list_vendors(store, limit, kind)
    if as_json:
        print_json(rows)
        return
    console.print(
        table(
            "Vendors",
            ["id", "name", "kind", "family", "aliases", "txns", "obligations"],
            [
                (
                    r["vendor_id"],
                    r["name"],
                    r["kind"],
                    r["family_id"],
                    r["aliases"],
                    r["transactions"],
                    money(r["obligation_usd"]),
                )
                for r in rows
            ],
            justify_right=["aliases", "txns", "obligations"],
        )
    )


@vendor_group.command("suggest")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@db_option
@json_option
def vendor_suggest(settings: Settings, limit: int, as_json: bool) -> None:
    """Name pairs that one award carries but that are different vendors (renames,
    novations, property sales): candidates for judgements.yaml, not merged
    automatically."""
    with open_store(settings) as store:
        rows = show.suggestions(store, limit)
    if as_json:
        print_json(rows)
        return
    console.print(
        table(
            "One award, two vendors: review and add a judgement if they are one",
            ["name A", "name B", "awards", "example award"],
            [(r["name_a"], r["name_b"], r["awards"], r["example_award"]) for r in rows],
            justify_right=["awards"],
        )
    )


@click.command("resolve")
@matcher_option
@click.option(
    "--reference",
    type=click.Path(path_type=Path),
    default=None,
    help="Torn Apart clean-names CSV (default: ../shared/data/"
    + str(CLEAN_NAMES)
    + ").",
)
@click.option(
    "--no-judgements",
    is_flag=True,
    help="Score the matcher without curated judgements.",
)
@db_option
@json_option
def eval_resolve(
    settings: Settings,
    matcher: str,
    reference: Path | None,
    no_judgements: bool,
    as_json: bool,
) -> None:
    """Pairwise precision/recall of "same vendor" against the references."""
    from custodes.resolve.evaluate import (
        evaluate,
        load_clean_names,
        load_labelled_pairs,
    )
    from custodes.resolve.judgements import load_judgements
    from custodes.resolve.records import load_records

    ref = (
        reference
        or Path(__file__).resolve().parents[2].parent / "shared/data" / CLEAN_NAMES
    )
    if reference and not reference.exists():
        raise InputError(
            f"No reference file at {reference}. Give the path of "
            "child_companies_clean_names.csv"
        )
    clean = load_clean_names(ref) if ref.exists() else None
    records = []
    if Path(settings.db).expanduser().exists():
        with open_store(settings) as store:
            records = load_records(store)
    judgements = [] if no_judgements else load_judgements()
    scores = evaluate(records, clean, load_labelled_pairs(), judgements, matcher)
    result = {
        "matcher": matcher,
        "judgements": len(judgements),
        "store_records": len(records),
        "scores": [s.as_dict() for s in scores],
        "targets": {"precision": 0.98, "recall": 0.90},
    }
    if as_json:
        print_json(result)
        return
    console.print(
        table(
            f"Vendor resolution, pairwise (matcher {matcher}, "
            f"{len(judgements)} judgements, {len(records)} store records)",
            ["reference", "pairs", "precision", "recall", "TP", "FP", "FN"],
            [
                (
                    s.reference,
                    s.pairs,
                    f"{s.precision:.4f}",
                    f"{s.recall:.4f}",
                    s.true_positives,
                    s.false_positives,
                    s.false_negatives,
                )
                for s in scores
            ],
        )
    )
    for s in scores:
        for a, b in s.examples_fp[:8]:
            console.print(f"  false merge ({s.reference}): {a} | {b}")
        for a, b in s.examples_fn[:8]:
            console.print(f"  missed ({s.reference}): {a} | {b}")
    if not clean:
        console.print(
            f"No clean-names reference at {ref}; scored the labelled pairs only."
        )


def register(group: click.Group) -> None:
    group.add_command(resolve_command)
    group.add_command(vendor_group)
    cast(click.Group, group.commands["eval"]).add_command(eval_resolve)
