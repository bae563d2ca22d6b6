"""The review queue, read-only: the awards where a wrong label would move the most
money, and the decisions people have recorded (on the command line: the web app
never writes)."""

from __future__ import annotations

from typing import Any

from custodes.figures import review
from custodes.serve import params as P
from custodes.serve.pages import (
    Ctx,
    build_notices,
    category_label,
    definition,
    store_agency,
    store_fiscal_year,
)
from custodes.serve.views import Table, View

DECISIONS_SQL = """
    SELECT d.decided_at, d.award_key, d.decision, d.label, d.was_category, d.note,
           d.decision_id
    FROM review_decision d
    QUALIFY row_number() OVER (PARTITION BY d.award_key
                               ORDER BY d.decision_id DESC) = 1
    ORDER BY d.decision_id DESC LIMIT 50"""


def review_page(ctx: Ctx) -> View:
    r = ctx.reader
    agency = store_agency(ctx)
    fy = store_fiscal_year(ctx)
    category = P.identifier(ctx.params, "category")
    page, size = P.page(ctx.params)
    view = View("review.html", "Review queue", notices=build_notices(r))
    counted = definition(r, ctx.params)
    view.data = {
        "agency": agency,
        "fy": fy,
        "category": category,
        "page": page,
        "size": size,
        "formula": review.__doc__.split("**Reviewed share.**")[0].strip()
        if review.__doc__
        else "",
        "definition": counted.to_dict(),
        "writes": "Decisions are recorded on the command line: `custodes review "
        "accept AWARD --note ...` or `custodes review correct AWARD LABEL --note "
        "...`. This page only reads them.",
    }
    if not r.has("serve_award"):
        return view
    sql, params = review.serve_queue_sql(
        agency, fy, fy, category, size, (page - 1) * size
    )
    rows = r.rows(sql, params)
    for i, row in enumerate(rows, start=(page - 1) * size + 1):
        row["rank"] = i
        row["category_label"] = category_label(row["category"])
        row["why"] = "; ".join(review.reasons(row))
    view.tables["queue"] = Table(
        [
            ("rank", "#"),
            ("award_key", "Award"),
            ("agency_name", "Agency"),
            ("vendor_name", "Vendor"),
            ("category_label", "Category"),
            ("component_category", "Component"),
            ("confidence", "Confidence"),
            ("obligation_usd", "Net obligations"),
            ("at_risk_usd", "At risk"),
            ("why", "Why uncertain"),
        ],
        rows,
        f"Awards by dollars at risk (page {page})",
        money=("obligation_usd", "at_risk_usd"),
        links={
            "award_key": "/award/{award_key}",
            "vendor_name": "/vendor/{vendor_id}",
        },
    )
    decided: list[dict[str, Any]] = (
        r.rows(DECISIONS_SQL) if r.has("review_decision") else []
    )
    view.tables["decisions"] = Table(
        [
            ("decided_at", "Decided (UTC)"),
            ("award_key", "Award"),
            ("decision", "Decision"),
            ("was_category", "Was"),
            ("label", "Label"),
            ("note", "Why"),
        ],
        decided,
        "Latest review decisions (the reviewers' names stay in the store)",
        links={"award_key": "/award/{award_key}"},
    )
    return view
