"""Vendors as figures: find a vendor by id or name, its detail (`custodes vendor show`),
the vendor list, and pairs of vendors that share an award (`custodes vendor suggest`).

A vendor's awards and totals follow the web app's vendor page: money goes to the vendor
of each transaction (custodes/figures/serve_tables.py `vendor_parts_sql`, the one
attribution both read), so a vendor's awards are every award it was paid on, each with
its own part where another vendor was paid on the rest (a novation, an acquisition);
natural persons are withheld and never vendors (custodes/figures/recipients.py), and
totals count every contract of the vendor, with the part that counts as surveillance
under the default Definition beside them.
"""

from __future__ import annotations

from typing import Any

from custodes import sources
from custodes.errors import InputError, NotFound
from custodes.figures.definition import DEFAULT, Definition, stated_from_sql
from custodes.figures.makers import channels_sql, summarise
from custodes.figures.recipients import WITHHELD, withheld_sql
from custodes.resolve.keys import name_key
from custodes.store.duckdb import Store

NEEDS_RESOLVE = "Run `custodes resolve` first"
WITHHELD_NAMES_SQL = (
    f'SELECT recipient_name FROM "transaction" t WHERE {withheld_sql("t")} '
    "AND recipient_name IS NOT NULL"
)


def require_tables(store: Store) -> None:
    for table in ("vendor", "vendor_alias", "transaction_vendor", "award_maker"):
        if not store.has_table(table):
            raise NotFound(f"The store has no {table} table yet. {NEEDS_RESOLVE}")


# A natural person is never a vendor one can look up: not by name, id (a slug of the
# name) or part of a name, and never named in the list of matches (the web app's
# vendor pages answer 404 for them likewise).
NOT_PERSON = "kind IS DISTINCT FROM 'individual'"


def find_vendor(store: Store, query: str, family: bool = False) -> dict:
    """By vendor id, then exact recipient name, then name key, then a unique
    substring; organisations only (NOT_PERSON). With FAMILY, several matches of one
    corporate family are that family: its head vendor (`lookup` says which
    matched)."""
    return lookup(store, query, family)[0]


def lookup(store: Store, query: str, family: bool = False) -> tuple[dict, list[dict]]:
    """The vendor QUERY names (as `find_vendor`) and the vendors it matched (id and
    name): one, or, with FAMILY, every match when they are all of one family."""
    require_tables(store)
    q = query.strip()
    for sql, params in (
        (f"SELECT * FROM vendor WHERE vendor_id = ? AND {NOT_PERSON}", [q.lower()]),
        (
            "SELECT v.* FROM vendor v WHERE vendor_id IN "
            "(SELECT vendor_id FROM vendor_alias "
            f"WHERE upper(recipient_name) = upper(?)) AND {NOT_PERSON}",
            [q],
        ),
        ("", None),
        (
            f"SELECT * FROM vendor WHERE name ILIKE ? AND {NOT_PERSON} "
            "ORDER BY vendor_id",
            [f"%{q}%"],
        ),
    ):
        if params is None:
            key = name_key(q)
            sql = (
                "SELECT * FROM vendor WHERE (vendor_id IN "
                "(SELECT vendor_id FROM vendor_alias "
                f"WHERE name_key = ?) OR upper(name) = ?) AND {NOT_PERSON}"
            )
            params = [key, q.upper()]
        rows = store.rows(sql, params)
        if len(rows) > 1:
            # a name that is exactly one vendor's, legal form aside ("thomson
            # reuters": THOMSON REUTERS CORPORATION, not its SPECIAL SERVICES LLC)
            exact = [r for r in rows if name_key(str(r["name"])) == name_key(q)]
            rows = exact if len(exact) == 1 else rows
        if len(rows) == 1:
            return rows[0], _matched(rows)
        if len(rows) > 1:
            head = _family_head(store, rows)
            if head is not None and family:
                return head, _matched(rows)
            names = ", ".join(f"{r['vendor_id']} ({r['name']})" for r in rows[:12])
            hint = (
                f"; they are one corporate family ({head['vendor_id']}): add --family "
                "to see it whole"
                if head is not None
                else ""
            )
            raise InputError(
                f"{query!r} matches {len(rows)} vendors: {names}{hint}. "
                "Give a vendor id or a fuller name"
            )
    raise NotFound(
        f"No vendor matches {query!r}. Try `custodes vendor list` "
        f"or a shorter part of the name"
    )


