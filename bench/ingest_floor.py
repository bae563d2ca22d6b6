"""The floor of ingest's table shape: DuckDB alone writing the store's 39-column
transaction rows from the generated CSV, against its own plain load of the same file.

    .venv/bin/python bench/ingest_floor.py [--narrow] 1000000 5000000

For each size (the files bench/ingest_bench.py generates in bench/out/), two fresh
processes, twice: (a) `CREATE TABLE t AS SELECT * FROM read_csv(file)`, the baseline of
bench/ingest_bench.py; (b) the `"transaction"` table of custodes/store/schema.sql filled
by one INSERT ... SELECT from read_csv with the cheapest expressions that give each
column a value of the right kind (casts, the fiscal year, the sub-agency code and name,
a hash for the key and the content hash, NULL where API-search rows have nothing). No
checks, no second read, no minimisation, no raw row, no line numbers: none of what
custodes guarantees, only the shape it writes. The ratio (b)/(a) is what any ingest
that writes this table pays before doing anything else. With --narrow, also (c): the
same without the columns API-search rows leave empty, the most a narrower physical
table could save. Both sides run under custodes' default memory limit of 1500MB, as in
bench/ingest_bench.py (runs before 2026-12-06 had no limit). Prints wall and CPU
seconds (user + system, all threads) of each process and the ratios.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

AGENCY = {
    "ICE": ("7012", "U.S. Immigration and Customs Enforcement"),
    "CBP": ("7014", "U.S. Customs and Border Protection"),
}
SUB_CODE = (
    'CASE "Agency" '
    + " ".join(f"WHEN '{a}' THEN '{c}'" for a, (c, _) in AGENCY.items())
    + " END"
)
SUB_NAME = (
    'CASE "Agency" '
    + " ".join(f"WHEN '{a}' THEN '{n}'" for a, (_, n) in AGENCY.items())
    + " END"
)
COLUMNS = ", ".join(
    f'"{c}"'
    for c in (
        "Agency", "Award ID", "Recipient Name", "Federal Action Obligation",
        "Action Date", "Modification", "Product/Service Description",
        "NAICS Description", "Transaction Description", "Generated Award ID",
    )
)  # fmt: skip

# The store's columns, in schema.sql order, each with the cheapest expression that gives
# it a value of its kind from an API-search row (None: API-search rows leave it empty).
SHAPE = (
    ("transaction_key", "'T' || hash(\"Generated Award ID\", \"Modification\", "
     "\"Action Date\", \"Federal Action Obligation\")::VARCHAR"),
    ("award_key", '"Generated Award ID"'),
    ("award_key_source", "'source'"),
    ("piid", '"Award ID"'),
    ("modification_number", '"Modification"::VARCHAR'),
    ("transaction_number", None),
    ("parent_award_piid", None),
    ("parent_award_agency_code", None),
    ("award_type", None),
    ("action_type", None),
    ("action_date", '"Action Date"::DATE'),
    ("fiscal_year", 'year("Action Date"::DATE + INTERVAL 3 MONTH)::INTEGER'),
    ("obligation_usd", '"Federal Action Obligation"::DECIMAL(18, 2)'),
    ("recipient_name", 'trim("Recipient Name")'),
    ("recipient_uei", None),
    ("recipient_duns", None),
    ("recipient_parent_name", None),
    ("recipient_parent_uei", None),
    ("recipient_parent_duns", None),
    ("recipient_is_individual", "false"),
    ("awarding_agency_code", "'070'"),
    ("awarding_agency_name", "'Department of Homeland Security'"),
    ("awarding_sub_agency_code", SUB_CODE),
    ("awarding_sub_agency_name", SUB_NAME),
    ("awarding_office_code", None),
    ("awarding_office_name", None),
    ("funding_sub_agency_code", None),
    ("funding_sub_agency_name", None),
    ("psc_code", None),
    ("psc_description", '"Product/Service Description"'),
    ("naics_code", None),
    ("naics_description", '"NAICS Description"'),
    ("description", '"Transaction Description"'),
    ("source_format", "'api_search'"),
    ("source_file", "'tx.csv'"),
    ("source_line", None),
    ("ingest_run_id", "1"),
    ("content_hash", f"hash({COLUMNS})"),
    ("raw_values", None),
)  # fmt: skip


def shape_sql(narrow: bool) -> str:
    """The store's table and its INSERT; `narrow` leaves out the columns API-search rows
    leave empty (what a narrower physical table could save, at most)."""
    ddl = table_sql()
    if not narrow:
        exprs = ", ".join(e or "NULL" for _, e in SHAPE)
        insert = f"SELECT {exprs} FROM read_csv('{{csv}}')"
        return f'{ddl}\nINSERT INTO "transaction" {insert}'
    kept = [(c, e) for c, e in SHAPE if e is not None]
    dropped = ", ".join(c for c, e in SHAPE if e is None)
    cols = ", ".join(c for c, _ in kept)
    exprs = ", ".join(e for _, e in kept)
    return (
        f'{ddl}\nALTER TABLE "transaction" RENAME TO wide;\n'
        f'CREATE TABLE "transaction" AS SELECT * EXCLUDE ({dropped}) FROM wide '
        "LIMIT 0;\n"
        f"DROP TABLE wide;\n"
        f"INSERT INTO \"transaction\" ({cols}) SELECT {exprs} FROM read_csv('{{csv}}')"
    )


RAW = "CREATE TABLE t AS SELECT * FROM read_csv('{csv}')"

# Both sides run as bench/ingest_bench.py runs them, under custodes' default memory
# limit (its baseline sets the same); the shapes also without plain FSST, as in ingest.
CHILD = r"""
import duckdb, resource, sys, time
sql, db, settings = sys.argv[1], sys.argv[2], sys.argv[3]
con = duckdb.connect(db)
con.execute("SET enable_progress_bar = false")
con.execute(settings)
t = time.perf_counter()
con.execute("BEGIN"); con.execute(sql); con.execute("COMMIT"); con.close()
u = resource.getrusage(resource.RUSAGE_SELF)
print(round(time.perf_counter() - t, 2), round(u.ru_utime + u.ru_stime, 2))
"""
RAW_SETTINGS = "SET memory_limit = '1500MB'"
SHAPE_SETTINGS = RAW_SETTINGS + "; SET disabled_compression_methods = 'fsst'"


def table_sql() -> str:
    """The store's transaction table, as custodes/store/schema.sql creates it."""
    ddl = (ROOT / "custodes" / "store" / "schema.sql").read_text()
    start = ddl.index('CREATE TABLE IF NOT EXISTS "transaction"')
    return ddl[start : ddl.index(");", start) + 2]


