"""Atom feeds a reporter subscribes to without the command line: what's new, a vendor,
a maker, a category and a saved search (any search's address, as a feed).

    /feeds/new.atom?min=&agency=&category=&kind=&from=&to=&include_zero=1
    /feeds/vendor/{vendor_id}.atom       paid to it, or named as maker (resellers)
    /feeds/maker/{vendor id or name}.atom the same for a maker
    /feeds/category/{category}.atom
    /feeds/search.atom?q=...             the newest actions of a search's awards

Each entry is one contract action (new award, modification, deobligation), newest
action date first, with a stable id, named with the vendor that action was paid to (an
award that changed hands is in both vendors' feeds, each with its own actions); every
feed states what it follows, its thresholds and the Definition in force. Feeds follow
institutions: a natural person is never a vendor, so there is no feed of one, and
their names stay withheld.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote_plus

from custodes import sources
from custodes.console import money
from custodes.errors import NotFound
from custodes.figures.news import (
    NewsScope,
    latest_actions,
    newest_action_date,
)
from custodes.serve import params as P
from custodes.serve.pages import (
    Ctx,
    category_label,
    definition,
    load_taxonomy,
    store_agency,
    store_fiscal_year,
)
from custodes.serve.pages.news import feed_query, label_rows, news_scope
from custodes.serve.pages.vendor import load_vendor_pages
from custodes.sync.atom import AtomEntry, AtomFeed

ENTRIES = 50  # entries per feed (the newest)
SEARCH_AWARDS = 100  # a saved search's newest awards whose actions are read

# feed kind -> how the scope is chosen and what the feed says it follows
Scoper = Callable[[Ctx, str], tuple[dict[str, Any], str, str]]


def _vendor(ctx: Ctx, vendor_id: str) -> tuple[dict[str, Any], str, str]:
    vendor_id = P.path_id(vendor_id, "vendor")
    found = load_vendor_pages(ctx.reader).get(vendor_id)
    if found is None:
        raise NotFound(f"No vendor {vendor_id!r}. Find vendors at /search?q=")
    return (
        {"vendor_ids": (vendor_id,), "counted_only": False},
        f"{found['name']}: what was paid to it (its own contract actions, on any "
        "award), and awards paid to resellers that name it as the maker",
        f"/vendor/{quote(vendor_id, safe='')}",
    )


def _maker(ctx: Ctx, ident: str) -> tuple[dict[str, Any], str, str]:
    """A maker by vendor id or by the maker's name as awards name it."""
    pages = load_vendor_pages(ctx.reader)
    if ident in pages:
        return _vendor(ctx, ident)
    name = P.text({"maker": ident}, "maker", 100) or ""
    ids = [
        r["maker_vendor_id"]
        for r in ctx.reader.rows(
            "SELECT DISTINCT maker_vendor_id FROM serve_award_maker "
            "WHERE upper(maker) = upper(?) AND maker_vendor_id IS NOT NULL "
            "ORDER BY 1",
            [name],
        )
    ]
    if not ids:
        raise NotFound(
            f"No maker named {name!r}. Makers are listed on vendor pages; a maker's "
            "vendor id works here too."
        )
    return (
        {"vendor_ids": tuple(ids), "counted_only": False},
        f"Maker {name}: what was paid to it (its own contract actions, on any "
        "award), and awards paid to resellers that name it as the maker",
        f"/vendor/{quote(ids[0], safe='')}",
    )


def _category(ctx: Ctx, category: str) -> tuple[dict[str, Any], str, str]:
    category = P.path_id(category, "category")
    known = set(load_taxonomy()) | {
        r["category"]
        for r in ctx.reader.rows("SELECT DISTINCT category FROM serve_award")
    }
    if category not in known:
        raise NotFound(f"No category {category!r}. See /categories.")
    return (
        {"category": category, "counted_only": False},
        f"Category {category_label(category)} ({category})",
        f"/category/{quote(category, safe='')}",
    )


def _search(ctx: Ctx, _: str) -> tuple[dict[str, Any], str, str]:
    """A saved search: its newest awards (the search's own reading of the words and
    filters), whose actions the feed lists."""
    from custodes.search.query import Query

    params = {**ctx.params, "sort": "newest", "size": str(SEARCH_AWARDS), "page": "1"}
    query = Query.from_params(params)
    if ctx.search is None:
        raise NotFound("Search is not available on this server.")
    results = ctx.search.search(query)
    keys = tuple(a["award_key"] for a in results.awards)
    # the search as the reporter wrote it (an agency by its name, not its code)
    asked = _search_query(ctx.params)[1:]
    what = ", ".join(unquote_plus(p) for p in asked.split("&") if p) or "every award"
    return (
        {"award_keys": keys, "counted_only": False},
        f"Search: {what} (the newest actions of its {len(keys)} most recently "
        f"active awards, of {results.total:,} that match)",
        "/search" + _search_query(ctx.params),
    )


