"""A small data web for the web app's data-web pages: every page has something to show
(a flow with a hop and a reseller, an ended flow, a lapsed status, citations of every
kind, one without an address, an award in the fixture store), so the tests that guard
those pages fail instead of skipping when the pages break. Institutions only."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import yaml

from custodes.dataweb.loader import default_data_dir

AS_OF = date(2026, 6, 1)  # the day the tests' pages give statuses for
CLEARVIEW = "CONT_AWD_70CMSD21P00000127_7012_-NONE-_-NONE-"  # in the fixture store
TITLE_WITH_MARKUP = "Audit <b>of</b> the subscription & its <script>x</script> notes"

FILES: dict[str, list[dict]] = {
    "organisations.yaml": [
        {
            "id": "org.agency",
            "name": "Example Department",
            "kind": "agency",
            "summary": "A federal department.",
            "sources": ["src.order"],
        },
        {
            "id": "org.comp",
            "name": "Example Enforcement Office",
            "kind": "component",
            "parent": "org.agency",
            "summary": "Part of the department.",
            "sources": ["src.order"],
        },
        {
            "id": "org.broker",
            "name": "Records Broker LLC",
            "kind": "data_broker",
            "summary": "Sells records searches.",
            "sources": ["src.report"],
        },
        {
            "id": "org.reseller",
            "name": "Licence Reseller Inc.",
            "kind": "vendor",
            "summary": "Resells software licences to agencies.",
            "sources": ["src.report"],
        },
    ],
    "systems.yaml": [
        {
            "id": "sys.search",
            "name": "Broker Search",
            "operator": "org.broker",
            "vendors": ["org.broker"],
            "category": "data_brokers",
            "since": "2024-01",
            "status": "active",
            "summary": "The broker's records search.",
            "sources": ["src.report", "src.copy"],
        },
        {
            "id": "sys.case",
            "name": "Case System",
            "operator": "org.comp",
            "category": "case_management_analytics",
            "since": "2024-01",
            "evidence_until": "2026-02",
            "status": "active",
            "summary": "Case management; the subscription behind it ran to 2026-02.",
            "sources": ["src.copy", "src.report", "src.release", "src.order"],
        },
    ],
    "data_sources.yaml": [
        {
            "id": "ds.records",
            "name": "Broker records",
            "holder": "org.broker",
            "data_categories": ["address", "vehicle"],
            "summary": "Aggregated records.",
            "sources": ["src.report"],
        },
    ],
    "flows.yaml": [
        {
            "id": "flow.records_to_case",
            "from": "ds.records",
            "to": "sys.case",
            "hops": ["sys.search"],
            "facilitators": [{"id": "org.reseller", "role": "reseller"}],
            "agreement": "con.sub",
            "data_categories": ["address"],
            "since": "2024-01",
            "status": "active",
            "summary": "Broker records reach the case system through its search.",
            "sources": ["src.copy", "src.report", "src.order"],
        },
        {
            "id": "flow.case_to_agency",
            "from": "sys.case",
            "to": "org.agency",
            "hops": [],
            "data_categories": ["address", "identity"],
            "since": "2024",
            "until": "2025",
            "status": "ended",
            "summary": "Case data shared upward, until 2025.",
            "sources": ["src.report"],
        },
    ],
    "agreements.yaml": [
        {
            "id": "con.sub",
            "kind": "contract",
            "vendor": "org.reseller",
            "agency": "org.comp",
            "amount_usd": 1000,
            "amount_parts": [
                {"label": "base year", "amount_usd": 600},
                {"label": "option year", "amount_usd": 400},
            ],
            "date": "2024-01-15",
            "evidence_until": "2026-02",
            "status": "active",
            "summary": "Records subscription bought through a reseller.",
            "sources": ["src.order"],
        },
    ],
    "figures.yaml": [
        {
            "id": "fig.count",
            "value": 10,
            "unit": "searches",
            "stated_as": "reported",
            "measured_by": "Test audit",
            # two targets: two `describes` edges from one figure, which need ids
            # of their own in the explorer
            "relates_to": ["flow.records_to_case", "sys.search"],
            "summary": "Searches counted.",
            "sources": ["src.seed"],
        },
    ],
    "funding.yaml": [
        {
            "id": "fund.case",
            "system": "sys.case",
            "award_key": CLEARVIEW,
            "basis": "The order names the case system.",
            "sources": ["src.order"],
        },
    ],
    "sources.yaml": [
        {
            "id": "src.order",
            "publisher": "Example Court",
            "title": "Order on the records subscription",
            "date": "2025-12-01",
            "kind": "primary_document",
            "url": "https://example.org/order",
        },
        {
            "id": "src.release",
            "publisher": "Example Department",
            "title": "Press release on the case system",
            "date": "2025-11",
            "kind": "official_statement",
            "url": "https://example.org/release",
        },
        {
            "id": "src.report",
            "publisher": "Example Gazette",
            "title": "How the office searches records",
            "date": "2025-10-01",
            "kind": "reporting",
            "url": "https://example.org/report",
        },
        {
            "id": "src.copy",
            "publisher": "Example Gazette (copy on a blog)",
            "title": TITLE_WITH_MARKUP,
            "date": "2025-09",
            "kind": "mirror",
            "no_url": "the original's address was not captured",
            "read_via": "https://example.org/copy",
        },
        {
            "id": "src.seed",
            "publisher": "Unidentified publication",
            "title": "Seed article",
            "date": "2025",
            "kind": "reporting",
            "no_url": "received as a text file without its address",
        },
    ],
}


def write_fixture_dataweb(folder: Path) -> Path:
    """The fixture data web in `folder`, with the shipped vocabulary."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(default_data_dir() / "vocabulary.yaml", folder / "vocabulary.yaml")
    for name, entries in FILES.items():
        (folder / name).write_text(yaml.safe_dump(entries, sort_keys=False))
    return folder
