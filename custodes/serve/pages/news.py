"""What's new: the latest surveillance awards and modifications by action date, with
amount thresholds and the Definition in force; its Atom feed is /feeds/new.atom with
the same parameters (custodes/serve/pages/feeds.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from custodes.errors import InputError
from custodes.figures.news import (
    DEFAULT_DAYS,
    KINDS,
    NewsScope,
    latest_actions,
    newest_action_date,
)
from custodes.search.query import amount, day
from custodes.serve import params as P
from custodes.serve.pages import (
    Ctx,
    build_notices,
    category_label,
    definition,
    store_agency,
)
from custodes.serve.views import Table, View

# The thresholds the page offers (any amount may be typed into the address).
THRESHOLDS = ("", "10000", "100000", "1000000", "10000000")
ACTION_COLUMNS = [
    ("action_date", "Action date"),
    ("piid", "Award"),
    ("modification_number", "Modification"),
    ("kind", "Kind"),
    ("agency_name", "Agency"),
    ("vendor_name", "Paid to"),
    ("category_label", "Category"),
    ("maker", "Maker"),
    ("obligation_usd", "This action"),
    ("award_obligation_usd", "Award total"),
    ("description", "Description"),
]
ACTION_LINKS = {
    "piid": "/award/{award_key}",
    "vendor_name": "/vendor/{vendor_id}",
    "category_label": "/category/{category}",
}
FEED_PARAMS = (
    "from",
    "to",
    "days",
    "min",
    "include_zero",
    "agency",
    "category",
    "components",
)


def news_scope(
    params: Mapping[str, str], newest: Any, window: bool, **fixed: Any
) -> NewsScope:
    """The scope the parameters ask for: from/to (or `days` before the newest action
    in the store, DEFAULT_DAYS when WINDOW and neither is given), min (dollars, either
    way), include_zero=1, agency, category, kind; FIXED sets the rest."""
    since, until = day(params, "from"), day(params, "to")
    if since is not None and until is not None and since > until:
        raise InputError("Parameter 'from' is after 'to'. Swap them.")
    days = P.integer(params, "days", None, 1, 36600)
    if since is None and newest is not None and (days or window):
        since = newest - timedelta(days=days or DEFAULT_DAYS)
    minimum = amount(params, "min")
    if minimum is not None and minimum < 0:
        minimum = -minimum
    kind = P.choice(params, "kind", KINDS, KINDS[0]) if params.get("kind") else None
    return NewsScope(
        since=since,
        until=until,
        min_usd=minimum or None,
        include_zero=params.get("include_zero") in ("1", "true", "yes", "on"),
        agency=P.agency(params),
        category=fixed.pop("category", None) or P.identifier(params, "category"),
        kind=kind,
        **fixed,
    )


def label_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        r["category_label"] = category_label(r["category"])
        r["vendor_name"] = r["vendor_name"] or r["recipient_name"]
    return rows


def feed_query(params: Mapping[str, str]) -> str:
    """The page's filters as the feed's query string (no page, no size)."""
    from urllib.parse import urlencode

    kept = {k: params[k] for k in (*FEED_PARAMS, "kind") if params.get(k)}
    return ("?" + urlencode(kept)) if kept else ""


def whats_new(ctx: Ctx) -> View:
    view = View("news.html", "What's new", notices=build_notices(ctx.reader))
    r = ctx.reader
    stated = definition(r, ctx.params)  # components=include counts components
    view.data["definition"] = stated.to_dict()
    view.data["feed_url"] = "/feeds/new.atom" + feed_query(ctx.params)
    view.data["thresholds"] = THRESHOLDS
    view.data["kinds"] = KINDS
    if not r.has("serve_action"):
        return view
    page, size = P.page(ctx.params)
    store_agency(ctx)  # an agency the store lacks: a 400 naming those it holds
    rows = lambda sql, params: r.rows(sql, params)  # noqa: E731
    newest = newest_action_date(rows)
    scope = news_scope(ctx.params, newest, window=True)
    news = latest_actions(
        rows,
        scope,
        stated,
        limit=size,
        offset=(page - 1) * size,
        newest=newest,
    )
    view.data.update(news.as_dict())
    view.data.update(
        {
            "page": page,
            "size": size,
            "pages": max(1, -(-news.total // size)),
            "chosen": {k: ctx.params.get(k) for k in (*FEED_PARAMS, "kind")},
        }
    )
    view.tables["actions"] = Table(
        ACTION_COLUMNS,
        label_rows(news.actions),
        "Latest actions, newest first (by the date each was signed)",
        money=("obligation_usd", "award_obligation_usd"),
        links=ACTION_LINKS,
    )
    return view
