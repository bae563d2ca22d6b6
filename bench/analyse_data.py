"""Build a store of N generated transactions for the analysis benchmark.

Resamples real transactions of a store built from ../shared (fixed seed) and gives
each sampled row fresh keys: about three transactions per generated award, base award
first. Amounts, dates, recipients, sub-agencies and descriptions are real values.

The classification / vendor / award_maker tables come from the base store when it has
them (a generated award inherits the labels of the award its rows were sampled from);
otherwise they are made by fixed stand-in rules, stated below, so the benchmark can run
before `custodes classify` / `custodes resolve` exist.

    .venv/bin/python bench/analyse_data.py 10000000 bench/out/analyse_10m.duckdb
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "usaspending"
SEED = 7

TRANSACTIONS_SQL = """
INSERT INTO "transaction" BY NAME
SELECT s.* EXCLUDE (rn) REPLACE (
    'G' || i::VARCHAR AS transaction_key,
    'GEN_AWD_' || (i // 3)::VARCHAR AS award_key,
    'GEN' || (i // 3)::VARCHAR AS piid,
    CASE WHEN i % 3 = 0 THEN '0' ELSE 'P0000' || (i % 3)::VARCHAR END
        AS modification_number,
    CASE WHEN i % 100 = 0 THEN 2 ELSE 1 END AS ingest_run_id)
FROM range({n}) r(i)
JOIN src s ON s.rn = hash(i // 3 + {seed}, i % 3) % {n_src};
"""

# Which real award each generated award was sampled from (its first row).
ORIGIN_SQL = """
CREATE TEMP TABLE origin AS
SELECT g.award_key AS award_key, s.award_key AS origin_award_key
FROM "transaction" g JOIN src s ON s.rn = hash(
    CAST(substr(g.award_key, 9) AS BIGINT) + {seed}, 0) % {n_src}
WHERE g.modification_number = '0';
"""

RULE_SQL = {
    "classification": """CREATE TABLE classification AS SELECT award_key, CASE
        WHEN psc_code LIKE 'D3%' OR psc_code LIKE '7%' THEN 'it-data'
        WHEN psc_code LIKE 'R%' THEN 'services'
        WHEN psc_code LIKE '58%' THEN 'sensors' ELSE 'none' END AS category,
        0.5 AS confidence, '[]' AS evidence, NULL::VARCHAR AS maker, 'rules' AS method,
        'bench' AS taxonomy_version, 'bench' AS rules_version
        FROM "transaction" WHERE modification_number = '0'""",
    "vendor": """CREATE TABLE vendor AS
        SELECT DISTINCT 'v-' || md5(upper(recipient_name)) AS vendor_id,
        upper(recipient_name) AS name, NULL::VARCHAR AS parent_id,
        'f-' || md5(upper(coalesce(recipient_parent_name, recipient_name)))
            AS family_id,
        'company' AS kind FROM base."transaction" WHERE recipient_name IS NOT NULL
        UNION ALL SELECT DISTINCT
        'f-' || md5(upper(coalesce(recipient_parent_name, recipient_name))),
        upper(coalesce(recipient_parent_name, recipient_name)), NULL, NULL, 'family'
        FROM base."transaction" WHERE recipient_name IS NOT NULL""",
    "transaction_vendor": """CREATE TABLE transaction_vendor AS SELECT transaction_key,
        'v-' || md5(upper(recipient_name)) AS vendor_id FROM "transaction"
        WHERE recipient_name IS NOT NULL""",
    "award_maker": """CREATE TABLE award_maker AS SELECT DISTINCT award_key,
        CASE WHEN description LIKE '%PALANTIR%' THEN 'Palantir'
             WHEN description LIKE '%MOTOROLA%' THEN 'Motorola' ELSE 'Cellebrite' END
        AS maker, NULL::VARCHAR AS maker_vendor_id, 'p' AS product_id,
        description AS evidence FROM "transaction"
        WHERE description LIKE '%PALANTIR%' OR description LIKE '%MOTOROLA%'
           OR description LIKE '%CELLEBRITE%'""",
}

INHERIT_SQL = {
    "classification": """CREATE TABLE classification AS SELECT o.award_key, c.* EXCLUDE
        (award_key) FROM origin o JOIN base.classification c
        ON c.award_key = o.origin_award_key""",
    "vendor": "CREATE TABLE vendor AS SELECT * FROM base.vendor",
    "transaction_vendor": """CREATE TABLE transaction_vendor AS
        SELECT g.transaction_key,
        tv.vendor_id FROM "transaction" g JOIN src s ON s.rn = hash(
        CAST(substr(g.award_key, 9) AS BIGINT) + {seed},
        CAST(substr(g.modification_number, 2) AS INT)) % {n_src}
        JOIN base.transaction_vendor tv ON tv.transaction_key = s.transaction_key""",
    "award_maker": """CREATE TABLE award_maker AS SELECT o.award_key, m.* EXCLUDE
        (award_key) FROM origin o JOIN base.award_maker m
        ON m.award_key = o.origin_award_key""",
}


def build_base(path: Path) -> Path:
    if not path.exists():
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "custodes"),
                "--db",
                str(path),
                "ingest",
                str(SHARED),
            ],
            check=True,
            capture_output=True,
        )
    return path


def has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? "
            "AND table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def generate(n: int, out: Path, base: Path) -> Path:
    from custodes.settings import Settings
    from custodes.store import open_store

    out.unlink(missing_ok=True)
    with open_store(
        Settings(db=out, memory_limit="6GB"), write=True, command="bench"
    ) as store:
        con = store.con
        con.execute(f"ATTACH '{base}' AS base (READ_ONLY)")
        con.execute(
            "CREATE TEMP TABLE src AS SELECT row_number() OVER "
            '(ORDER BY transaction_key) - 1 AS rn, * FROM base."transaction"'
        )
        n_src = con.execute("SELECT count(*) FROM src").fetchall()[0][0]
        con.execute(TRANSACTIONS_SQL.format(n=n, seed=SEED, n_src=n_src))
        con.execute(ORIGIN_SQL.format(seed=SEED, n_src=n_src))
        con.execute(
            "INSERT INTO ingest_run (run_id, command, started_at) VALUES "
            "(1, 'bench', TIMESTAMP '2025-01-01'), (2, 'bench', "
            "TIMESTAMP '2025-06-01')"
        )
        con.execute(
            "INSERT INTO transaction_revision SELECT transaction_key, 2, "
            "TIMESTAMP '2025-06-01', round(obligation_usd * 0.9, 2), 'old', NULL "
            'FROM "transaction" WHERE ingest_run_id = 2 AND '
            "CAST(substr(transaction_key, 2) AS BIGINT) % 1000 = 0"
        )
        for name, rule in RULE_SQL.items():
            inherit = has_table(con, "base", name)
            sql = INHERIT_SQL[name] if inherit else rule
            con.execute(sql.format(seed=SEED, n_src=n_src))
            print(f"{name}: {'inherited from the base store' if inherit else 'rules'}")
        con.execute(
            "CREATE TABLE classification_run AS SELECT now()::TIMESTAMP AS run_at, "
            "any_value(taxonomy_version) AS taxonomy_version, any_value("
            "rules_version) AS rules_version, 0 AS overrides_applied, "
            "count(*)::INT AS awards FROM classification"
        )
        con.execute("DETACH base")
    return out


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    target = (
        Path(sys.argv[2])
        if len(sys.argv) > 2
        else ROOT / "bench" / "out" / f"analyse_{count // 1_000_000}m.duckdb"
    )
    base_store = build_base(
        Path(sys.argv[3])
        if len(sys.argv) > 3
        else ROOT / "bench" / "out" / "analyse_base.duckdb"
    )
    started = time.perf_counter()
    generate(count, target, base_store)
    print(f"{count:,} transactions in {target} ({time.perf_counter() - started:.0f} s)")
