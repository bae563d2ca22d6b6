"""What's new: the latest contract actions (new awards, modifications, deobligations)
by ACTION date, the date the action was signed, never the date custodes ingested it.

The web app's what's-new page and every Atom feed (what's new, a vendor, a maker, a
category, a saved search) ask `latest_actions` with a `NewsScope`; they read
`serve_action`, one row per transaction of the web app's awards, newest first (built
with the web app's tables, custodes/figures/serve_tables.py).

Each action is named with its own vendor, the vendor its transaction was paid to
(serve_transaction's vendor_id and vendor_name, by the one rule of
custodes/figures/serve_tables.py `transaction_vendor_sql` that `vendor_parts_sql`
sums), not the vendor of its award's latest action: an award novated from one vendor
to another lists the first vendor's actions under the first.

A vendor's news follows both channels: what was paid to it (`direct`: its own
transactions, on any award) and the awards that name it as the maker of what a
reseller was paid for (`reseller`: every action of such an award, each under the
vendor it was paid to). An award that changed hands is in both vendors' news, each
with its own actions. The amount threshold is on the action's own amount, either way
(an obligation or a deobligation); $0 actions (administrative modifications) are left
out unless asked. Who is named follows custodes/figures/recipients.py: a natural
person's action keeps its withheld name and has no vendor, so no feed follows a
person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from custodes.figures.definition import Definition

Rows = Callable[[str, list[Any]], list[dict[str, Any]]]

KINDS = ("new award", "modification", "deobligation")
DEFAULT_DAYS = 90


def kind_sql(t: str = "t") -> str:
    """SQL: new award (base, modification 0), modification, or deobligation
    (negative), as custodes/figures/frame.py `kind_expr` (tests compare them)."""
    mod = f"{t}.modification_number"
    return (
        f"CASE WHEN {t}.obligation_usd < 0 THEN 'deobligation' "
        f"WHEN {mod} IS NULL OR {mod} IN ('0', '', '00') THEN 'new award' "
        "ELSE 'modification' END"
    )


# Built after serve_award and serve_transaction: each transaction with what a
# what's-new filter reads, newest first (so a date window reads few row groups).
# Its columns, from serve_transaction t and serve_award a (also read straight from
# them for a few followed awards: action_source). vendor_id is the award's (the
# vendor of its latest action, kept as it was); own_vendor_id the vendor the
# transaction itself was paid to (serve_transaction.vendor_id), which a vendor's
# news follows.
ACTION_COLUMNS = f"""t.action_date, t.award_id, t.transaction_key,
           t.modification_number, {kind_sql("t")} AS kind, t.obligation_usd,
           a.agency_code, a.category, a.component_category, a.vendor_id,
           t.vendor_id AS own_vendor_id"""
SERVE_ACTION_SQL = f"""
    CREATE OR REPLACE TABLE serve_action AS
    SELECT {ACTION_COLUMNS}
    FROM serve_transaction t JOIN serve_award a USING (award_id)
    ORDER BY t.action_date DESC NULLS LAST"""
# Narrow on purpose (10M rows are sorted once per build): the page's few rows get
# their text from serve_transaction and serve_award. Sorted by date alone: the
# pages order what they show themselves (`latest_actions`), a date window's zone maps
# need only the date, and a tie-break on the transaction key (a string) cost the sort
# about 40% more CPU (at 2M: 1.93-2.05 s against 1.07-1.40 s).


@dataclass(frozen=True)
class NewsScope:
    """Which actions: a date window, an amount threshold, and what they follow."""

    since: date | None = None
    until: date | None = None
    min_usd: Decimal | None = None  # the action's amount, either way
    include_zero: bool = False  # $0 actions (administrative modifications)
    agency: str | None = None  # awarding sub-agency code
    category: str | None = None
    kind: str | None = None  # one of KINDS
    vendor_ids: tuple[str, ...] = ()  # paid to these vendors, or named as maker
    award_keys: tuple[str, ...] | None = None  # a saved search's awards
    counted_only: bool = True  # only awards that count under the Definition

    @property
    def follows(self) -> bool:
        return bool(self.vendor_ids) or self.award_keys is not None


@dataclass
class News:
    scope: NewsScope
    definition: Definition
    actions: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    obligation_usd: Decimal = Decimal("0.00")
    newest: date | None = None  # the newest action date in the store

    def as_dict(self) -> dict[str, Any]:
        s = self.scope
        return {
            "scope": {
                "since": s.since,
                "until": s.until,
                "min_usd": s.min_usd,
                "include_zero": s.include_zero,
                "agency": s.agency,
                "category": s.category,
                "kind": s.kind,
                "vendor_ids": list(s.vendor_ids),
                "counted_only": s.counted_only,
            },
            "definition": self.definition.to_dict(),
            "total": self.total,
            "obligation_usd": self.obligation_usd,
            "newest_action_date": self.newest,
        }


def newest_action_date(rows: Rows) -> date | None:
    found = rows("SELECT max(action_date) AS d FROM serve_action", [])
    return found[0]["d"] if found else None


def default_window(newest: date | None, days: int = DEFAULT_DAYS) -> date | None:
    """The start of the default window: DAYS before the newest action in the store
    (the data may end long before today)."""
    return newest - timedelta(days=days) if newest else None


def _in(column: str, values: tuple[Any, ...]) -> tuple[str, list[Any]]:
    marks = ", ".join("?" for _ in values)
    return f"{column} IN ({marks})", list(values)


MAX_LISTED = 5000  # award ids passed as parameters; more stay a subquery


def followed_award_ids(rows: Rows, vendor_ids: tuple[str, ...]) -> list[int] | None:
    """The web app's award ids of the awards VENDOR_IDS were paid on (any of their
    transactions: serve_vendor_award, stored by vendor) or that name one of them as
    maker; None when there are too many to list (the caller then keeps the condition
    as a subquery). On an award that does not name them as maker only the vendors'
    own actions are theirs (`where_sql`)."""
    return _followed(rows, vendor_ids)[0]


def _followed(
    rows: Rows, vendor_ids: tuple[str, ...]
) -> tuple[list[int] | None, tuple[int, ...]]:
    """`followed_award_ids`, and the ids of the awards among them that name one of
    VENDOR_IDS as maker (every action of those follows the vendor), in index-sized
    steps.

    Joining serve_award_maker to serve_award on award_key reads all 2.5M award keys
    at 10M transactions (0.3 s a maker feed); looking up the few maker award keys
    through serve_award's award_key index costs about 20 ms."""
    paid, paid_params = _in("vendor_id", vendor_ids)
    maker, maker_params = _in("maker_vendor_id", vendor_ids)
    found = {
        int(r["award_id"])
        for r in rows(
            f"SELECT DISTINCT award_id FROM serve_vendor_award WHERE {paid}",
            paid_params,
        )
    }
    keys = [
        r["award_key"]
        for r in rows(
            f"SELECT DISTINCT award_key FROM serve_award_maker WHERE {maker}",
            maker_params,
        )
    ]
    if len(keys) > MAX_LISTED:
        return None, ()
    named: set[int] = set()
    if keys:
        listed, key_params = _in("award_key", tuple(keys))
        sql = f"SELECT award_id FROM serve_award WHERE {listed}"
        named.update(int(r["award_id"]) for r in rows(sql, key_params))
    found |= named
    if len(found) > MAX_LISTED:
        return None, ()
    return sorted(found), tuple(sorted(named))


