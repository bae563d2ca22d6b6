"""`custodes resolve` inside `custodes refresh`: the same resolution, written where it
changed.

Resolving clusters recipient records (one per distinct name, UEI and DUNS), not
transactions, so a refresh resolves every record again (custodes/resolve/apply.py
`compute`, the same code as `custodes resolve`) from the records its one scan of the
store read (custodes/figures/changes.py), and then writes only what differs:

- `vendor` and `vendor_alias` (one row per vendor and per record) are replaced whole;
- `transaction_vendor` changes only for new, changed and removed transactions and for
  the transactions of records whose vendor changed;
- `award_maker` is worked out again for the awards the refresh recomputes, or for
  every award when the gazetteer or the vendor of a maker changed.

`compare` says what changed (temporary tables), before anything is written, so that
the refresh knows which awards to recompute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from custodes.resolve import makers
from custodes.resolve.apply import (
    MAKER_COLUMNS,
    Computed,
    _re2_accepts,
    compute,
    family_of,
)
from custodes.resolve.build import Progress
from custodes.resolve.records import RECORD_FIELDS, AliasRecord, alias_join_sql
from custodes.store.duckdb import Store

TABLES = ("vendor", "vendor_alias", "transaction_vendor", "award_maker")
# The join that links a transaction to its vendor (as custodes resolve writes it).
ALIAS_JOIN = f"vendor_alias a ON {alias_join_sql('t', 'a')}"


@dataclass
class Delta:
    """What a refresh's resolution changed."""

    records: int = 0
    vendors: int = 0
    records_moved: int = 0  # records now under another vendor (or new, or gone)
    vendors_changed: int = 0  # vendor rows added, removed or changed
    makers_everywhere: bool = False  # award_maker worked out for every award
    why_makers: str = ""
    award_makers: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def present(store: Store) -> bool:
    return all(store.has_table(t) for t in TABLES) and store.has_table("resolve_run")


def last_matcher(store: Store, default: str) -> str:
    """The matcher of the latest `custodes resolve` (a refresh keeps using it)."""
    if not store.has_table("resolve_run"):
        return default
    found = store.scalar(
        "SELECT matcher FROM resolve_run ORDER BY run_at DESC NULLS LAST LIMIT 1"
    )
    return str(found) if found else default


def records_from(store: Store, table: str = "refresh_records") -> list[AliasRecord]:
    """The records of TABLE in the order `custodes resolve` reads them."""
    rows = store.rows(
        f"SELECT {', '.join(RECORD_FIELDS)} FROM {table} ORDER BY name, uei, duns"
    )
    return [AliasRecord(**r) for r in rows]


def resolve_again(
    store: Store, matcher: str, progress: Progress | None = None
) -> Computed:
    """The resolution of the records of the refresh's scan."""
    done = compute(records_from(store), matcher, progress)
    done.summary.prefilter = _re2_accepts(store.con, makers.prefilter(done.products))
    return done


def maker_vendors_json(done: Computed) -> dict[str, Any]:
    """What award_maker rests on besides the transactions: the products, the
    vendor of each product's maker and its family (kept in the refresh state)."""
    families = family_of(done.vendor)
    return {
        "products": {
            p.id: [
                p.maker,
                p.category,
                p.pattern.pattern,
                p.not_pattern.pattern if p.not_pattern else None,
            ]
            for p in done.products
        },
        "maker_vendor": dict(sorted(done.maker_vendor.items())),
        # a recipient of the maker's family is no reseller (makers.attribute)
        "maker_family": dict(
            sorted((p, families.get(v)) for p, v in done.maker_vendor.items())
        ),
    }


