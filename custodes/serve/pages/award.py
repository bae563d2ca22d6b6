"""One award: its transactions over time, its classification and the evidence."""

from __future__ import annotations

import json
from typing import Any

from custodes import sources
from custodes.errors import NotFound
from custodes.figures import components
from custodes.figures.contracts import CONTRACT_ROWS_SQL, award_contract
from custodes.figures.recipients import WITHHELD
from custodes.figures.review import REVIEWED_METHODS
from custodes.search.numbers import Found, find_awards
from custodes.serve import params as P
from custodes.serve.charts import build_timeline_chart
from custodes.serve.pages import Ctx, build_notices, category_label, definition
from custodes.serve.views import Table, View

TRANSACTIONS_SQL = """
    SELECT transaction_key, action_date, fiscal_year, modification_number, action_type,
           obligation_usd, description, source_file, source_line, source_format,
           parent_award_piid
    FROM "transaction" WHERE award_key = ? ORDER BY action_date, modification_number
    LIMIT 1000"""


# each transaction with the vendor it was paid to (an award that changed hands:
# each vendor's own transactions; a natural person's under no vendor)
SERVE_TRANSACTIONS_SQL = """
    SELECT transaction_key, action_date, fiscal_year, modification_number, action_type,
           obligation_usd, description, source_file, source_line, source_format,
           parent_award_piid, vendor_id, vendor_name
    FROM serve_transaction WHERE award_id = ? ORDER BY action_date, modification_number
    LIMIT 1000"""


# Every vendor paid on the award, with its own part (serve_vendor_award: each
# transaction under its own vendor; a natural person's part under no vendor).
PAYEES_SQL = """
    SELECT vendor_id, min(vendor_name) AS vendor_name,
           sum(obligation_usd) AS obligation_usd, sum(transactions) AS transactions,
           min(fiscal_year) AS first_fiscal_year, max(fiscal_year) AS last_fiscal_year
    FROM serve_vendor_award WHERE award_id = ?
    GROUP BY 1 ORDER BY obligation_usd DESC, vendor_id NULLS LAST"""


def parse_evidence(raw: Any) -> list[dict[str, Any]]:
    """classification.evidence is a JSON list of {signal, rule, text, weight, category};
    a vendor-profile item (signal `profile`) also has the product `line` it rests on and
    its `sources`, and is marked as weaker evidence."""
    if raw is None:
        return []
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        return [{"signal": "text", "rule": "", "text": str(raw)}]
    if isinstance(items, dict):
        items = [items]
    return [
        {
            "signal": str(i.get("signal", "")),
            "rule": str(i.get("rule", "")),
            "text": str(i.get("text", "")),
            "category": str(i.get("category") or ""),
            "weight": i.get("weight"),
            "strength": "weaker: who sold it (vendor profile)"
            if i.get("signal") == "profile"
            else "",
            "line": str(i.get("line") or ""),
            "sources": " ".join(str(u) for u in i.get("sources") or []),
        }
        if isinstance(i, dict)
        else {"signal": "", "rule": "", "text": str(i)}
        for i in items or []
    ]


def public_source(name: Any) -> str | None:
    """What a page says a transaction came from: a URL (sync's API query, a bulk
    download) as it is, a local file by its name only, so that no page shows where on
    the server the operator kept the files it ingested."""
    if name is None:
        return None
    text = str(name)
    if "://" in text:
        return text
    return text.replace("\\", "/").rsplit("/", 1)[-1]