def named_sql(vendor_ids: tuple[str, ...]) -> tuple[str, list[Any]]:
    """SQL: the award ids that name one of VENDOR_IDS as maker, and its
    parameters."""
    maker, maker_params = _in("maker_vendor_id", vendor_ids)
    return (
        "SELECT a.award_id FROM serve_award a "
        f"JOIN serve_award_maker USING (award_key) WHERE {maker}",
        maker_params,
    )


def paid_or_named_sql(vendor_ids: tuple[str, ...]) -> tuple[str, list[Any]]:
    """SQL: the award ids VENDOR_IDS were paid on or that name one of them as maker
    (`followed_award_ids` as a subquery), and its parameters."""
    paid, paid_params = _in("vendor_id", vendor_ids)
    named, named_params = named_sql(vendor_ids)
    return (
        f"SELECT award_id FROM serve_vendor_award WHERE {paid} UNION {named}",
        [*paid_params, *named_params],
    )


def action_source(followed: list[int] | None) -> tuple[str, list[Any]]:
    """The relation the actions are read from: serve_action, or the actions of the
    FOLLOWED awards alone, the same columns read from serve_transaction (ordered by
    award id, so their rows sit in a few row groups; serve_action is ordered by date,
    and an award id filter reads all of it: 0.1 s at 10M actions)."""
    if not followed:
        return "serve_action", []
    ids, id_params = _in("award_id", tuple(followed))
    return (
        f"""(SELECT {ACTION_COLUMNS}
             FROM (SELECT * FROM serve_transaction WHERE {ids}) t
             JOIN (SELECT award_id, agency_code, category, component_category,
                          vendor_id
                   FROM serve_award WHERE {ids}) a USING (award_id))""",
        id_params + id_params,
    )


