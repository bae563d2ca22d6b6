"""The floor of ingest's table shape: DuckDB alone writing the store's 39-column
transaction rows from the generated CSV, against its own plain load of the same file.

    .venv/bin/python bench/ingest_floor.py 1000000 5000000

For each size (the files bench/ingest_bench.py generates in bench/out/), two fresh
processes, twice: (a) `CREATE TABLE t AS SELECT * FROM read_csv(file)`, the baseline of
bench/ingest_bench.py; (b) the `"transaction"` table of custodes/store/schema.sql filled
by one INSERT ... SELECT from read_csv with the cheapest expressions that give each
column a value of the right kind (casts, the fiscal year, the sub-agency code and name,
a hash for the key and the content hash, NULL where API-search rows have nothing). No
checks, no second read, no minimisation, no raw row, no line numbers: none of what
custodes guarantees, only the shape it writes. The ratio (b)/(a) is what any ingest
that writes this table pays before doing anything else. Prints wall and CPU seconds
(user + system, all threads) of each process and the ratios.
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

SHAPE_INSERT = f"""
INSERT INTO "transaction" SELECT
  'T' || hash("Generated Award ID", "Modification", "Action Date",
              "Federal Action Obligation")::VARCHAR,
  "Generated Award ID", 'source', "Award ID", "Modification"::VARCHAR,
  NULL, NULL, NULL, NULL, NULL,
  "Action Date"::DATE, year("Action Date"::DATE + INTERVAL 3 MONTH)::INTEGER,
  "Federal Action Obligation"::DECIMAL(18, 2), trim("Recipient Name"),
  NULL, NULL, NULL, NULL, NULL, false,
  '070', 'Department of Homeland Security', {SUB_CODE}, {SUB_NAME},
  NULL, NULL, NULL, NULL, NULL, "Product/Service Description", NULL,
  "NAICS Description", "Transaction Description", 'api_search', 'tx.csv', NULL, 1,
  hash({COLUMNS}), NULL
FROM read_csv('{{csv}}')"""

RAW = "CREATE TABLE t AS SELECT * FROM read_csv('{csv}')"

CHILD = r"""
import duckdb, resource, sys, time
sql, db = sys.argv[1], sys.argv[2]
con = duckdb.connect(db)
con.execute("SET enable_progress_bar = false")
t = time.perf_counter()
con.execute("BEGIN"); con.execute(sql); con.execute("COMMIT"); con.close()
u = resource.getrusage(resource.RUSAGE_SELF)
print(round(time.perf_counter() - t, 2), round(u.ru_utime + u.ru_stime, 2))
"""


def table_sql() -> str:
    """The store's transaction table, as custodes/store/schema.sql creates it."""
    ddl = (ROOT / "custodes" / "store" / "schema.sql").read_text()
    start = ddl.index('CREATE TABLE IF NOT EXISTS "transaction"')
    return ddl[start : ddl.index(");", start) + 2]


def run(sql: str, db: Path) -> tuple[float, float]:
    """(wall s, CPU s) of SQL in a fresh process on a new database DB."""
    for path in (db, Path(f"{db}.wal")):
        if path.exists():
            path.unlink()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, sql, str(db)], capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    wall, cpu = (float(x) for x in out.stdout.split())
    return wall, cpu


def main() -> None:
    sizes = [int(n) for n in sys.argv[1:]] or [1_000_000]
    shape = table_sql() + "\n" + SHAPE_INSERT
    for n in sizes:
        csv = OUT / f"tx_{n}.csv"
        if not csv.exists():
            raise SystemExit(f"{csv} is missing: run bench/ingest_bench.py {n} first.")
        for _ in range(2):
            raw = run(RAW.format(csv=csv), OUT / "floor_raw.duckdb")
            ours = run(shape.replace("{csv}", str(csv)), OUT / "floor_shape.duckdb")
            print(
                f"{n:,} rows: read_csv {raw[0]:.2f} s wall, {raw[1]:.2f} s CPU | "
                f"39-column shape {ours[0]:.2f} s wall, {ours[1]:.2f} s CPU | "
                f"ratio wall {ours[0] / raw[0]:.2f}, CPU {ours[1] / raw[1]:.2f}"
            )
    for name in ("floor_raw.duckdb", "floor_shape.duckdb"):
        (OUT / name).unlink(missing_ok=True)
    os.sync()


if __name__ == "__main__":
    main()