def _matched(rows: list[dict]) -> list[dict]:
    return [{"vendor_id": r["vendor_id"], "name": r["name"]} for r in rows]


def _family_head(store: Store, rows: list[dict]) -> dict | None:
    """The head vendor of the one corporate family ROWS all belong to (None: several
    families, or a head that is not an organisation)."""
    families = {r["family_id"] for r in rows}
    if len(families) != 1 or None in families:
        return None
    head = store.rows(
        f"SELECT * FROM vendor WHERE vendor_id = ? AND {NOT_PERSON}", [families.pop()]
    )
    return head[0] if head else None


def members(store: Store, vendor: dict, family: bool) -> list[str]:
    if not family:
        return [vendor["vendor_id"]]
    return [
        r["vendor_id"]
        for r in store.rows(
            "SELECT vendor_id FROM vendor WHERE family_id = ? ORDER BY vendor_id",
            [vendor["family_id"]],
        )
    ]


def vendor_detail(
    store: Store,
    vendor: dict,
    family: bool = False,
    matched: list[dict] | None = None,
) -> dict:
    """Everything `vendor show` says of VENDOR (or its family), MATCHED: the vendors
    the name given matched (`lookup`)."""
    ids = members(store, vendor, family)
    ph = ", ".join("?" for _ in ids)
    parent = (
        store.rows(
            "SELECT vendor_id, name FROM vendor WHERE vendor_id = ?",
            [vendor["parent_id"]],
        )
        if vendor["parent_id"]
        else []
    )
    # its subsidiaries (vendors it is the parent of), with why: a relation of the
    # family, never a reseller (custodes/resolve/makers.py `attribute`)
    subsidiaries = store.rows(
        "SELECT vendor_id, name, parent_reason AS reason FROM vendor "
        f"WHERE parent_id = ? AND vendor_id <> parent_id AND {NOT_PERSON} "
        "ORDER BY name, vendor_id",
        [vendor["vendor_id"]],
    )
    aliases = store.rows(
        "SELECT vendor_id, recipient_name, recipient_uei, recipient_duns, method, "
        "score, "
        f"reason, transactions FROM vendor_alias WHERE vendor_id IN ({ph}) "
        f"AND recipient_name NOT IN ({WITHHELD_NAMES_SQL}) "
        f"ORDER BY vendor_id, transactions DESC, recipient_name",
        ids,
    )
    awards = [
        {**a, "usaspending_url": sources.record_url(a["award_key"])}
        for a in vendor_awards(store, ids)
    ]
    # the vendors paid on awards that name these as maker: each with what it was paid
    # on them (its own transactions, vendor_parts_sql), never the maker itself
    from custodes.figures.serve_tables import present, vendor_parts_sql

    named = f"SELECT award_key FROM award_maker WHERE maker_vendor_id IN ({ph})"
    tx = f'(SELECT * FROM "transaction" t WHERE t.award_key IN ({named}))'
    resellers = store.rows(
        f"""WITH named AS (
                SELECT award_key, list(DISTINCT product_id) AS products
                FROM award_maker WHERE maker_vendor_id IN ({ph}) GROUP BY 1),
            p AS (SELECT award_key, vendor_id, sum(obligation_usd) AS obligation_usd
                  FROM ({vendor_parts_sql(present(store), tx)}) GROUP BY 1, 2)
            SELECT p.vendor_id, v.name, count(*) AS awards,
                   list_distinct(flatten(list(n.products))) AS products,
                   sum(p.obligation_usd) AS obligation_usd
            FROM p JOIN named n USING (award_key)
            JOIN vendor v ON v.vendor_id = p.vendor_id
            WHERE p.vendor_id NOT IN ({ph})
            GROUP BY 1, 2 ORDER BY awards DESC, v.name""",
        ids * 3,
    )
    # the vendor's own part of each award (all of it, unless another vendor was
    # paid on some of its transactions)
    total = sum((a["vendor_obligation_usd"] or 0) for a in awards)
    definition = stated_from_sql(DEFAULT, store.rows, store.has_table)
    counted = sum(
        (a["vendor_obligation_usd"] or 0)
        for a in awards
        if definition.counts(a["category"], a["component_category"])
    )
    channels = vendor_channels(store, ids, definition)
    if vendor.get("kind") == "individual":
        vendor = {**vendor, "name": WITHHELD}
    return {
        "vendor": vendor,
        "definition": definition.to_dict(),
        "parent": parent[0] if parent else None,
        "subsidiaries": subsidiaries,
        "matched": matched if matched is not None else _matched([vendor]),
        "family": family,
        "family_members": ids if family else None,
        "aliases": aliases,
        "resellers": resellers,
        "awards": awards,
        "totals": {
            "awards": len(awards),
            "transactions": sum(a["vendor_transactions"] for a in awards),
            "obligation_usd": total,
            "surveillance_usd": counted,
        },
        "channels": channels,
    }


