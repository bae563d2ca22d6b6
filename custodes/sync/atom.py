"""An Atom feed of watch matches, for the web app to serve at /feeds/watch.atom.

    from custodes.sync.atom import build_atom_feed
    xml_text = build_atom_feed(store, base_url="https://custodes.example.org")

One entry per (watch, award) with news in the runs covered; the entry id is stable for
a given watch, award and ingest run, so feed readers show each change once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from custodes.store.duckdb import Store
from custodes.sync.digest import _what, build_digest

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(value: Any) -> str:
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        when = datetime.now(UTC)
    return when.isoformat(timespec="seconds")


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
) -> str:
    """The feed as XML text. `since` is a run number or date; default the last
    `days` days."""
    if since is None:
        since = (datetime.now().date() - timedelta(days=days)).isoformat()
    digest = build_digest(store, since=since, limit=limit)
    times = _run_times(store, digest["runs"])
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    base = base_url.rstrip("/")

    def sub(
        parent: ET.Element, tag: str, text: str | None = None, **attrs: str
    ) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    sub(feed, "id", f"{base}/feeds/watch.atom")
    sub(feed, "title", title)
    sub(feed, "link", rel="self", href=f"{base}/feeds/watch.atom")
    sub(sub(feed, "author"), "name", "custodes")
    newest = max(times.values(), default=None)
    sub(feed, "updated", _stamp(newest))
    for w in digest["watches"]:
        for a in w["awards"]:
            entry = sub(feed, "entry")
            sub(
                entry,
                "id",
                f"{base}/watch/{w['watch_id']}/award/{a['award_key']}"
                f"/run/{a['run_id']}",
            )
            sub(
                entry,
                "title",
                f"[{w['kind']}: {w['value']}] {a['change']}: "
                f"{a['recipient_name'] or '?'} — {a['award_key']}",
            )
            sub(entry, "updated", _stamp(times.get(int(a["run_id"]))))
            if a["url"]:
                sub(entry, "link", rel="alternate", href=a["url"])
            note = f" Note: {w['note']}." if w["note"] else ""
            sub(
                entry,
                "summary",
                f"{_what(a)}; {a['agency'] or '?'}; actions "
                f"{a['first_action']} to {a['last_action']}. "
                f"{(a['description'] or '').strip()[:300]}{note}",
            )
            sub(entry, "category", term=w["kind"], label=w["value"])
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"