def award(ctx: Ctx, key: str) -> View:
    key = P.path_id(key, "award")
    if not ctx.reader.has("serve_award"):
        return View("award.html", key, notices=build_notices(ctx.reader))
    head = ctx.reader.one(
        "SELECT * EXCLUDE (search_text) FROM serve_award WHERE award_key = ?", [key]
    )
    if head is None:
        # a PIID or a parent vehicle: its one award, or the list of its awards
        found = find_awards(ctx.reader, key)
        if len(found.awards) != 1 or found.kind == "vehicle":
            return award_choices(ctx, key, found)
        key = found.awards[0]["award_key"]
        head = ctx.reader.one(
            "SELECT * EXCLUDE (search_text) FROM serve_award WHERE award_key = ?",
            [key],
        )
        assert head is not None
    head["category_label"] = category_label(head["category"])
    view = View(
        "award.html", f"Award {head['piid'] or key}", notices=build_notices(ctx.reader)
    )
    txs = (
        ctx.reader.rows(SERVE_TRANSACTIONS_SQL, [head["award_id"]])
        if ctx.reader.has("serve_transaction")
        else ctx.reader.rows(TRANSACTIONS_SQL, [key])
    )
    for t in txs:
        t["source_file"] = public_source(t.get("source_file"))
    payees: list[dict[str, Any]] = []
    if ctx.reader.has("serve_vendor_award"):
        for t in txs:
            t["vendor_name"] = t["vendor_name"] if t.get("vendor_id") else WITHHELD
        payees = ctx.reader.rows(PAYEES_SQL, [head["award_id"]])
        for p in payees:
            p["vendor_name"] = p["vendor_name"] if p["vendor_id"] else WITHHELD
    evidence: list[dict[str, Any]] = []
    component_evidence: list[dict[str, Any]] = []
    classification = None
    if ctx.reader.has("classification"):
        classification = ctx.reader.one(
            f"SELECT category, confidence, evidence, maker, method, taxonomy_version, "
            f"rules_version, {components.component_columns_sql(ctx.reader.rows)} "
            "FROM classification c WHERE award_key = ?",
            [key],
        )
        if classification:
            evidence = parse_evidence(classification.pop("evidence"))
            component_evidence = parse_evidence(
                classification.pop("component_evidence")
            )
            classification["category_label"] = category_label(
                classification["category"]
            )
            classification["reviewed"] = classification["method"] in REVIEWED_METHODS
            counted = definition(ctx.reader, ctx.params)
            classification["counted"] = counted.counts(
                classification["category"], classification["component_category"]
            )
    makers = (
        ctx.reader.rows(
            "SELECT maker, maker_vendor_id, product_id, evidence FROM "
            "award_maker WHERE award_key = ? ORDER BY maker",
            [key],
        )
        if ctx.reader.has("award_maker")
        else []
    )
    contract = award_contract(
        ctx.reader.rows(CONTRACT_ROWS_SQL, [head["award_id"]])
        if ctx.reader.has("serve_contract_action")
        else [],
        max(
            (t["parent_award_piid"] for t in txs if t["parent_award_piid"]),
            default=None,
        ),
        {t["source_format"] for t in txs if t.get("source_format")},
    )
    details = contract["details"]
    view.data = {
        "award": head,
        "classification": classification,
        "definition": definition(ctx.reader, ctx.params).to_dict(),
        "usaspending_url": sources.record_url(key),
        "contract": contract,
        "chart": build_timeline_chart(
            "chart-timeline",
            "Modification timeline: running total of net obligations",
            [
                (
                    t["action_date"],
                    f"mod {t['modification_number'] or '0'}",
                    t["obligation_usd"],
                )
                for t in txs
                if t["action_date"] is not None
            ],
            ceiling=contract["ceiling_steps"],
            period={
                "start": details["period_start_date"],
                "current_end": details["period_current_end_date"],
                "potential_end": details["period_potential_end_date"],
            },
        ),
    }
    view.tables = {
        "transactions": Table(
            [
                ("action_date", "Action date"),
                ("fiscal_year", "FY"),
                ("modification_number", "Modification"),
                ("action_type", "Action type"),
                ("obligation_usd", "Obligation"),
                ("description", "Description"),
                ("source_file", "Source file"),
                ("source_line", "Line"),
                ("vendor_name", "Paid to"),
            ],
            txs,
            "Transaction timeline",
            money=("obligation_usd",),
            links={"vendor_name": "/vendor/{vendor_id}"},
        ),
        "payees": Table(
            [
                ("vendor_name", "Vendor"),
                ("obligation_usd", "Paid on this award"),
                ("transactions", "Transactions"),
                ("first_fiscal_year", "From FY"),
                ("last_fiscal_year", "To FY"),
            ],
            payees,
            "Who was paid on this award: each vendor's own transactions (the vendor "
            "above is the one of its latest action)",
            money=("obligation_usd",),
            links={"vendor_name": "/vendor/{vendor_id}"},
        ),
        "evidence": Table(
            [
                ("signal", "Signal"),
                ("rule", "Rule"),
                ("text", "Matched text"),
                ("category", "Votes for"),
                ("weight", "Weight"),
                ("strength", "Strength"),
                ("line", "Vendor profile: what it sells"),
                ("sources", "Profile sources"),
            ],
            evidence,
            "Classification evidence",
        ),
        "component_evidence": Table(
            [("signal", "Signal"), ("rule", "Rule"), ("text", "Matched text")],
            component_evidence,
            "Evidence for the surveillance component inside the larger purchase",
        ),
        "makers": Table(
            [
                ("maker", "Maker"),
                ("product_id", "Product"),
                ("evidence", "Matched text"),
            ],
            makers,
            "Makers named in the descriptions",
            links={"maker": "/vendor/{maker_vendor_id}"},
        ),
    }
    if ctx.dataweb.available:
        view.tables["systems"] = Table(
            [("target", "System"), ("label", "Relation"), ("sources", "Sources")],
            funded_systems(ctx, key, head["piid"]),
            "Data-web systems this award funds",
            links={"target": "/dataweb/node/{target}"},
        )
    return view


def award_choices(ctx: Ctx, number: str, found: Found) -> View:
    """The awards that share a PIID, or the orders under a contract vehicle; 404 when
    the number names no award."""
    if not found.awards:
        raise NotFound(
            f"No award {number!r} in this store: neither an award key, a PIID nor "
            f"a parent contract vehicle. Search for it at /search?q={found.number}"
        )
    what = {
        "piid": f"Awards with PIID {found.number}",
        "vehicle": f"Orders under contract vehicle {found.number}",
    }[found.kind]
    view = View("award_choices.html", what, notices=build_notices(ctx.reader))
    for r in found.awards:
        r["category_label"] = category_label(r["category"])
    view.data = {
        "number": found.number,
        "kind": found.kind,
        "awards": len(found.awards),
    }
    view.tables["awards"] = Table(
        [
            ("award_key", "Award"),
            ("piid", "PIID"),
            ("agency_name", "Agency"),
            ("vendor_name", "Vendor"),
            ("category_label", "Category"),
            ("description", "Description"),
            ("first_action_date", "First action"),
            ("last_action_date", "Last action"),
            ("obligation_usd", "Obligations"),
        ],
        found.awards,
        f"{what}, largest first",
        money=("obligation_usd",),
        links={
            "award_key": "/award/{award_key}",
            "vendor_name": "/vendor/{vendor_id}",
        },
    )
    return view


def funded_systems(ctx: Ctx, key: str, piid: str | None) -> list[dict[str, Any]]:
    """Edges of the data web that start at this award (curated funding entries)."""
    ids = {f"award:{key}"} | ({f"award:{piid}"} if piid else set())
    return [
        {
            "target": e["target"],
            "label": e["label"],
            "sources": "; ".join(s["title"] for s in e["sources"]),
        }
        for e in ctx.dataweb.graph()["edges"]
        if e["source"] in ids
    ]
