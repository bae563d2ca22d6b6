"""`custodes search QUERY`: the web app's search from the command line."""

from __future__ import annotations

from typing import Any

import click
from rich.text import Text

from custodes.console import (
    console,
    db_option,
    err_console,
    json_option,
    money,
    print_json,
    table,
)
from custodes.errors import NotFound
from custodes.model.agencies import load_agencies
from custodes.search.engine import Results, SearchEngine, SearchOptions
from custodes.search.query import SORTS, Query
from custodes.serve.params import MAX_PAGE, MAX_PAGE_SIZE
from custodes.settings import Settings

DESCRIPTION = 60  # characters of the description shown in the table
WIDE = 140  # a console this wide gets the table; a narrower one `_narrow`


@click.command("search")
@click.argument("words", nargs=-1)
@click.option("--agency", help="ICE, CBP or a four-digit sub-agency code.")
@click.option("--fy", type=int, help="Only awards with an action in this fiscal year.")
@click.option("--category", help="Taxonomy category id (custodes classify).")
@click.option("--vendor", help="Vendor id (as on /vendor/ID).")
@click.option("--maker", help="Maker name, as the maker facet shows it.")
@click.option(
    "--sort",
    type=click.Choice(list(SORTS)),
    default="largest",
    show_default=True,
    help="Obligations largest or smallest first, first action newest or oldest.",
)
@click.option("--min", "min_usd", help="Obligations of at least this many dollars.")
@click.option("--max", "max_usd", help="Obligations of at most this many dollars.")
@click.option(
    "--from", "date_from", help="Actions on or after this day (YYYY-MM-DD or YYYY)."
)
@click.option("--to", "date_to", help="Actions on or before this day.")
@click.option("--page", type=click.IntRange(1, MAX_PAGE), default=1, show_default=True)
@click.option(
    "--size",
    type=click.IntRange(1, MAX_PAGE_SIZE),
    default=25,
    show_default=True,
    help="Awards per page.",
)
@db_option
@json_option
def search_command(
    settings: Settings,
    words: tuple[str, ...],
    agency: str | None,
    fy: int | None,
    category: str | None,
    vendor: str | None,
    maker: str | None,
    sort: str,
    min_usd: str | None,
    max_usd: str | None,
    date_from: str | None,
    date_to: str | None,
    page: int,
    size: int,
    as_json: bool,
) -> None:
    """Search awards as the web app's /search page does: every word must start a word
    of the award's text (PIID, award key, descriptions, recipients, vendor, maker,
    category, products), read with its other spellings, synonyms and acronyms.
    Without words, the filters alone choose the awards."""
    params = {
        "q": " ".join(words),
        "agency": agency,
        "fy": None if fy is None else str(fy),
        "category": category,
        "vendor": vendor,
        "maker": maker,
        "sort": sort,
        "min": min_usd,
        "max": max_usd,
        "from": date_from,
        "to": date_to,
        "page": str(page),
        "size": str(size),
    }
    query = Query.from_params({k: v for k, v in params.items() if v is not None})
    results = run_search(settings, query)
    if as_json:
        print_json({**with_links(results.as_dict()), "notes": notes(results)})
        return
    show(results)


def with_links(found: dict[str, Any]) -> dict[str, Any]:
    """FOUND (`Results.as_dict`) with each award's page at its source
    (`usaspending_url`, the link the report and the web app give)."""
    from custodes import sources

    awards = [
        {**a, "usaspending_url": sources.record_url(str(a.get("award_key") or ""))}
        for a in found["awards"]
    ]
    return {**found, "awards": awards}


def run_search(settings: Settings, query: Query) -> Results:
    """QUERY on the store of SETTINGS, read-only, in SQL (a single search does not
    need the in-memory index, whose answers are the same)."""
    from custodes.serve.prepare import serve_tables_stale
    from custodes.store import open_store
    from custodes.store.reader import Reader

    if not settings.db.exists():
        raise NotFound(
            f"No store at {settings.db}. Build one with `custodes ingest PATH...`."
        )
    with open_store(settings) as store:
        stale = serve_tables_stale(store)
    reader = Reader(settings.db, time_limit=settings.serve_time_limit)
    try:
        if not reader.has("serve_award"):
            raise NotFound(
                "The search tables are not built: run `custodes serve --prepare`."
            )
        if stale:
            err_console.print(
                f"[yellow]Note:[/] the search tables are out of date ({stale}); "
                "run `custodes serve --prepare` to include the latest changes."
            )
        engine = SearchEngine(reader, options=SearchOptions(index=False))
        return engine.search(query)
    finally:
        reader.close()