def vendor_channels(
    store: Store, ids: list[str], definition: Definition
) -> dict[str, Any] | None:
    """The vendors IDS as one maker: their awards paid directly plus the awards paid
    to resellers that name them as maker (custodes/figures/makers.py), or None
    without `custodes resolve`'s award makers. The web app's serve_maker_channel is
    the same query over its tables."""
    from custodes.figures.serve_tables import present, vendor_parts_sql

    if not store.has_table("award_maker"):
        return None
    ph = ", ".join("?" for _ in ids)
    have = present(store)
    reach = (
        't.award_key IN (SELECT x.award_key FROM "transaction" x JOIN '
        f"transaction_vendor y USING (transaction_key) WHERE y.vendor_id IN ({ph})) "
        "OR t.award_key IN (SELECT award_key FROM award_maker "
        f"WHERE maker_vendor_id IN ({ph}))"
    )
    label, parts = _labels(store, have)
    # each vendor with its own part of each award (vendor_parts_sql), as the web
    # app's serve_maker_channel counts them
    tx = f'(SELECT * FROM "transaction" t WHERE {reach})'
    awards = f"""SELECT a.award_key, a.vendor_id, a.vendor_name, a.obligation_usd,
                        c.category, {parts}
                 FROM (SELECT award_key, vendor_id, min(vendor_name) AS vendor_name,
                              sum(obligation_usd) AS obligation_usd
                       FROM ({vendor_parts_sql(have, tx)}) GROUP BY 1, 2) a {label}"""
    who = f"SELECT 'maker' AS owner, vendor_id FROM vendor WHERE vendor_id IN ({ph})"
    counted, params = definition.where_sql("aw.category", "aw.component_category")
    rows = store.rows(
        channels_sql(who, awards, "SELECT * FROM award_maker", counted),
        [*ids, *params, *ids, *ids],  # who, counted, awards
    )
    return summarise(rows)


def _labels(store: Store, have: dict[str, bool]) -> tuple[str, str]:
    """The join that gives an award its category, and classify's component columns
    (NULL without classify), as the web app's award table has them."""
    from custodes.figures.components import component_columns_sql

    if not have["classification"]:
        return (
            "LEFT JOIN (SELECT NULL::VARCHAR AS award_key, NULL::VARCHAR AS category "
            "WHERE false) c USING (award_key)",
            "NULL::VARCHAR AS component_category",
        )
    return (
        "LEFT JOIN classification c USING (award_key)",
        component_columns_sql(store.rows),
    )


