"""The digest: new and changed awards that match each watch, over some ingest runs.

An award is *new* when all of its transactions arrived in the runs covered and none
replaced an earlier version. It is *changed* when it existed before and the runs
brought new transactions (modifications) or revised the amount of one. Revisions that
leave the amount as it was (a different source layout, say) are not reported.
Transactions whose recipient is an individual (a sole proprietor) are never matched:
watches follow institutions, not people.
"""

from __future__ import annotations

import html
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from custodes import sources
from custodes.console import money
from custodes.errors import InputError, NotFound
from custodes.figures import components
from custodes.figures.definition import DEFAULT, has_components_sql, stated_from_sql
from custodes.figures.recipients import withheld_sql
from custodes.store.duckdb import Store
from custodes.sync.watch import list_watches, match_for

# What a vendor or maker watch says of an award: paid to the watched vendor itself,
# or to a reseller for the watched maker's product.
CHANNEL = {True: "paid directly", False: "through a reseller"}


def select_runs(store: Store, since: str | None) -> list[int]:
    """Ingest runs a digest covers: after run N, since a date, or the latest sync
    run."""
    if since is None:
        latest = store.scalar(
            "SELECT max(run_id) FROM ingest_run WHERE command = 'sync'"
        )
        latest = latest or store.scalar("SELECT max(run_id) FROM ingest_run")
        return [int(latest)] if latest else []
    param: int | datetime
    if since.isdigit():
        sql, param = (
            "SELECT run_id FROM ingest_run WHERE run_id > ? ORDER BY run_id",
            int(since),
        )
    else:
        try:
            day = date.fromisoformat(since)
        except ValueError:
            raise InputError(
                f"--since {since!r} is neither a run number nor a date (YYYY-MM-DD)."
            ) from None
        sql, param = (
            "SELECT run_id FROM ingest_run WHERE started_at >= ? ORDER BY run_id",
            datetime.combine(day, datetime.min.time()),
        )
    return [int(r[0]) for r in store.execute(sql, [param])]


FIRST_SEEN_SQL = """
INSERT INTO award_first_seen
SELECT t.award_key,
    least(min(t.ingest_run_id), coalesce(min(r.replaced_by_run) - 1, 2147483647))
FROM "transaction" t LEFT JOIN transaction_revision r USING (transaction_key)
WHERE t.award_key NOT IN (SELECT award_key FROM award_first_seen) GROUP BY t.award_key;
"""


def record_first_seen(store: Store) -> None:
    """Note the run in which each award first appeared (called after every sync).

    A replaced transaction proves its award existed before the run that replaced it,
    so awards already in the store when this first runs get the earliest run we can
    prove, not the run of their newest version.
    """
    store.create("award_first_seen")
    store.execute(FIRST_SEEN_SQL)


def _awards_sql(
    predicate: str, with_table: bool, direct: str | None, include_zero: bool
) -> str:
    """The awards with news; parameters: the runs, the predicate's, DIRECT's (when
    given), the limit. $0 actions (administrative modifications) are not news unless
    INCLUDE_ZERO; a revised amount always is."""
    withheld = withheld_sql("t")
    zero = (
        ""
        if include_zero
        else "AND (t.obligation_usd <> 0 OR rev.transaction_key IS NOT NULL)"
    )
    paid = f"bool_or({direct})" if direct else "NULL::BOOLEAN"
    recorded = (
        "(SELECT min(run_id) FROM award_first_seen f WHERE f.award_key = agg.award_key)"
        if with_table
        else "NULL"
    )
    return f"""
WITH runs AS (SELECT unnest(?::INTEGER[]) AS run_id),
rev AS (
    SELECT transaction_key, arg_min(obligation_usd, replaced_by_run) AS old_obligation
    FROM transaction_revision WHERE replaced_by_run IN (SELECT run_id FROM runs)
    GROUP BY 1
),
touched AS (
    SELECT t.*, rev.old_obligation, rev.transaction_key IS NOT NULL AS revised
    FROM "transaction" t LEFT JOIN rev USING (transaction_key)
    WHERE t.ingest_run_id IN (SELECT run_id FROM runs) AND {predicate}
      AND NOT {withheld}  -- institutions only
      {zero}
),
agg AS (
    SELECT award_key,
        arg_max(recipient_name, action_date) AS recipient_name,
        arg_max(awarding_sub_agency_name, action_date) AS agency,
        arg_max(description, action_date) AS description,
        min(action_date) AS first_action, max(action_date) AS last_action,
        max(ingest_run_id) AS run_id,
        count(*) FILTER (WHERE NOT revised) AS new_transactions,
        count(*) FILTER (
            WHERE revised AND old_obligation IS DISTINCT FROM obligation_usd
        ) AS revised_transactions,
        coalesce(sum(obligation_usd) FILTER (WHERE NOT revised), 0)
            AS new_obligation_usd,
        coalesce(sum(obligation_usd - old_obligation) FILTER (WHERE revised), 0)
            AS revision_delta_usd,
        sum(obligation_usd) AS touched_obligation_usd,
        {paid} AS paid_directly
    FROM touched t GROUP BY award_key
),
seen AS (
    SELECT agg.award_key, coalesce({recorded}, (
        SELECT least(min(t.ingest_run_id),
                     coalesce(min(r.replaced_by_run) - 1, 2147483647))
        FROM "transaction" t LEFT JOIN transaction_revision r USING (transaction_key)
        WHERE t.award_key = agg.award_key)) AS first_run
    FROM agg
)
SELECT agg.*, seen.first_run >= (SELECT min(run_id) FROM runs) AS is_new,
    (SELECT sum(obligation_usd) FROM "transaction" o WHERE o.award_key = agg.award_key)
        AS award_total_usd
FROM agg JOIN seen USING (award_key)
WHERE seen.first_run >= (SELECT min(run_id) FROM runs)
   OR new_transactions > 0 OR revised_transactions > 0
ORDER BY is_new DESC, abs(new_obligation_usd + revision_delta_usd) DESC, award_key
LIMIT ?
"""


