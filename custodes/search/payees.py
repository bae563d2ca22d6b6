"""Awards paid to more than one vendor, as the search counts and filters them.

The search's tables carry one vendor per award (serve_award.vendor_id: the vendor of
its latest action), which its ways of answering (custodes/search/engine.py) count and
filter by. Money goes to vendors by the one attribution of custodes/figures/
serve_tables.py (serve_vendor_award: each transaction under its own vendor), and an
award that changed hands (a novation, an acquisition, a change of reseller) was paid
to each of its vendors. So that a search agrees with the vendor pages:

- `?vendor=V` finds every award V was paid on: the awards whose latest vendor is V,
  and the awards of more than one payee that paid V on some of their transactions
  (`Payees.awards_of`), which `filter_sql` adds by id;
- the vendor facet counts such an award under each vendor paid on it, not under its
  latest vendor alone (`correct_facets`), and with `?vendor=V` the search's money is
  V's own part of each award (what V was paid on it).

Few awards have more than one payee (112 of the shared data's 25,343), so they are
read once per open store from serve_vendor_award and held here; a search looks up
which of them it matched (`matched`: in the in-memory index, each of those few ids
bisected in each word's run of ids, else one query on those ids), and only when its
vendor facet names the latest vendor of one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np

# Each award of more than one payee (a natural person's part counts, under no vendor)
# and what each payee was paid on it.
PAYEES_SQL = """
    SELECT award_id, vendor_id, sum(obligation_usd) AS obligation_usd
    FROM serve_vendor_award
    WHERE award_id IN (
        SELECT award_id FROM serve_vendor_award GROUP BY 1
        HAVING count(DISTINCT vendor_id) + max((vendor_id IS NULL)::INTEGER) > 1)
    GROUP BY 1, 2 ORDER BY 1, 2 NULLS LAST"""

Part = tuple[str | None, Decimal | None]  # a payee's vendor id and what it was paid


@dataclass(frozen=True)
class Payees:
    """The awards of more than one payee: award id -> each payee's part."""

    parts: dict[int, tuple[Part, ...]]
    # award id -> its vendor and obligations in serve_award (the latest action's
    # vendor, the whole award), and those vendors
    award: dict[int, Part] = field(default_factory=dict)
    latest: frozenset[str | None] = frozenset()

    def awards_of(self, vendor_id: str) -> tuple[int, ...]:
        """The ids of the awards of more than one payee that paid VENDOR_ID."""
        return tuple(
            award_id
            for award_id, parts in self.parts.items()
            if any(v == vendor_id for v, _ in parts)
        )

    def part(self, award_id: int, vendor_id: str) -> Decimal | None:
        for v, usd in self.parts.get(award_id, ()):
            if v == vendor_id:
                return usd
        return None


def load_payees(reader: Any) -> Payees:
    """The open store's awards of more than one payee, read once."""
    return reader.derived("search_payees", _read_payees)


def _read_payees(reader: Any) -> Payees:
    if not reader.has("serve_vendor_award"):
        return Payees({})
    parts: dict[int, list[Part]] = {}
    for r in reader.rows(PAYEES_SQL, cache=False):
        parts.setdefault(int(r["award_id"]), []).append(
            (r["vendor_id"], r["obligation_usd"])
        )
    award: dict[int, Part] = {}
    if parts:
        for r in reader.rows(
            "SELECT award_id, vendor_id, obligation_usd FROM serve_award "
            f"WHERE {within_sql(parts)}",
            cache=False,
        ):
            award[int(r["award_id"])] = (r["vendor_id"], r["obligation_usd"])
    return Payees(
        {k: tuple(v) for k, v in parts.items()},
        award,
        frozenset(v for v, _ in award.values()),
    )


def within_sql(ids: Any) -> str:
    """SQL: award_id among IDS (integers), for `sql.plan_hits_sql`'s WITHIN."""
    return f"award_id IN ({', '.join(str(int(i)) for i in ids)})"


def matched(
    reader: Any, index: Any, plan: Any, query: Any, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Of the awards of more than one payee, those the search (PLAN, QUERY) matched,
    with the vendor and obligations it counted them by (award_id, vendor_id,
    obligation_usd): looked up in INDEX (the in-memory index, None when not held)
    when it can, else with one query; none looked up when ROWS (its facet rows,
    every vendor's) name none of those awards' latest vendors."""
    from custodes.search.sql import plan_hits_sql

    payees = load_payees(reader)
    if not payees.parts:
        return []
    shown = {r["vendor_id"] for r in rows if r["g"] == 13}
    if not shown & payees.latest:
        return []
    if query.vendor is not None and not query.vendor_awards:
        return []  # the vendor was paid on none of them
    if index is not None and (index.has_days or not query.needs_days()):
        # with ?vendor=: those that paid it (an award's latest vendor is a payee)
        ids = sorted(query.vendor_awards or payees.parts)
        found = index.plan_within(plan, np.asarray(ids, dtype=np.int32))
        if found is not None:
            found = index.selected(found, replace(query, vendor=None, vendor_awards=()))
            return [
                {
                    "award_id": int(i),
                    "vendor_id": payees.award[int(i)][0],
                    "obligation_usd": payees.award[int(i)][1],
                }
                for i in found
            ]
    sql, params = plan_hits_sql(plan, query, within_sql(payees.parts))
    return reader.rows(
        f"SELECT award_id, vendor_id, obligation_usd FROM ({sql})", params
    )


def _add(a: Decimal | None, b: Decimal | None, sign: int = 1) -> Decimal | None:
    if b is None:
        return a
    b = Decimal(b) * sign
    return b if a is None else Decimal(a) + b


def correct_facets(
    rows: list[dict[str, Any]],
    matched: list[dict[str, Any]],
    payees: Payees,
    vendor: str | None,
) -> None:
    """Count each MATCHED award (rows of `matched_sql`: awards of more than one payee
    that the search found) under every vendor paid on it, with that vendor's own
    part, instead of under its latest vendor with the whole award (ROWS: the facet
    rows as every way gives them, with every vendor row: grouping 13). With VENDOR
    (a ?vendor= filter) the search's total money is that vendor's own part of each
    such award."""
    from custodes.search.facets import FACET_COLUMNS

    vendors = {r["vendor_id"]: r for r in rows if r["g"] == 13}

    def row(vendor_id: str | None) -> dict[str, Any]:
        found = vendors.get(vendor_id)
        if found is None:
            found = {
                **dict.fromkeys(FACET_COLUMNS),
                "awards": 0,
                "obligation_usd": None,
                "g": 13,
            }
            found["vendor_id"] = vendor_id
            vendors[vendor_id] = found
            rows.append(found)
        return found

    total = next((r for r in rows if r["g"] == 15), None)
    for m in matched:
        latest = row(m["vendor_id"])
        latest["awards"] -= 1
        latest["obligation_usd"] = _add(
            latest["obligation_usd"], m["obligation_usd"], -1
        )
        for vendor_id, usd in payees.parts.get(int(m["award_id"]), ()):
            paid = row(vendor_id)
            paid["awards"] += 1
            paid["obligation_usd"] = _add(paid["obligation_usd"], usd)
        if vendor is not None and total is not None:
            own = payees.part(int(m["award_id"]), vendor)
            total["obligation_usd"] = _add(
                _add(total["obligation_usd"], m["obligation_usd"], -1), own
            )
    rows[:] = [r for r in rows if r["g"] != 13 or r["awards"] > 0]