def vendor_awards(store: Store, ids: list[str]) -> list[dict]:
    """Every award the vendors IDS were paid on, with their part of it
    (vendor_obligation_usd, vendor_transactions: each transaction under its own
    vendor, serve_tables.vendor_parts_sql) beside the award's own totals
    (obligation_usd, transactions), their largest part first (the web app's rule)."""
    from custodes.figures.serve_tables import award_rows_sql, present, vendor_parts_sql

    ph = ", ".join("?" for _ in ids)
    linked = (
        't.award_key IN (SELECT x.award_key FROM "transaction" x JOIN '
        f"transaction_vendor y USING (transaction_key) WHERE y.vendor_id IN ({ph}))"
    )
    have = present(store)
    label, parts = _labels(store, have)
    tx = f'(SELECT * FROM "transaction" t WHERE {linked})'
    return store.rows(
        f"""WITH p AS (
                SELECT award_key, sum(obligation_usd) AS vendor_obligation_usd,
                       sum(transactions)::BIGINT AS vendor_transactions
                FROM ({vendor_parts_sql(have, tx)})
                WHERE vendor_id IN ({ph}) GROUP BY 1),
            a AS ({award_rows_sql(have, linked)})
            SELECT a.award_key, a.piid, a.first_action_date AS first_date,
                   a.last_action_date AS last_date, a.transactions, a.obligation_usd,
                   p.vendor_transactions, p.vendor_obligation_usd,
                   a.agency_name AS sub_agency, c.category, {parts}
            FROM p JOIN a USING (award_key) {label}
            ORDER BY p.vendor_obligation_usd DESC NULLS LAST, a.award_key""",
        ids * 3,
    )


def list_vendors(store: Store, limit: int, kind: str | None) -> list[dict]:
    require_tables(store)
    where = "WHERE v.kind = ?" if kind else ""
    return store.rows(
        f"""SELECT v.vendor_id,
                   CASE WHEN v.kind = 'individual' THEN '{WITHHELD}' ELSE v.name END
                       AS name, v.kind, v.parent_id, v.family_id,
                   (SELECT count(*) FROM vendor_alias a WHERE a.vendor_id = v.vendor_id)
                     AS aliases,
                   count(tv.transaction_key) AS transactions,
                   coalesce(sum(t.obligation_usd), 0) AS obligation_usd
            FROM vendor v LEFT JOIN transaction_vendor tv ON tv.vendor_id = v.vendor_id
            LEFT JOIN "transaction" t ON t.transaction_key = tv.transaction_key
            {where} GROUP BY ALL ORDER BY obligation_usd DESC, v.vendor_id LIMIT ?""",
        ([kind] if kind else []) + [limit],
    )


def suggestions(store: Store, limit: int) -> list[dict]:
    """Pairs of vendors that share an award (the recipient changed during the award)."""
    require_tables(store)
    return store.rows(
        """WITH av AS (SELECT DISTINCT t.award_key, tv.vendor_id FROM "transaction" t
                       JOIN transaction_vendor tv USING (transaction_key))
           SELECT va.name AS name_a, vb.name AS name_b, a.vendor_id AS vendor_a,
                  b.vendor_id AS vendor_b, count(*) AS awards,
                  min(a.award_key) AS example_award
           FROM av a JOIN av b
             ON a.award_key = b.award_key AND a.vendor_id < b.vendor_id
           JOIN vendor va ON va.vendor_id = a.vendor_id
           JOIN vendor vb ON vb.vendor_id = b.vendor_id
           WHERE va.kind <> 'individual' AND vb.kind <> 'individual'
             AND va.family_id <> vb.family_id
           GROUP BY ALL ORDER BY awards DESC, name_a, name_b LIMIT ?""",
        [limit],
    )
