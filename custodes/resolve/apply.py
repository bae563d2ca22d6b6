"""`custodes resolve`: build vendors and write the four tables in one transaction.

Tables (see the contract in docs/resolve.md): vendor, vendor_alias, transaction_vendor,
award_maker, plus resolve_run (one row per run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from custodes.resolve import makers
from custodes.resolve.build import Progress, Resolution, resolve
from custodes.resolve.families import Families, load_parents
from custodes.resolve.judgements import load_judgements
from custodes.resolve.keys import name_key
from custodes.resolve.records import AliasRecord, alias_join_sql, load_records
from custodes.store.duckdb import Store


@dataclass
class Summary:
    matcher: str
    alias_records: int = 0
    vendors: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    parents_from_source: int = 0
    parents_curated: int = 0
    families: int = 0
    judgements: int = 0
    merges_refused_by_judgement: int = 0
    matcher_pairs: int = 0
    matcher_pairs_vetoed: int = 0
    transactions: int = 0
    award_makers: int = 0
    awards_with_maker: int = 0
    prefilter: bool = True


# award_maker's columns, in order (custodes resolve and custodes refresh write them)
MAKER_COLUMNS = (
    "award_key",
    "maker",
    "maker_vendor_id",
    "product_id",
    "evidence",
    "matched",
    "category",
    "recipient_vendor_id",
)


def _maker_vendors(products: list[makers.Product], fam: Families) -> dict[str, str]:
    out = {}
    for p in products:
        known = [
            fam.by_key[name_key(n)] for n in p.maker_names if name_key(n) in fam.by_key
        ]
        out[p.id] = known[0] if known else fam.vendor_for(p.maker, kind="maker")
    return out


def _vendor_table(res: Resolution, fam: Families, maker_ids: set[str]) -> pa.Table:
    ids = list(res.vendors) + list(fam.extra)
    names = [res.names.get(v) or fam.extra[v] for v in ids]
    kinds = []
    for v in ids:
        if v in fam.extra:
            kinds.append(
                "maker" if v in maker_ids and v not in fam.parent.values() else "parent"
            )
        elif all(res.records[i].is_individual for i in res.vendors[v]):
            kinds.append("individual")
        else:
            kinds.append("recipient")
    return _typed(
        {
            "vendor_id": ids,
            "name": names,
            "parent_id": [fam.parent.get(v) for v in ids],
            "family_id": [fam.family_of(v) for v in ids],
            "kind": kinds,
            "parent_reason": [fam.parent_reason.get(v) for v in ids],
        }
    )


def _typed(columns: dict[str, list]) -> pa.Table:
    """Text columns typed as text even when every value is None (a store without
    UEIs): a column of DuckDB type NULL would not take text from a later run."""
    return pa.table(
        {
            name: values
            if isinstance(values, pa.Array)
            else pa.array(values, pa.int64() if name == "transactions" else pa.string())
            for name, values in columns.items()
        }
    )


def _alias_table(res: Resolution) -> pa.Table:
    recs = res.records
    return _typed(
        {
            "vendor_id": res.vendor_of,
            "recipient_name": [r.name for r in recs],
            "recipient_uei": [r.uei for r in recs],
            "recipient_duns": [r.duns for r in recs],
            "method": [e.method for e in res.evidence],
            "score": pa.array([e.score for e in res.evidence], pa.float64()),
            "reason": [e.reason for e in res.evidence],
            "name_key": [r.key for r in recs],
            "transactions": [r.transactions for r in recs],
        }
    )


def _re2_accepts(con: duckdb.DuckDBPyConnection, pattern: str) -> bool:
    """Whether DuckDB's RE2 compiles the gazetteer prefilter (checked outside the
    transaction: an error inside one would abort it)."""
    try:
        con.execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
        return True
    except duckdb.Error:
        return False


def _candidate_awards(
    con: duckdb.DuckDBPyConnection, products: list[makers.Product], filtered: bool
) -> list[tuple]:
    """Let DuckDB drop descriptions that name no product; Python then checks the
    rest."""
    if filtered:
        return con.execute(makers.awards_sql(), [makers.prefilter(products)]).fetchall()
    return con.execute(makers.awards_sql(filtered=False)).fetchall()


TABLES = ("vendor", "vendor_alias", "transaction_vendor", "award_maker")


def _write(
    store: Store,
    vendor: pa.Table,
    alias: pa.Table,
    products: list[makers.Product],
    maker_vendor: dict[str, str],
    summary: Summary,
) -> None:
    con = store.con
    con.register("vendor_src", vendor)
    con.register("alias_src", alias)
    con.execute("CREATE OR REPLACE TABLE vendor AS SELECT * FROM vendor_src")
    con.execute("CREATE OR REPLACE TABLE vendor_alias AS SELECT * FROM alias_src")
    # written once, straight into the table (a temp table copied into it wrote
    # every link twice)
    con.execute(f"""
        CREATE OR REPLACE TABLE transaction_vendor AS
        SELECT t.transaction_key, a.vendor_id FROM "transaction" t
        JOIN vendor_alias a ON {alias_join_sql("t", "a")}""")
    awards = _candidate_awards(con, products, summary.prefilter)
    rows = makers.attribute(awards, products, maker_vendor, family_of(vendor))
    cols = list(MAKER_COLUMNS)
    con.register(
        "maker_src",
        pa.table({c: pa.array([r[c] for r in rows], pa.string()) for c in cols}),
    )
    con.execute("CREATE OR REPLACE TABLE award_maker AS SELECT * FROM maker_src")
    store.create("resolve_run")
    con.execute(
        "INSERT INTO resolve_run VALUES (?, ?, ?, ?, ?)",
        [
            datetime.now(UTC).replace(tzinfo=None),
            summary.matcher,
            summary.vendors,
            summary.alias_records,
            len(rows),
        ],
    )
    for name in ("vendor_src", "alias_src", "maker_src"):
        con.unregister(name)
    summary.transactions = con.execute(
        "SELECT count(*) FROM transaction_vendor"
    ).fetchall()[0][0]
    summary.award_makers = len(rows)
    summary.awards_with_maker = len({r["award_key"] for r in rows})


def family_of(vendor: pa.Table) -> dict[str, str | None]:
    """Each vendor's corporate family (vendor id to family id)."""
    return dict(
        zip(
            vendor.column("vendor_id").to_pylist(),
            vendor.column("family_id").to_pylist(),
            strict=True,
        )
    )