def compare(store: Store, done: Computed) -> Delta:
    """Temp tables saying what DONE changes against the store's vendor tables:

    - refresh_rec_moved(rec): records whose vendor differs (or that are new or gone);
    - refresh_vendor_changed(vendor_id): vendors whose row differs, or their aliases;
    - refresh_rec_touched(rec): records whose transactions' figures change (moved, or
      under a vendor whose name or family changed, or whose family's name changed).
    """
    con = store.con
    con.register("resolve_new_vendor", done.vendor)
    con.register("resolve_new_alias", done.alias)
    delta = Delta(records=done.alias.num_rows, vendors=done.vendor.num_rows)
    store.execute(
        """CREATE OR REPLACE TEMP TABLE refresh_rec_moved AS
        SELECT hash(coalesce(n.recipient_name, o.recipient_name),
                    coalesce(n.recipient_uei, o.recipient_uei),
                    coalesce(n.recipient_duns, o.recipient_duns)) AS rec,
               o.vendor_id AS old_vendor, n.vendor_id AS new_vendor
        FROM vendor_alias o FULL JOIN resolve_new_alias n
          ON n.recipient_name = o.recipient_name
         AND n.recipient_uei IS NOT DISTINCT FROM o.recipient_uei
         AND n.recipient_duns IS NOT DISTINCT FROM o.recipient_duns
        WHERE n.vendor_id IS DISTINCT FROM o.vendor_id"""
    )
    delta.records_moved = int(store.scalar("SELECT count(*) FROM refresh_rec_moved"))
    cols = ("name", "parent_id", "family_id", "kind", "parent_reason")
    differs = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in cols)
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_vendor_diff AS
        SELECT coalesce(n.vendor_id, o.vendor_id) AS vendor_id,
               (n.name IS DISTINCT FROM o.name
                OR n.family_id IS DISTINCT FROM o.family_id) AS figures
        FROM vendor o FULL JOIN resolve_new_vendor n USING (vendor_id)
        WHERE {differs}"""
    )
    delta.vendors_changed = int(
        store.scalar("SELECT count(*) FROM refresh_vendor_diff")
    )
    alias_cols = (
        "vendor_id",
        "method",
        "score",
        "reason",
        "name_key",
        "transactions",
    )
    alias_differs = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in alias_cols)
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_vendor_changed AS
        SELECT vendor_id FROM refresh_vendor_diff
        UNION
        SELECT unnest([o.vendor_id, n.vendor_id]) AS vendor_id
        FROM vendor_alias o FULL JOIN resolve_new_alias n
          ON n.recipient_name = o.recipient_name
         AND n.recipient_uei IS NOT DISTINCT FROM o.recipient_uei
         AND n.recipient_duns IS NOT DISTINCT FROM o.recipient_duns
        WHERE {alias_differs} OR n.recipient_name IS NULL OR o.recipient_name IS NULL"""
    )
    # vendors whose awards' figures change: name or family, or their family's name
    store.execute(
        """CREATE OR REPLACE TEMP TABLE refresh_vendor_figures AS
        WITH named AS (SELECT vendor_id FROM refresh_vendor_diff WHERE figures)
        SELECT vendor_id FROM named
        UNION SELECT vendor_id FROM vendor WHERE family_id IN (SELECT * FROM named)
        UNION SELECT vendor_id FROM resolve_new_vendor
              WHERE family_id IN (SELECT * FROM named)"""
    )
    store.execute(
        """CREATE OR REPLACE TEMP TABLE refresh_rec_touched AS
        SELECT rec FROM refresh_rec_moved
        UNION
        SELECT hash(recipient_name, recipient_uei, recipient_duns) FROM vendor_alias
        WHERE vendor_id IN (SELECT vendor_id FROM refresh_vendor_figures)
        UNION
        SELECT hash(recipient_name, recipient_uei, recipient_duns)
        FROM resolve_new_alias
        WHERE vendor_id IN (SELECT vendor_id FROM refresh_vendor_figures)"""
    )
    return delta


def makers_everywhere(done: Computed, before: dict[str, Any] | None) -> str:
    """Why award_maker must be worked out for every award ('' when only for the
    awards a refresh recomputes)."""
    if before is None:
        return "no earlier refresh recorded the gazetteer"
    now = maker_vendors_json(done)
    if now["products"] != before.get("products"):
        return "the product gazetteer changed"
    if now["maker_vendor"] != before.get("maker_vendor"):
        return "the vendor of a maker changed"
    if now["maker_family"] != before.get("maker_family"):
        return "the corporate family of a maker changed"
    return ""


def all_makers_sql_rows(store: Store, done: Computed) -> list[dict[str, Any]]:
    """award_maker rows for every award of the store, with the new vendor links
    (temp table refresh_all_tv must hold every transaction's vendor)."""
    awards = _candidate_awards_from(store, done, '"transaction"', "refresh_all_tv")
    return makers.attribute(
        awards, done.products, done.maker_vendor, family_of(done.vendor)
    )


def _candidate_awards_from(
    store: Store, done: Computed, transactions: str, vendors: str
) -> list[tuple]:
    sql = makers.awards_sql(done.summary.prefilter, transactions, vendors)
    params = [makers.prefilter(done.products)] if done.summary.prefilter else []
    return store.con.execute(sql, params).fetchall()


