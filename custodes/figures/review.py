"""The review queue and the reviewed share: where a person should look first, and how
much of a figure a person has looked at.

**Dollars at risk.** A wrong label moves an award's whole net obligations in scope
into or out of a figure. The queue ranks awards by

    at_risk_usd = |net obligations in scope| x uncertainty
    uncertainty = min(1, (1 - confidence)
                         + 0.25 if the award buys a surveillance component inside a
                           larger purchase (component_category: counted or not by a
                           judgement on what the dominant purchase is)
                         + 0.25 if signals conflict (two categories, or a category
                           that a negative rule cancelled)
                         + 0.25 if the label rests only on who sold it
                           (profile_only: vendor knowledge, no text))

`confidence` is classify's (docs/classify.md: how a decision is made); an award
classify has not labelled yet counts as fully uncertain. Awards a person has decided
(a review decision or a curated override: classification.method `review` or
`override`) leave the queue. `queue_sql` reads the store (the command line);
`serve_queue_sql` the web app's serve_award tables; both rank the same way.

**Reviewed share.** Of a figure's net obligations, the part whose award a person has
decided: `reviewed_usd` beside `obligation_usd`, and `reviewed_share` (None when the
figure is not positive). `share` computes it; the derived tables carry `reviewed`
per award (serve_award, analyse_frame) and `reviewed_usd` per row (serve_spending).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from custodes.console import money
from custodes.figures.definition import UNCLASSIFIED
from custodes.figures.recipients import recipient_name_sql, withheld_sql

FLAG_WEIGHT = 0.25
REVIEWED_METHODS = ("override", "review")
DEFAULT_LIMIT = 20


def uncertainty_sql(a: str = "a") -> str:
    """SQL: the uncertainty of an award's label, from its classification columns
    (alias A: confidence, component_category, conflict, profile_only)."""
    w = FLAG_WEIGHT
    return (
        f"least(1.0, (1 - coalesce({a}.confidence, 0)) "
        f"+ CASE WHEN {a}.component_category IS NOT NULL THEN {w} ELSE 0 END "
        f"+ CASE WHEN coalesce({a}.conflict, false) THEN {w} ELSE 0 END "
        f"+ CASE WHEN coalesce({a}.profile_only, false) THEN {w} ELSE 0 END)"
    )


def reviewed_sql(method: str = "c.method") -> str:
    """SQL: true when a person decided the award's label."""
    listed = ", ".join(f"'{m}'" for m in REVIEWED_METHODS)
    return f"coalesce({method} IN ({listed}), false)"


def reasons(row: dict[str, Any]) -> list[str]:
    """Why an award is uncertain, in words (the queue's `why` column)."""
    out = []
    if row.get("category") is None or row.get("confidence") is None:
        out.append("not classified yet")
    else:
        out.append(f"confidence {row['confidence']:.2f}")
    if row.get("component_category"):
        out.append(f"buys a {row['component_category']} component inside a larger "
                   "purchase")  # fmt: skip
    if row.get("conflict"):
        out.append("conflicting signals")
    if row.get("profile_only"):
        out.append("rests only on who sold it (vendor profile)")
    return out