@dataclass
class Computed:
    """A resolution of recipient records, ready to be written."""

    vendor: pa.Table
    alias: pa.Table
    products: list[makers.Product]
    maker_vendor: dict[str, str]
    summary: Summary


def compute(
    records: list[AliasRecord], matcher: str, progress: Progress | None = None
) -> Computed:
    """Resolve RECORDS into vendors, families and the maker products' vendors (no
    store access: `custodes resolve` and `custodes refresh` both write the result)."""
    judgements = load_judgements()
    res = resolve(records, judgements, matcher, progress)
    (progress or (lambda step: None))("corporate families")
    fam = Families(res)
    fam.add_source_parents()
    from_source = len(fam.parent)
    parents = load_parents()
    curated = fam.add_curated(parents)
    products = makers.load_products()
    maker_vendor = _maker_vendors(products, fam)
    # a maker paid under no name of its own (BlackBag Technologies) gets its curated
    # parent once its vendor exists; links applied above are not applied twice
    curated += fam.add_curated(parents)
    vendor = _vendor_table(res, fam, set(maker_vendor.values()))
    alias = _alias_table(res)
    summary = Summary(
        matcher=matcher,
        alias_records=len(records),
        vendors=vendor.num_rows,
        parents_from_source=from_source,
        parents_curated=curated,
        families=len(set(vendor.column("family_id").to_pylist())),
        judgements=len(judgements),
        merges_refused_by_judgement=len(res.refused),
        matcher_pairs=res.matcher_pairs,
        matcher_pairs_vetoed=res.vetoed_pairs,
    )
    for e in res.evidence:
        summary.by_method[e.method] = summary.by_method.get(e.method, 0) + 1
    return Computed(vendor, alias, products, maker_vendor, summary)


def write(store: Store, done: Computed) -> None:
    """Rebuild the four vendor tables from DONE and log the run (call inside a
    transaction)."""
    done.summary.prefilter = _re2_accepts(store.con, makers.prefilter(done.products))
    _write(
        store,
        done.vendor,
        done.alias,
        done.products,
        done.maker_vendor,
        done.summary,
    )


def run_resolve(
    store: Store, matcher: str, progress: Progress | None = None
) -> Summary:
    """Resolve every recipient in the store and rebuild the resolve tables
    atomically."""
    note = progress or (lambda step: None)
    note("loading recipients")
    done = compute(load_records(store), matcher, progress)
    note("writing tables")
    with store.transaction():
        write(store, done)
    return done.summary