def new_makers_everywhere(store: Store, done: Computed) -> None:
    """Temp table refresh_new_maker: award_maker as it will be, for every award (the
    awards whose rows differ are touched: refresh_maker_touched(award_key))."""
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_all_tv AS
        SELECT t.transaction_key, a.vendor_id FROM "transaction" t
        JOIN (SELECT * FROM resolve_new_alias) a ON {alias_join_sql("t", "a")}"""
    )
    _register_makers(store, all_makers_sql_rows(store, done), "refresh_new_maker")
    store.execute("DROP TABLE refresh_all_tv")
    cols = ", ".join(MAKER_COLUMNS)
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_maker_touched AS
        SELECT DISTINCT award_key FROM (
            (SELECT {cols} FROM award_maker EXCEPT ALL
             SELECT {cols} FROM refresh_new_maker)
            UNION ALL
            (SELECT {cols} FROM refresh_new_maker EXCEPT ALL
             SELECT {cols} FROM award_maker))"""
    )


def _register_makers(store: Store, rows: list[dict[str, Any]], name: str) -> None:
    table = pa.table(
        {c: pa.array([r[c] for r in rows], pa.string()) for c in MAKER_COLUMNS}
    )
    store.con.register(f"{name}_src", table)
    store.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_src")
    store.con.unregister(f"{name}_src")


def write(
    store: Store,
    done: Computed,
    delta: Delta,
    awards: str = "refresh_award",
    transactions: str = "refresh_tx",
) -> None:
    """Write the resolution (inside the refresh's transaction). AWARDS: the awards
    recomputed (award_key); TRANSACTIONS: every transaction of them (temp tables of
    the refresh). Leaves refresh_tv: the vendor of each of TRANSACTIONS."""
    store.execute("CREATE OR REPLACE TABLE vendor AS SELECT * FROM resolve_new_vendor")
    store.execute(
        "CREATE OR REPLACE TABLE vendor_alias AS SELECT * FROM resolve_new_alias"
    )
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_tv AS
        SELECT t.transaction_key, a.vendor_id
        FROM {transactions} t JOIN {ALIAS_JOIN}"""
    )
    # rows that go: earlier versions of changed and removed transactions, and every
    # transaction of a record that moved; rows that come: new versions, and the
    # moved records' transactions again
    store.execute(
        """CREATE OR REPLACE TEMP TABLE refresh_tv_del AS
        SELECT khash FROM refresh_changed WHERE old_fp IS NOT NULL
        UNION
        SELECT khash FROM refresh_transaction
        WHERE rec IN (SELECT rec FROM refresh_rec_moved)"""
    )
    if store.scalar("SELECT count(*) FROM refresh_tv_del"):
        store.execute(
            """DELETE FROM transaction_vendor WHERE hash(transaction_key) IN (
                SELECT khash FROM refresh_tv_del)"""
        )
    store.execute(
        f"""INSERT INTO transaction_vendor
        SELECT tv.transaction_key, tv.vendor_id FROM refresh_tv tv
        JOIN {transactions} t USING (transaction_key)
        WHERE hash(t.transaction_key) IN (
                SELECT khash FROM refresh_changed WHERE new_fp IS NOT NULL)
           OR hash(coalesce(t.recipient_name, ''), t.recipient_uei, t.recipient_duns)
              IN (SELECT rec FROM refresh_rec_moved)"""
    )
    # award_maker
    if delta.makers_everywhere:
        store.execute("DELETE FROM award_maker")
        store.execute("INSERT INTO award_maker SELECT * FROM refresh_new_maker")
    else:
        store.execute(
            "DELETE FROM award_maker WHERE award_key IN "
            f"(SELECT award_key FROM {awards})"
        )
        found = _candidate_awards_from(store, done, transactions, "refresh_tv")
        rows = makers.attribute(
            found, done.products, done.maker_vendor, family_of(done.vendor)
        )
        _register_makers(store, rows, "refresh_award_maker")
        store.execute("INSERT INTO award_maker SELECT * FROM refresh_award_maker")
    delta.award_makers = int(store.scalar("SELECT count(*) FROM award_maker"))
    store.create("resolve_run")
    store.execute(
        "INSERT INTO resolve_run VALUES (?, ?, ?, ?, ?)",
        [
            datetime.now(UTC).replace(tzinfo=None),
            done.summary.matcher,
            done.summary.vendors,
            done.summary.alias_records,
            delta.award_makers,
        ],
    )
    for name in ("resolve_new_vendor", "resolve_new_alias"):
        store.con.unregister(name)


def drop_temp(store: Store) -> None:
    for name in (
        "refresh_rec_moved",
        "refresh_vendor_diff",
        "refresh_vendor_changed",
        "refresh_vendor_figures",
        "refresh_rec_touched",
        "refresh_new_maker",
        "refresh_maker_touched",
        "refresh_tv",
        "refresh_tv_del",
        "refresh_award_maker",
    ):
        store.execute(f"DROP TABLE IF EXISTS {name}")
