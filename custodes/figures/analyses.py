"""The standard analyses, each written once as an Ibis expression over `build_frame`.

Sums stay DECIMAL end to end (cast to DECIMAL(38,2) so every engine returns the same
type); results come back as lists of dicts with `Decimal` money. Percentages are worked
out afterwards from the exact sums.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import ibis
from ibis import _

from custodes.errors import InputError, NotFound
from custodes.figures.definition import ALL_SPENDING
from custodes.figures.frame import (
    Dimension,
    Filters,
    award_count,
    build_frame,
    parse_dimensions,
    prepared_frame,
)
from custodes.figures.source import TableSource as Source

MONEY = "decimal(38, 2)"
CENT = Decimal("0.01")

EXPLAIN_COLUMNS = (
    "transaction_key",
    "award_key",
    "piid",
    "modification_number",
    "action_date",
    "fiscal_year",
    "kind",
    "obligation_usd",
    "recipient_name",
    "awarding_sub_agency_code",
    "description",
)


def fetch(expr: Any) -> list[dict[str, Any]]:
    """Run an Ibis expression; money as Decimal to the cent, whole numbers as int."""
    rows = expr.to_pyarrow().to_pylist()
    for row in rows:
        for k, v in row.items():
            if isinstance(v, Decimal):
                row[k] = v.quantize(CENT)
    return rows


def _sum(t: Any) -> Any:
    return t.obligation_usd.sum().cast(MONEY)


def _reviewed_sum(t: Any) -> Any:
    """Of the net obligations, those of awards a person decided (0 without a
    classification: nobody can have reviewed anything)."""
    if "reviewed" not in t.columns:
        return ibis.literal(Decimal("0.00")).cast(MONEY)
    return t.obligation_usd.sum(where=t.reviewed).fill_null(0).cast(MONEY)


def totals_expr(src: Source, dims: Sequence[Dimension], filters: Filters) -> Any:
    t = build_frame(src, filters, dims)
    keys = list(dict.fromkeys(d.key for d in dims))
    labels = {f"{d.name}_label": t[d.label].max() for d in dims if d.label != d.key}
    grouped = t.group_by(keys).aggregate(
        obligation_usd=_sum(t),
        transactions=t.count(),
        awards=award_count(src, t, dims, filters),
        **labels,
        reviewed_usd=_reviewed_sum(t),
    )
    ordered = [d.key for d in dims if d.ordered]
    if len(ordered) == len(keys):
        return grouped.order_by(keys)
    rest = [k for k in keys if k not in ordered]
    return grouped.order_by([*ordered, ibis.desc("obligation_usd"), *rest])


def totals(
    src: Source, by: str | Sequence[str], filters: Filters, limit: int | None = None
) -> list[dict[str, Any]]:
    """Net obligations, transactions and awards per value of BY (one or two
    dimensions)."""
    expr = totals_expr(src, parse_dimensions(by), filters)
    return fetch(expr.limit(limit) if limit else expr)


def year_over_year(src: Source, filters: Filters) -> list[dict[str, Any]]:
    """Each fiscal year against the one before it (absent years count as no figure)."""
    cur = totals_expr(src, parse_dimensions("fiscal_year"), filters)
    prev = cur.select(prev_year=_.fiscal_year + 1, previous_usd=_.obligation_usd)
    joined = cur.left_join(prev, cur.fiscal_year == prev.prev_year)
    expr = joined.select(
        "fiscal_year",
        "obligation_usd",
        "transactions",
        "awards",
        "previous_usd",
        change_usd=(joined.obligation_usd - joined.previous_usd).cast(MONEY),
    ).order_by("fiscal_year")
    rows = fetch(expr)
    for r in rows:
        prev_usd = r["previous_usd"]
        r["change_pct"] = (
            None
            if not prev_usd
            else (r["change_usd"] * 100 / abs(prev_usd)).quantize(Decimal("0.1"))
        )
    return rows


def top_awards(src: Source, filters: Filters, n: int = 20) -> list[dict[str, Any]]:
    """The N awards with the largest net obligations in the filtered window."""
    t = build_frame(src, filters)
    if prepared_frame(src) is not None:
        return _top_awards_bounded(src, t, n)
    expr = (
        t.group_by("award_key")
        .aggregate(
            obligation_usd=_sum(t),
            transactions=t.count(),
            piid=t.piid.max(),
            recipient_name=t.recipient_name.max(),
            first_action_date=t.action_date.min(),
            last_action_date=t.action_date.max(),
        )
        .order_by([ibis.desc("obligation_usd"), "award_key"])
        .limit(n)
    )
    return fetch(expr)


def _top_awards_bounded(src: Source, t: Any, n: int) -> list[dict[str, Any]]:
    """Top awards on the prepared frame, exact, without grouping every award.

    analyse_award holds each award's sum of positive obligations, P, which no scope
    can exceed. Net sums of the awards with the largest P give a lower bound L for the
    N-th largest net sum in scope; every award that can reach L has P >= L, so only
    those awards are grouped. Falls back to grouping all awards when L is not positive.
    """
    if n <= 0:
        return []
    bound = src.table("analyse_award")
    probe = bound.order_by([ibis.desc("positive_usd"), "award_no"]).limit(
        max(1000, 50 * n)
    )
    seen = t.filter(t.award_no.isin(probe.award_no))
    sums = fetch(
        seen.group_by("award_no")
        .aggregate(obligation_usd=_sum(seen))
        .order_by([ibis.desc("obligation_usd"), "award_no"])
        .limit(n)
    )
    if (
        len(sums) < n
        or sums[-1]["obligation_usd"] is None
        or sums[-1]["obligation_usd"] <= 0
    ):
        return fetch(_top_awards_prepared(t, n))
    pool = bound.filter(bound.positive_usd >= sums[-1]["obligation_usd"]).award_no
    return fetch(_top_awards_prepared(t.filter(t.award_no.isin(pool)), n))


def _top_awards_prepared(t: Any, n: int) -> Any:
    """The same on the prepared frame, in two steps: rank awards by their integer
    number (numbered in award-key order, so ties break the same way), then read the
    text columns of the N winners only."""
    top = (
        t.group_by("award_no")
        .aggregate(obligation_usd=_sum(t), transactions=t.count())
        .order_by([ibis.desc("obligation_usd"), "award_no"])
        .limit(n)
    )
    won = t.filter(t.award_no.isin(top.award_no))
    details = won.group_by("award_no").aggregate(
        award_key=won.award_key.max(),
        piid=won.piid.max(),
        recipient_name=won.recipient_name.max(),
        first_action_date=won.action_date.min(),
        last_action_date=won.action_date.max(),
    )
    j = top.join(details, "award_no")
    return j.select(
        "award_key",
        "obligation_usd",
        "transactions",
        "piid",
        "recipient_name",
        "first_action_date",
        "last_action_date",
    ).order_by([ibis.desc("obligation_usd"), "award_key"])


def award_timeline(src: Source, award_key: str) -> list[dict[str, Any]]:
    """Base award and every modification: date, amount, running total, description
    (whatever the award's category: the timeline of one award is not a figure)."""
    t = build_frame(src, Filters(definition=ALL_SPENDING))
    expr = (
        t.filter(t.award_key == award_key)
        .select(*EXPLAIN_COLUMNS)
        .order_by(["action_date", "modification_number", "transaction_key"])
    )
    rows = fetch(expr)
    if not rows:  # a PIID, as reporting prints contract numbers
        piid = re.sub(r"[\s.\-]", "", award_key).upper()  # as search/numbers.py
        keys = fetch(t.filter(t.piid == piid).select("award_key").distinct())
        if len(keys) > 1:
            listed = ", ".join(sorted(r["award_key"] for r in keys))
            raise InputError(
                f"{len(keys)} awards share the PIID {piid}: {listed}. "
                "Give one of these award keys."
            )
        if keys:
            return award_timeline(src, keys[0]["award_key"])
    if not rows:
        raise NotFound(
            f"No transactions for award {award_key!r} in the store, and no award "
            "with that PIID. Check the key with `custodes analyse top` or "
            "`custodes search`."
        )
    running = Decimal("0.00")
    for r in rows:
        running += r["obligation_usd"] or 0
        r["running_total_usd"] = running
    return rows


CHANGED_BY = ("action", "ingest")


def changed_since(
    src: Source,
    since: date,
    filters: Filters,
    limit: int | None = None,
    by: str = "action",
) -> dict[str, Any]:
    """What is new since SINCE. BY 'action' (the default): the transactions whose
    action date (the day the action was signed) is on or after SINCE, summed by kind
    (new award, modification, deobligation). BY 'ingest': the transactions added or
    revised by ingest/sync runs that started on or after SINCE (after a first load,
    that is everything).

    The summary always covers every change; `transactions` lists the LIMIT largest
    changes (all of them when LIMIT is None)."""
    if by not in CHANGED_BY:
        raise InputError(f"--by must be one of {', '.join(CHANGED_BY)}, not {by!r}.")
    if by == "action":
        return _acted_since(src, since, filters, limit)
    runs = src.table("ingest_run")
    run_ids = runs.filter(runs.started_at >= ibis.timestamp(since.isoformat()))
    t = build_frame(src, filters)
    t = t.filter(t.ingest_run_id.isin(run_ids.run_id))
    rev = src.table("transaction_revision")
    rev = rev.filter(rev.replaced_by_run.isin(run_ids.run_id))
    first = rev.group_by("transaction_key").aggregate(
        first_run=rev.replaced_by_run.min()
    )
    old = rev.join(
        first,
        [
            rev.transaction_key == first.transaction_key,
            rev.replaced_by_run == first.first_run,
        ],
    ).select(old_key=rev.transaction_key, previous_usd=rev.obligation_usd)
    j = t.left_join(old, t.transaction_key == old.old_key)
    j = j.select(
        *EXPLAIN_COLUMNS,
        "previous_usd",
        change=ibis.cases((j.previous_usd.isnull(), "new"), else_="revised"),
        delta_usd=(j.obligation_usd - j.previous_usd.fill_null(0)).cast(MONEY),
    )
    order = [ibis.desc(j.delta_usd.abs()), "transaction_key"]
    return _changes(j, since, "ingest", order, limit)


def _acted_since(
    src: Source, since: date, filters: Filters, limit: int | None
) -> dict[str, Any]:
    """changed_since by action date: change is the action's kind, its delta its
    amount (an action is new in full; nothing was there before it)."""
    t = build_frame(src, filters)
    t = t.filter(t.action_date >= ibis.date(since.isoformat()))
    j = t.select(
        *EXPLAIN_COLUMNS,
        previous_usd=ibis.null().cast(MONEY),
        change=t.kind,
        delta_usd=t.obligation_usd.cast(MONEY),
    )
    order = [ibis.desc("action_date"), ibis.desc(j.delta_usd.abs()), "transaction_key"]
    return _changes(j, since, "action", order, limit)


def _changes(
    j: Any, since: date, by: str, order: list[Any], limit: int | None
) -> dict[str, Any]:
    """changed_since's answer from J (EXPLAIN_COLUMNS, previous_usd, change,
    delta_usd): the summary by change over every row, and the rows in ORDER."""
    summary = (
        j.group_by("change")
        .aggregate(
            transactions=j.count(),
            obligation_usd=_sum(j),
            net_change_usd=j.delta_usd.sum().cast(MONEY),
        )
        .order_by("change")
    )
    rows = j.order_by(order)
    if limit is not None:
        rows = rows.limit(limit)
    totals = fetch(summary)
    return {
        "since": since,
        "by": by,
        "summary": totals,
        "transactions_total": sum(r["transactions"] for r in totals),
        "transactions": fetch(rows),
    }


def explain(
    src: Source, by: str | Sequence[str], values: Sequence[Any], filters: Filters
) -> list[dict[str, Any]]:
    """The transactions behind one figure of `totals(by)`: BY's key == VALUES."""
    dims = parse_dimensions(by)
    if len(values) != len(dims):
        raise InputError(
            f"--explain needs {len(dims)} value(s), one per --by dimension."
        )
    t = build_frame(src, filters, dims)
    for d, v in zip(dims, values, strict=True):
        t = t.filter(t[d.key] == _coerce(t[d.key], v))
    extra = [d.key for d in dims if d.key not in EXPLAIN_COLUMNS]
    return fetch(
        t.select(*EXPLAIN_COLUMNS, *extra).order_by(["action_date", "transaction_key"])
    )


def frame_rows(src: Source, dims: Sequence[Dimension], filters: Filters) -> list[dict]:
    """Every transaction of the frame with its dimension keys (the CSV behind a
    report)."""
    t = build_frame(src, filters, dims)
    extra = list(dict.fromkeys(d.key for d in dims if d.key not in EXPLAIN_COLUMNS))
    return fetch(
        t.select(*EXPLAIN_COLUMNS, *extra).order_by(["action_date", "transaction_key"])
    )


def _coerce(column: Any, value: Any) -> Any:
    if column.type().is_integer():
        try:
            return int(str(value).replace("-", ""))  # '2021-03' -> 202103 for month
        except ValueError as exc:
            raise InputError(f"{value!r} is not a whole number.") from exc
    return str(value)
