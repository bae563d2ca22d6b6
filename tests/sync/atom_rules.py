"""The rules of RFC 4287 (the Atom Syndication Format) that a parser such as feedparser
does not enforce, checked on a feed's XML: what every feed the project serves must
satisfy besides parsing.

    atom_problems(xml) -> list of problems (empty: the feed follows these rules)

Checked: the root is atom:feed; the feed and each entry have exactly one atom:id (an
absolute IRI), atom:title and atom:updated (an RFC 3339 date-time, section 3.3); an
atom:author on the feed or on every entry (4.1.1); each atom:link has an href, and no
two alternate links share a type and hreflang (4.1.1, 4.1.2); each entry has one
atom:summary or atom:content (4.1.2 requires a summary in most cases; a feed reader
shows it); entry ids are unique within the feed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

ATOM = "{http://www.w3.org/2005/Atom}"
# RFC 3339 date-time (section 3.3 of RFC 4287: an uppercase T and Z, a time offset)
DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)


def _one(parent: ET.Element, name: str, where: str, problems: list[str]) -> None:
    found = parent.findall(ATOM + name)
    if len(found) != 1:
        problems.append(f"{where}: {len(found)} atom:{name} (exactly one required)")


def _common(el: ET.Element, where: str, problems: list[str]) -> None:
    for name in ("id", "title", "updated"):
        _one(el, name, where, problems)
    for found in el.findall(ATOM + "id"):
        parts = urlsplit((found.text or "").strip())
        if not parts.scheme or not (parts.netloc or parts.path):
            problems.append(f"{where}: atom:id {found.text!r} is not an absolute IRI")
    for found in el.findall(ATOM + "updated") + el.findall(ATOM + "published"):
        if not DATE_TIME.match((found.text or "").strip()):
            problems.append(
                f"{where}: {found.tag.removeprefix(ATOM)} {found.text!r} is not an "
                "RFC 3339 date-time"
            )
    alternates: set[tuple[str, str]] = set()
    for link in el.findall(ATOM + "link"):
        if not link.get("href"):
            problems.append(f"{where}: an atom:link without href")
        if link.get("rel", "alternate") == "alternate":
            key = (link.get("type", ""), link.get("hreflang", ""))
            if key in alternates:
                problems.append(
                    f"{where}: two alternate links with type {key[0]!r} and "
                    f"hreflang {key[1]!r}"
                )
            alternates.add(key)


def atom_problems(xml: str | bytes) -> list[str]:
    """What in XML breaks the rules above (an empty list when nothing does)."""
    root = ET.fromstring(xml.encode() if isinstance(xml, str) else xml)
    if root.tag != ATOM + "feed":
        return [f"the root element is {root.tag}, not atom:feed"]
    problems: list[str] = []
    _common(root, "feed", problems)
    feed_author = bool(root.findall(ATOM + "author"))
    seen: set[str] = set()
    for n, entry in enumerate(root.findall(ATOM + "entry"), 1):
        where = f"entry {n}"
        _common(entry, where, problems)
        if not feed_author and not entry.findall(ATOM + "author"):
            problems.append(f"{where}: no atom:author, and the feed has none")
        summaries = entry.findall(ATOM + "summary")
        contents = entry.findall(ATOM + "content")
        if len(summaries) > 1 or len(contents) > 1:
            problems.append(f"{where}: more than one atom:summary or atom:content")
        if not summaries and not contents:
            problems.append(f"{where}: neither atom:summary nor atom:content")
        for found in entry.findall(ATOM + "id"):
            if found.text in seen:
                problems.append(f"{where}: atom:id {found.text!r} repeats")
            seen.add(found.text or "")
    return problems