def where_sql(
    scope: NewsScope,
    definition: Definition,
    followed: list[int] | None = None,
    named: tuple[int, ...] = (),
) -> tuple[str, list[Any]]:
    """The condition on serve_action (alias s) and its parameters. FOLLOWED, when
    given, is `followed_award_ids` of the scope's vendors, and the actions are read
    from `action_source(FOLLOWED)`, which holds those awards' alone; NAMED: the
    followed awards that name one of the vendors as maker. A vendor follows its own
    actions (own_vendor_id, on any award) and every action of an award naming it as
    maker."""
    parts: list[str] = []
    params: list[Any] = []

    def add(sql: str, *values: Any) -> None:
        parts.append(sql)
        params.extend(values)

    if scope.since is not None:
        add("s.action_date >= ?", scope.since)
    if scope.until is not None:
        add("s.action_date <= ?", scope.until)
    if not scope.include_zero:
        add("s.obligation_usd <> 0")
    if scope.min_usd is not None:
        add("abs(s.obligation_usd) >= ?", scope.min_usd)
    if scope.agency:
        add("s.agency_code = ?", scope.agency)
    if scope.category:
        add("s.category = ?", scope.category)
    if scope.kind:
        add("s.kind = ?", scope.kind)
    if scope.counted_only:
        counted, counted_params = definition.where_sql(
            "s.category", "s.component_category"
        )
        add(f"({counted})", *counted_params)
    if scope.vendor_ids:
        own, own_params = _in("s.own_vendor_id", scope.vendor_ids)
        if followed is not None:
            if not followed:  # action_source reads serve_action: none followed
                add("FALSE")
            elif named:
                ids, id_params = _in("s.award_id", named)
                add(f"({own} OR {ids})", *own_params, *id_params)
            else:
                add(own, *own_params)
        else:
            # The followed awards' ids first (paid to the vendor, or naming it as
            # maker), then one semi-join: an OR over serve_action's own columns alone
            # would read every action (0.5-0.6 s a feed at 10M actions; 0.01 s this
            # way).
            sub, sub_params = paid_or_named_sql(scope.vendor_ids)
            maker, maker_params = named_sql(scope.vendor_ids)
            add(
                f"s.award_id IN ({sub}) AND ({own} OR s.award_id IN ({maker}))",
                *sub_params,
                *own_params,
                *maker_params,
            )
    if scope.award_keys is not None:
        if scope.award_keys:
            keys, key_params = _in("award_key", scope.award_keys)
            add(
                f"s.award_id IN (SELECT award_id FROM serve_award WHERE {keys})",
                *key_params,
            )
        else:
            add("FALSE")
    return " AND ".join(parts) or "TRUE", params


def latest_actions(
    rows: Rows,
    scope: NewsScope,
    definition: Definition,
    limit: int = 50,
    offset: int = 0,
    newest: date | None = None,
) -> News:
    """The actions in SCOPE, newest action date first (then the largest amount),
    with the count and net sum of all of them, each named with its own vendor (the
    vendor its transaction was paid to: serve_transaction's vendor_id and
    vendor_name; none for a natural person). ROWS runs SQL with parameters."""
    followed, named = (
        _followed(rows, scope.vendor_ids) if scope.vendor_ids else (None, ())
    )
    where, params = where_sql(scope, definition, followed, named)
    source, source_params = action_source(followed)
    counted, counted_params = definition.where_sql("a.category", "a.component_category")
    found = rows(
        f"""WITH top AS MATERIALIZED (
                SELECT s.* FROM {source} s WHERE {where}
                ORDER BY s.action_date DESC NULLS LAST, abs(s.obligation_usd) DESC,
                         s.transaction_key
                LIMIT ? OFFSET ?)
            SELECT top.action_date, top.transaction_key, top.award_id, a.award_key,
                   top.modification_number, t.action_type, top.kind,
                   top.obligation_usd, left(t.description, 300) AS description,
                   a.piid, a.agency_name, a.recipient_name, t.vendor_id,
                   t.vendor_name, a.category, a.maker,
                   a.obligation_usd AS award_obligation_usd,
                   ({counted}) AS counted, t.fiscal_year,
                   a.vendor_id AS award_vendor_id, a.vendor_name AS award_vendor_name
            FROM top JOIN serve_award a USING (award_id)
            JOIN serve_transaction t USING (award_id, transaction_key)
            ORDER BY top.action_date DESC NULLS LAST, abs(top.obligation_usd) DESC,
                     top.transaction_key""",
        [*source_params, *params, limit, offset, *counted_params],
    )
    for a in found:
        a["channel"] = (
            ("direct" if a["vendor_id"] in scope.vendor_ids else "reseller")
            if scope.vendor_ids
            else None
        )
    summary = rows(
        "SELECT count(*) AS n, coalesce(sum(s.obligation_usd), 0) AS usd "
        f"FROM {source} s WHERE {where}",
        [*source_params, *params],
    )[0]
    return News(
        scope,
        definition,
        found,
        int(summary["n"]),
        Decimal(summary["usd"]),
        newest,
    )