def run(sql: str, db: Path, settings: str) -> tuple[float, float]:
    """(wall s, CPU s) of SQL in a fresh process on a new database DB."""
    for path in (db, Path(f"{db}.wal")):
        if path.exists():
            path.unlink()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, sql, str(db), settings],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    wall, cpu = (float(x) for x in out.stdout.split())
    return wall, cpu


def main() -> None:
    args = sys.argv[1:]
    narrow = "--narrow" in args
    sizes = [int(n) for n in args if n != "--narrow"] or [1_000_000]
    shapes = [("39-column shape", shape_sql(False))]
    if narrow:
        kept = sum(e is not None for _, e in SHAPE)
        shapes.append((f"{kept}-column shape", shape_sql(True)))
    for n in sizes:
        csv = OUT / f"tx_{n}.csv"
        if not csv.exists():
            raise SystemExit(f"{csv} is missing: run bench/ingest_bench.py {n} first.")
        for _ in range(2):
            raw = run(RAW.format(csv=csv), OUT / "floor_raw.duckdb", RAW_SETTINGS)
            line = f"{n:,} rows: read_csv {raw[0]:.2f} s wall, {raw[1]:.2f} s CPU"
            for name, sql in shapes:
                ours = run(sql.replace("{csv}", str(csv)), OUT / "floor_shape.duckdb",
                           SHAPE_SETTINGS)  # fmt: skip
                line += (
                    f" | {name} {ours[0]:.2f} s wall, {ours[1]:.2f} s CPU, "
                    f"ratio wall {ours[0] / raw[0]:.2f}, CPU {ours[1] / raw[1]:.2f}"
                )
            print(line, flush=True)
    for name in ("floor_raw.duckdb", "floor_shape.duckdb"):
        (OUT / name).unlink(missing_ok=True)
    os.sync()


if __name__ == "__main__":
    main()
