"""The Atom writer (custodes/sync/atom.py): feedgen writes it, a real parser
(feedparser) reads it back, and text that XML cannot carry never breaks a feed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from custodes.sync.atom import AtomEntry, AtomFeed, render_atom
from tests.sync.atom_rules import atom_problems

feedparser = pytest.importorskip("feedparser")


def feed_of(*entries: AtomEntry) -> AtomFeed:
    return AtomFeed(
        id="https://example.org/feeds/new.atom",
        title="custodes — what's new",
        subtitle="What counts: surveillance categories.",
        self_url="https://example.org/feeds/new.atom",
        alternate_url="https://example.org/new",
        entries=list(entries),
    )


def entry(n: int, **kw: object) -> AtomEntry:
    base = {
        "id": f"https://example.org/award/A{n}#action-T{n}",
        "title": f"New award $1,000.00: VENDOR {n}",
        "updated": date(2024, 1, n),
        "summary": f"summary {n}",
        "link": f"https://example.org/award/A{n}",
    }
    return AtomEntry(**{**base, **kw})  # type: ignore[arg-type]


def test_a_feed_parses_as_atom_with_its_entries_in_order():
    xml = render_atom(
        feed_of(
            entry(3, related="https://www.usaspending.gov/award/A3"),
            entry(2, categories=[("face_recognition", "Face recognition")]),
            entry(1, published=datetime(2024, 1, 1, 12, tzinfo=UTC)),
        )
    )
    assert atom_problems(xml) == []
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "custodes — what's new"
    assert "What counts" in parsed.feed.subtitle
    assert [e.id for e in parsed.entries] == [
        f"https://example.org/award/A{n}#action-T{n}" for n in (3, 2, 1)
    ]
    assert [link.href for link in parsed.entries[0].links] == [
        "https://example.org/award/A3"
    ]  # one alternate link; the source record is named in the summary
    assert parsed.entries[0].summary.endswith(
        "Source record: https://www.usaspending.gov/award/A3"
    )
    assert parsed.entries[1].tags[0].term == "face_recognition"
    assert parsed.entries[2].updated.startswith("2024-01-01T00:00:00")
    # the feed is as new as its newest entry
    assert parsed.feed.updated.startswith("2024-01-03")
    self_link = [link for link in parsed.feed.links if link.rel == "self"]
    assert self_link[0].href == "https://example.org/feeds/new.atom"


def test_markup_and_characters_xml_cannot_carry_stay_text():
    nasty = "<script>alert(1)</script> & \x0b\x00 “quoted” PAYLOAD"
    xml = render_atom(feed_of(entry(1, title=nasty, summary=nasty)))
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert "<script>" not in xml  # escaped, never raw markup
    assert parsed.entries[0].title.startswith("<script>alert(1)</script> & ")
    assert "\x0b" not in parsed.entries[0].summary


def test_an_empty_feed_is_still_a_valid_feed():
    parsed = feedparser.parse(render_atom(feed_of()))
    assert not parsed.bozo and parsed.entries == []
    assert parsed.feed.updated  # now, when there is nothing newer


def test_the_rfc_4287_check_finds_what_breaks_a_feed():
    """atom_problems (tests/sync/atom_rules.py) checks what feedparser lets pass; each
    break below is one it must name, on a feed render_atom wrote."""
    good = render_atom(feed_of(entry(2), entry(1)))
    assert atom_problems(good) == []
    breaks = {
        "2 atom:id": ("<id>https://example.org/award/A1#action-T1</id>",
                      "<id>https://example.org/award/A1#action-T1</id><id>x:y</id>"),
        "not an RFC 3339 date-time": ("<updated>2024-01-02T00:00:00+00:00</updated>",
                                      "<updated>2 January 2024</updated>"),
        "two alternate links": ('<link href="https://example.org/award/A1"/>',
                                '<link href="https://example.org/award/A1"/>'
                                '<link href="https://example.org/A1b"/>'),
        "neither atom:summary": ("<summary>summary 1</summary>", ""),
        "repeats": ("award/A2#action-T2</id>", "award/A1#action-T1</id>"),
        "not an absolute IRI": ("<id>https://example.org/award/A1#action-T1</id>",
                                "<id>award A1</id>"),
    }  # fmt: skip
    for problem, (old, new) in breaks.items():
        assert old in good, old
        found = atom_problems(good.replace(old, new, 1))
        assert any(problem in p for p in found), (problem, found)
        assert not feedparser.parse(good.replace(old, new, 1)).bozo  # it lets it pass