def _scope(
    agencies: tuple[str, ...], fy_from: int | None, fy_to: int | None, t: str
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if agencies:
        where.append(
            f"{t}.awarding_sub_agency_code IN ({', '.join('?' for _ in agencies)})"
        )
        params += list(agencies)
    if fy_from is not None:
        where.append(f"{t}.fiscal_year >= ?")
        params.append(fy_from)
    if fy_to is not None:
        where.append(f"{t}.fiscal_year <= ?")
        params.append(fy_to)
    return where, params


def _category(category: str | None) -> tuple[str, list[Any]]:
    if not category:
        return "", []
    return (
        f" AND (coalesce(q.category, '{UNCLASSIFIED}') = ? "
        "OR q.component_category = ?)",
        [category, category],
    )


def queue_sql(
    agencies: tuple[str, ...] = (),
    fy_from: int | None = None,
    fy_to: int | None = None,
    category: str | None = None,
    limit: int | None = DEFAULT_LIMIT,
    include_reviewed: bool = False,
    has_classification: bool = True,
) -> tuple[str, list[Any]]:
    """The queue over the store: every award with transactions in scope (AGENCIES,
    fiscal years), of CATEGORY (its category or component) if given, by dollars at
    risk, largest first; reviewed awards only with INCLUDE_REVIEWED. An agency is
    named as every page names it (`agency_name_sql`: custodes/data/agencies.yaml's
    name for its code), not as its rows spell it."""
    from custodes.figures.serve_tables import agency_name_sql

    where, params = _scope(agencies, fy_from, fy_to, "t")
    cond = f"WHERE {' AND '.join(where)}" if where else ""
    labels = (
        "SELECT award_key, category, confidence, component_category, conflict, "
        "profile_only, method, evidence FROM classification"
        if has_classification
        else "SELECT NULL::VARCHAR AS award_key, NULL::VARCHAR AS category, "
        "NULL::DOUBLE AS confidence, NULL::VARCHAR AS component_category, "
        "NULL::BOOLEAN AS conflict, NULL::BOOLEAN AS profile_only, "
        "NULL::VARCHAR AS method, NULL::VARCHAR AS evidence WHERE false"
    )
    longest = "lpad(length(t.description)::VARCHAR, 10, '0') || t.description"
    latest = "t.action_date::VARCHAR || ' ' || t.transaction_key"
    cat_sql, cat_params = _category(category)
    sql = f"""
    WITH m AS (
        SELECT t.award_key, any_value(t.piid) AS piid,
               any_value(t.awarding_sub_agency_code) AS agency_code,
               {
        agency_name_sql(
            "any_value(t.awarding_sub_agency_code)",
            "any_value(t.awarding_sub_agency_name)",
        )
    } AS agency_name,
               arg_max({recipient_name_sql("t")}, {latest}) AS recipient_name,
               bool_or({withheld_sql("t")}) AS individual,
               left(arg_max(t.description, {longest}), 300) AS description,
               min(t.fiscal_year) AS first_fiscal_year,
               max(t.fiscal_year) AS last_fiscal_year,
               sum(t.obligation_usd) AS obligation_usd
        FROM "transaction" t {cond} GROUP BY t.award_key),
    q AS (
        SELECT m.*, c.category, c.confidence, c.component_category, c.conflict,
               c.profile_only, c.method, c.evidence,
               {reviewed_sql("c.method")} AS reviewed,
               {uncertainty_sql("c")} AS uncertainty
        FROM m LEFT JOIN ({labels}) c USING (award_key))
    SELECT q.* EXCLUDE (uncertainty, individual, evidence),
           round(q.uncertainty, 4) AS uncertainty,
           CASE WHEN q.individual THEN NULL ELSE q.evidence END AS evidence,
           (abs(q.obligation_usd) * q.uncertainty)::DECIMAL(18, 2) AS at_risk_usd
    FROM q WHERE (? OR NOT q.reviewed){cat_sql}
    ORDER BY at_risk_usd DESC NULLS LAST, q.award_key"""
    params = [*params, include_reviewed, *cat_params]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return sql, params


def serve_queue_sql(
    agency: str | None = None,
    fy_from: int | None = None,
    fy_to: int | None = None,
    category: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> tuple[str, list[Any]]:
    """The same queue over the web app's tables (serve_award, serve_award_year):
    read-only, withheld names already withheld there."""
    where: list[str] = []
    params: list[Any] = []
    if fy_from is not None:
        where.append("fiscal_year >= ?")
        params.append(fy_from)
    if fy_to is not None:
        where.append("fiscal_year <= ?")
        params.append(fy_to)
    cond = f"WHERE {' AND '.join(where)}" if where else ""
    agency_sql = " AND q.agency_code = ?" if agency else ""
    cat_sql, cat_params = _category(category)
    sql = f"""
    WITH m AS (SELECT award_key, sum(obligation_usd) AS obligation_usd
               FROM serve_award_year {cond} GROUP BY award_key),
    q AS (
        SELECT a.award_key, a.piid, a.agency_code, a.agency_name, a.recipient_name,
               a.vendor_id, a.vendor_name, a.description, a.category, a.confidence,
               a.component_category, a.conflict, a.profile_only, a.reviewed,
               m.obligation_usd, {uncertainty_sql("a")} AS uncertainty
        FROM m JOIN serve_award a USING (award_key))
    SELECT q.* EXCLUDE (uncertainty), round(q.uncertainty, 4) AS uncertainty,
           (abs(q.obligation_usd) * q.uncertainty)::DECIMAL(18, 2) AS at_risk_usd
    FROM q WHERE NOT q.reviewed{agency_sql}{cat_sql}
    ORDER BY at_risk_usd DESC NULLS LAST, q.award_key LIMIT ? OFFSET ?"""
    params += ([agency] if agency else []) + cat_params + [int(limit), int(offset)]
    return sql, params


def share(obligation_usd: Decimal | None, reviewed_usd: Decimal | None) -> float | None:
    """The reviewed share of a figure: None when the figure is not positive, or when
    the reviewed part is no part of it (negative, or more than the whole: reviewed
    awards deobligated in the scope, or other awards' deobligations)."""
    total = Decimal(obligation_usd or 0)
    done = Decimal(reviewed_usd or 0)
    if total <= 0 or done < 0 or done > total:
        return None
    return round(float(done / total), 4)


def line(obligation_usd: Decimal | None, reviewed_usd: Decimal | None) -> str:
    """The sentence every figure carries about review."""
    part = share(obligation_usd, reviewed_usd)
    total = Decimal(obligation_usd or 0)
    done = Decimal(reviewed_usd or 0)
    if part is None:
        if total > 0 and done != 0:
            return (
                f"Reviewed by a person: awards netting {money(done)} here, of "
                f"{money(total)} in all (net amounts: deobligations make this no "
                "share of these dollars)."
            )
        return f"Reviewed by a person: {money(done)} of these dollars."
    return (
        f"Reviewed by a person: {100 * part:.1f}% of these dollars ({money(done)} of "
        f"{money(total)}); the rest rests on the rules alone."
    )