def build_digest(
    store: Store,
    since: str | None = None,
    limit: int = 50,
    watches: list[dict[str, Any]] | None = None,
    include_zero: bool = False,
) -> dict[str, Any]:
    """New and changed awards per watch. Amounts stay Decimal (exact). $0 actions
    (administrative modifications) are left out unless INCLUDE_ZERO."""
    if not store.has_table("transaction"):
        raise NotFound("the store has no transactions yet. Run `custodes sync` first.")
    watches = list_watches(store) if watches is None else watches
    runs = select_runs(store, since)
    definition = stated_from_sql(DEFAULT, store.rows, store.has_table)
    category = _category_of(store)
    out: list[dict[str, Any]] = []
    for w in watches:
        m = match_for(store, w["kind"], w["value"])
        sql = _awards_sql(
            m.predicate, store.has_table("award_first_seen"), m.direct, include_zero
        )
        params = [runs, *m.params, *(m.direct_params if m.direct else []), limit]
        awards = store.rows(sql, params) if runs else []
        for a in awards:
            a["change"] = "new" if a.pop("is_new") else "changed"
            paid = a.pop("paid_directly")
            a["channel"] = (
                None
                if paid is None
                else "paid directly"
                if paid
                else "through a reseller"
            )
            a["category"], component = category.get(a["award_key"], (None, None))
            a["component_category"] = component
            a["counted"] = definition.counts(a["category"], component)
            a["url"] = sources.record_url(a["award_key"])
        parts = [a for a in awards if a["component_category"] and not a["counted"]]
        left_out = {
            "awards": len(parts),
            "obligation_usd": sum(
                (a["award_total_usd"] or Decimal(0) for a in parts), Decimal(0)
            ),
        }
        left_out["line"] = components.line(left_out)
        out.append(
            {
                "watch_id": w["watch_id"],
                "kind": w["kind"],
                "value": w["value"],
                "method": m.method,
                "note": m.note,
                "awards": awards,
                "not_counted": left_out,
                "new": sum(a["change"] == "new" for a in awards),
                "changed": sum(a["change"] == "changed" for a in awards),
            }
        )
    return {
        "generated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "definition": definition.to_dict(),
        "runs": runs,
        "since": since,
        "include_zero": include_zero,
        "watches": out,
        "matches": sum(len(w["awards"]) for w in out),
    }


def _category_of(store: Store) -> dict[str, tuple[str | None, str | None]]:
    """award_key -> (category, component category) from classify (empty without)."""
    if not store.has_table("classification"):
        return {}
    column = "component_category" if store.scalar(has_components_sql()) else "NULL"
    rows = store.execute(f"SELECT award_key, category, {column} FROM classification")
    return {key: (cat, part) for key, cat, part in rows}