def show(results: Results) -> None:
    query = results.query
    for note in notes(results):
        err_console.print(f"[yellow]Note:[/] {note}", highlight=False)
    what = f" for {query.text!r}" if query.text else ""
    if not results.total:
        console.print(f"No award matches{what}.", highlight=False)
        return
    first = min(results.total, query.offset + 1)
    last = min(results.total, query.offset + query.size)
    console.print(
        f"{results.total:,} awards{what}, {money(results.obligation_usd)} obligated "
        f"in all; awards {first:,}–{last:,}, {SORTS[query.sort]}.",
        highlight=False,
    )
    if not results.awards:
        return
    if console.width < WIDE:
        console.print(_narrow(results.awards, console.width), highlight=False)
    else:
        console.print(
            table(
                None,
                ["PIID", "agency", "vendor", "category", "first action",
                 "obligations", "description"],
                [_row(r) for r in results.awards],
                justify_right=["obligations"],
            )
        )  # fmt: skip
    if results.pages > query.page:
        console.print(f"More: --page {query.page + 1} (of {results.pages:,}).")
    console.print("Award keys, facets and every column: --json.")


def notes(results: Results) -> list[str]:
    """How the text was read: dropped pieces, words added."""
    plan = results.plan
    if results.query.text and plan.empty:
        return [
            f"nothing was searched: {results.query.text!r} has no letters A-Z or "
            "digits, the only characters the awards' text is searched for."
        ]
    out = [f"left out (no letters or digits): {d!r}" for d in plan.dropped]
    return out + list(plan.notes)


def _row(r: dict[str, Any]) -> tuple[Any, ...]:
    description = r["description"] or ""
    if len(description) > DESCRIPTION:
        description = description[: DESCRIPTION - 1] + "…"
    sub = load_agencies()[1].get(r["agency_code"])
    return (
        r["piid"] or r["award_key"],
        sub.abbreviation if sub else r["agency_name"],
        r["vendor_name"] or r["recipient_name"],
        r["category_label"],
        r["first_action_date"],
        money(r["obligation_usd"]),
        description,
    )


def _narrow(awards: list[dict[str, Any]], width: int) -> Text:
    """AWARDS as they read on a console of WIDTH columns (80 or more), no word or
    figure cut: each award's PIID, agency, first action date and obligations on its
    first line, its vendor beside them (wrapped between words under itself), then
    its category and description on at most two lines below, indented, cut between
    words. The table of seven
    columns cut PIIDs, dates and dollar figures in two at 80 columns."""
    import textwrap

    rows = [_row(r) for r in awards]
    piid = max(len("PIID"), *(len(str(r[0])) for r in rows))
    agency = max(len("agency"), *(len(str(r[1])) for r in rows))
    usd = max(len("obligations"), *(len(r[5]) for r in rows))
    head = piid + agency + 10 + usd + 4  # four spaces between five columns
    room = max(width - head, 20)
    out = [
        f"{'PIID':<{piid}} {'agency':<{agency}} {'first':<10} "
        f"{'obligations':>{usd}} vendor",
        "  category: description",
        "─" * min(width, head + 6),
    ]
    for award, (pid, ag, vendor, category, first, obligations, _) in zip(
        awards, rows, strict=True
    ):
        description = " ".join((award["description"] or "").split())
        names = textwrap.wrap(
            str(vendor or "—"), room, break_long_words=False, break_on_hyphens=False
        ) or ["—"]
        out.append(
            f"{str(pid):<{piid}} {str(ag):<{agency}} {first!s:<10} "
            f"{obligations:>{usd}} {names[0]}".rstrip()
        )
        out += [" " * head + name for name in names[1:]]
        out += textwrap.wrap(
            f"{category}: {description}" if description else str(category),
            max(width, 40),
            initial_indent="  ",
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
            max_lines=2,
            placeholder=" …",
        )
    return Text("\n".join(out))


def register(group: click.Group) -> None:
    group.add_command(search_command)