def _search_query(params: dict[str, str] | Any) -> str:
    from urllib.parse import urlencode

    kept = {k: v for k, v in params.items() if v and k not in ("page", "size")}
    return ("?" + urlencode(kept)) if kept else ""


def _new(ctx: Ctx, _: str) -> tuple[dict[str, Any], str, str]:
    return ({}, "What's new: surveillance awards and modifications", "/new")


SCOPES: dict[str, Scoper] = {
    "new": _new,
    "vendor": _vendor,
    "maker": _maker,
    "category": _category,
    "search": _search,
}


def build_feed(ctx: Ctx, kind: str, ident: str, base_url: str) -> AtomFeed:
    """The feed KIND (a key of SCOPES) of IDENT, its links under BASE_URL."""
    base = base_url.rstrip("/")
    r = ctx.reader
    if not r.has("serve_action"):
        raise NotFound(
            "The web app's summary tables are missing: run `custodes serve --prepare`."
        )
    store_agency(ctx)  # an agency the store lacks: a 400 naming those it holds
    if kind == "search":
        store_fiscal_year(ctx)
    fixed, follows, page = SCOPES[kind](ctx, ident)
    rows = lambda sql, params: r.rows(sql, params)  # noqa: E731
    newest = newest_action_date(rows)
    scope = news_scope(ctx.params, newest, window=False, **fixed)
    stated = definition(r, ctx.params)
    news = latest_actions(
        rows,
        scope,
        stated,
        limit=ENTRIES,
        newest=newest,
    )
    if kind == "search":
        self_path = "/feeds/search.atom" + _search_query(ctx.params)
    elif kind == "new":
        self_path = "/feeds/new.atom" + feed_query(ctx.params)
    else:
        self_path = f"/feeds/{kind}/{quote(ident, safe='')}.atom" + feed_query(
            ctx.params
        )
    return AtomFeed(
        id=base + self_path,
        title=f"custodes — {follows}",
        subtitle=_subtitle(follows, scope, stated.text),
        self_url=base + self_path,
        alternate_url=base + page,
        entries=[_entry(a, base) for a in label_rows(news.actions)],
    )


def _subtitle(follows: str, scope: NewsScope, counts: str) -> str:
    bits = [f"{follows}. Contract actions, newest action date first"]
    if scope.since or scope.until:
        bits.append(f"dated {scope.since or '…'} to {scope.until or '…'}")
    if scope.min_usd:
        bits.append(f"of at least {money(scope.min_usd)} either way")
    if not scope.include_zero:
        bits.append("$0 administrative actions left out (include_zero=1 adds them)")
    if scope.agency:
        bits.append(f"awarding sub-agency {scope.agency}")
    if scope.kind:
        bits.append(f"{scope.kind}s only")
    which = (
        "only awards that count as surveillance"
        if scope.counted_only
        else "every award it follows, each marked counted or not"
    )
    return "; ".join(bits) + f"; {which}. What counts: {counts}"


def _end(text: str) -> str:
    """TEXT as the end of a sentence (a name may already end with a full stop)."""
    return text if text.endswith(".") else text + "."


def _entry(a: dict[str, Any], base: str) -> AtomEntry:
    award = quote(a["award_key"], safe="")
    mod = a["modification_number"] or "0"
    who = a["vendor_name"] or "?"
    channel = (
        f" Bought through reseller {who} (maker: {a['maker']})."
        if a.get("channel") == "reseller"
        else ""
    )
    counted = "counted" if a["counted"] else "not counted"
    return AtomEntry(
        id=f"{base}/award/{award}#action-{quote(a['transaction_key'], safe='')}",
        title=f"{a['kind'].capitalize()} {money(a['obligation_usd'])}: {who} — "
        f"{a['piid'] or a['award_key']} ({mod})",
        updated=a["action_date"],
        published=a["action_date"],
        link=f"{base}/award/{award}",
        related=sources.record_url(a["award_key"]),
        summary=(
            f"{a['action_date']}: {a['kind']} (modification {mod}) on award "
            f"{a['piid'] or a['award_key']} of {a['agency_name'] or '?'}, paid to "
            f"{_end(who)} This action {money(a['obligation_usd'])}; award total "
            f"{money(a['award_obligation_usd'])}. Category "
            f"{a['category_label']} ({counted} as surveillance)"
            f"{'; maker ' + a['maker'] if a['maker'] else ''}.{channel} "
            f"{(a['description'] or '').strip()}"
        ),
        categories=[
            (a["category"], a["category_label"]),
            (a["kind"], a["kind"]),
        ],
    )
