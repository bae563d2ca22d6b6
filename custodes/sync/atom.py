"""Atom feeds, written by a feed library (feedgen), never by hand.

`render_atom(AtomFeed)` writes any feed: the web app's feeds (what's new, a vendor, a
maker, a category, a saved search: custodes/serve/pages/feeds.py) and the watch feed
below. `build_atom_feed(store, ...)` is the feed of watch matches, served at
/feeds/watch.atom and printed by `custodes digest --format atom`:

    from custodes.sync.atom import build_atom_feed
    xml_text = build_atom_feed(store, base_url="https://custodes.example.org")

One entry per (watch, award) with news in the runs covered; the entry id is stable for
a given watch, award and ingest run, so feed readers show each change once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from custodes.store.duckdb import Store
from custodes.sync.digest import _what, build_digest

MEDIA_TYPE = "application/atom+xml; charset=utf-8"
# Characters XML 1.0 does not allow (a description can hold any of them).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class AtomEntry:
    id: str  # stable: a reader shows an entry once per id
    title: str
    updated: datetime | date | None
    summary: str
    link: str | None = None  # the entry's page (the award on custodes or the source)
    published: datetime | date | None = None
    categories: list[tuple[str, str]] = field(default_factory=list)  # (term, label)
    related: str | None = None  # the record at the source (named in the summary)


@dataclass
class AtomFeed:
    id: str  # the feed's own address
    title: str
    subtitle: str  # what the feed follows, its thresholds and the Definition
    self_url: str
    alternate_url: str | None = None  # the page the feed follows
    entries: list[AtomEntry] = field(default_factory=list)
    updated: datetime | date | None = None  # default: the newest entry's


def _with_source(summary: str, url: str | None) -> str:
    """The summary, then the record at the source as its last sentence."""
    text = summary.strip()
    if not url:
        return text
    end = "" if text.endswith((".", "!", "?")) or not text else "."
    return f"{text}{end} Source record: {url}"


def _clean(text: Any) -> str:
    return NOT_XML.sub("", str(text or ""))


def stamp(value: datetime | date | None) -> datetime:
    """An aware datetime for Atom (a date is that day at 00:00 UTC; None: now)."""
    if value is None:
        return datetime.now(UTC).replace(microsecond=0)
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def render_atom(feed: AtomFeed) -> str:
    """The feed as Atom 1.0 XML text (UTF-8), entries in the order given."""
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id(_clean(feed.id))
    fg.title(_clean(feed.title))
    fg.subtitle(_clean(feed.subtitle))
    fg.author({"name": "custodes"})
    fg.link(href=feed.self_url, rel="self", type="application/atom+xml")
    if feed.alternate_url:
        fg.link(href=feed.alternate_url, rel="alternate", type="text/html")
    fg.language("en")
    fg.generator("custodes")
    newest = max((stamp(e.updated) for e in feed.entries), default=None)
    fg.updated(
        stamp(feed.updated) if feed.updated is not None else newest or stamp(None)
    )
    for e in feed.entries:
        fe = fg.add_entry(order="append")
        fe.id(_clean(e.id))
        fe.title(_clean(e.title))
        fe.updated(stamp(e.updated))
        if e.published is not None:
            fe.published(stamp(e.published))
        fe.summary(_clean(_with_source(e.summary, e.related)))
        # One link per entry: feedgen 1.0 drops the rel and type of entry links, so
        # a second one would read as a second "alternate" (which Atom forbids); the
        # record at the source is named in the summary instead.
        if e.link:
            fe.link(href=e.link, rel="alternate", type="text/html")
        for term, label in e.categories:
            fe.category(term=_clean(term), label=_clean(label))
    return fg.atom_str(pretty=True, encoding="UTF-8").decode("utf-8")


def _run_times(store: Store, runs: list[int]) -> dict[int, Any]:
    if not runs:
        return {}
    rows = store.execute(
        "SELECT run_id, finished_at FROM ingest_run WHERE run_id IN "
        "(SELECT unnest(?::INTEGER[]))",
        [runs],
    )
    return {int(r[0]): r[1] for r in rows}


def build_atom_feed(
    store: Store,
    *,
    since: str | None = None,
    days: int = 90,
    base_url: str = "http://localhost:8000",
    limit: int = 50,
    title: str = "custodes: watched vendors, makers, categories and keywords",
    include_zero: bool = False,
) -> str:
    """The feed as XML text. `since` is a run number or date; default the last
    `days` days."""
    if since is None:
        since = (datetime.now().date() - timedelta(days=days)).isoformat()
    digest = build_digest(store, since=since, limit=limit, include_zero=include_zero)
    times = _run_times(store, digest["runs"])
    base = base_url.rstrip("/")
    feed = AtomFeed(
        id=f"{base}/feeds/watch.atom",
        title=title,
        subtitle=f"New and changed awards for each watch. What counts: "
        f"{digest['definition']['text']}",
        self_url=f"{base}/feeds/watch.atom",
        updated=max((v for v in times.values() if v), default=None),
    )
    for w in digest["watches"]:
        for a in w["awards"]:
            note = f" Note: {w['note']}." if w["note"] else ""
            feed.entries.append(
                AtomEntry(
                    id=f"{base}/watch/{w['watch_id']}/award/{a['award_key']}"
                    f"/run/{a['run_id']}",
                    title=f"[{w['kind']}: {w['value']}] {a['change']}: "
                    f"{a['recipient_name'] or '?'} — {a['award_key']}",
                    updated=times.get(int(a["run_id"])),
                    link=a["url"] or f"{base}/award/{a['award_key']}",
                    summary=f"{_what(a)}; {a['agency'] or '?'}; actions "
                    f"{a['first_action']} to {a['last_action']}"
                    f"{'; ' + a['channel'] if a.get('channel') else ''}. "
                    f"{(a['description'] or '').strip()[:300]}{note}",
                    categories=[(w["kind"], w["value"])],
                )
            )
    return render_atom(feed)