def _counted(a: dict[str, Any]) -> str:
    """What the digest says about an award's category and whether it counts."""
    if a.get("category") is None:
        return "not classified yet"
    if a.get("component_category") and not a["counted"]:
        return (
            f"{a['category']}, buys a {a['component_category']} component inside a "
            "larger purchase: not counted as surveillance"
        )
    return f"{a['category']}, " + (
        "counted as surveillance" if a["counted"] else "not counted as surveillance"
    )


def _zero_note(d: dict[str, Any]) -> str:
    if d.get("include_zero"):
        return "$0 actions (administrative modifications) included."
    return (
        "$0 actions (administrative modifications) left out; --include-zero lists them."
    )


def _channel(a: dict[str, Any]) -> str:
    """'; through a reseller' for a vendor or maker watch's award bought that way."""
    return f"; {a['channel']}" if a.get("channel") else ""


def _what(a: dict[str, Any]) -> str:
    if a["change"] == "new":
        return f"new award, {money(a['touched_obligation_usd'])}"
    bits = []
    if a["new_transactions"]:
        bits.append(
            f"{a['new_transactions']} new action(s), {money(a['new_obligation_usd'])}"
        )
    if a["revised_transactions"]:
        bits.append(
            f"{a['revised_transactions']} revised amount(s), "
            f"{money(a['revision_delta_usd'])}"
        )
    return "; ".join(bits)


def render_markdown(d: dict[str, Any]) -> str:
    runs = ", ".join(map(str, d["runs"])) or "none"
    lines = [
        "# custodes watch digest",
        "",
        f"Generated {d['generated_at']}; ingest runs covered: {runs}.",
        "",
        f"What counts: {d['definition']['text']}",
        "",
        _zero_note(d),
        "",
    ]
    if not d["watches"]:
        lines.append("No watches yet. Add one with `custodes watch add keyword TEXT`.")
    for w in d["watches"]:
        lines += [
            f"## {w['kind']}: {w['value']} (watch {w['watch_id']})",
            "",
            f"{w['new']} new, {w['changed']} changed. Matched by {w['method']}.",
        ]
        if w["note"]:
            lines.append(f"Note: {w['note']}.")
        if w["not_counted"]["awards"]:
            lines.append(f"Of these, {w['not_counted']['line']}.")
        lines.append("")
        for a in w["awards"]:
            link = f"[{a['award_key']}]({a['url']})" if a["url"] else a["award_key"]
            lines.append(
                f"- **{a['recipient_name'] or '?'}** ({a['agency'] or '?'}), {link}: "
                f"{_what(a)}; actions {a['first_action']} to {a['last_action']}"
                f"{_channel(a)}; award total {money(a['award_total_usd'])} "
                f"({_counted(a)}). "
                f"{(a['description'] or '').strip()[:160]}"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_html(d: dict[str, Any]) -> str:
    e = html.escape
    runs = ", ".join(map(str, d["runs"])) or "none"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>custodes watch digest</title></head><body>",
        "<h1>custodes watch digest</h1>",
        f"<p>Generated {e(d['generated_at'])}; ingest runs covered: {e(runs)}.</p>",
        f"<p>What counts: {e(d['definition']['text'])}</p>",
        f"<p>{e(_zero_note(d))}</p>",
    ]
    for w in d["watches"]:
        parts.append(
            f"<section><h2>{e(w['kind'])}: {e(w['value'])} "
            f"(watch {w['watch_id']})</h2>"
            f"<p>{w['new']} new, {w['changed']} changed. "
            f"Matched by {e(w['method'])}.</p>"
        )
        if w["note"]:
            parts.append(f"<p><em>Note: {e(w['note'])}.</em></p>")
        if w["not_counted"]["awards"]:
            parts.append(f"<p>Of these, {e(w['not_counted']['line'])}.</p>")
        parts.append("<ul>")
        for a in w["awards"]:
            key = e(a["award_key"])
            link = f"<a href='{e(a['url'])}'>{key}</a>" if a["url"] else key
            parts.append(
                f"<li><strong>{e(a['recipient_name'] or '?')}</strong> "
                f"({e(a['agency'] or '?')}), {link}: {e(_what(a))}; actions "
                f"{a['first_action']} to {a['last_action']}{e(_channel(a))}; "
                f"award total {e(money(a['award_total_usd']))} ({e(_counted(a))}). "
                f"{e((a['description'] or '').strip()[:160])}</li>"
            )
        parts.append("</ul></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
