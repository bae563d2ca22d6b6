"""Time the standard analyses on DuckDB (through Ibis) against plain pandas, same run.

    .venv/bin/python bench/analyse_data.py 10000000 bench/out/analyse_10m.duckdb
    .venv/bin/python bench/analyse_bench.py bench/out/analyse_10m.duckdb [--spark]

DuckDB: median of 10 runs after one warm-up, each run the full custodes analysis
(Ibis expression built, compiled, executed, fetched to Decimal). pandas: the same
analysis written plainly over DataFrames already in memory (load time reported apart),
money as integer cents (exact), median of 3 runs. The two results are checked to agree.
DuckDB runs each analysis twice: on the prepared frame (`custodes analyse prepare`, run
first and timed when the frame is not current) and on the raw tables with joins
(`--no-raw` skips that side); the two must agree. With --duckdb-only, pandas does not
run. With --spark, the slowest DuckDB analysis also runs on Spark local mode from
Parquet. With --scoped, only the DuckDB sides run, scoped to ICE FY2021-2024 (the two
must agree).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from custodes.analyse.engines import Source, connect_duckdb
from custodes.figures import analyses
from custodes.figures.definition import ALL_SPENDING
from custodes.figures.frame import Filters, prepared_frame

# Every contract, as the bench measured before the default became surveillance only.
ALL = Filters(definition=ALL_SPENDING)
SINCE = date(2025, 3, 1)


def timed(
    fn: Callable[[], object], runs: int, budget: float = 60.0
) -> tuple[float, object]:
    """Median seconds of RUNS runs after a warm-up; stops after 3 runs past BUDGET s."""
    fn()  # warm-up
    times: list[float] = []
    result = None
    while len(times) < runs and (len(times) < 3 or sum(times) < budget):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    RUNS[id(fn)] = len(times)
    return statistics.median(times), result


RUNS: dict[int, int] = {}


def load_pandas(path: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    frames = {
        "tx": con.execute(
            "SELECT transaction_key, award_key, modification_number, action_date, "
            "fiscal_year, CAST(obligation_usd * 100 AS BIGINT) AS cents, "
            "recipient_name, "
            'awarding_sub_agency_code, ingest_run_id FROM "transaction"'
        ).df(),
        "cls": con.execute("SELECT award_key, category FROM classification").df(),
        "tv": con.execute("SELECT * FROM transaction_vendor").df(),
        "vendor": con.execute("SELECT vendor_id, name, family_id FROM vendor").df(),
        "maker": con.execute("SELECT DISTINCT award_key, maker FROM award_maker").df(),
        "runs": con.execute("SELECT run_id, started_at FROM ingest_run").df(),
        "rev": con.execute(
            "SELECT transaction_key, replaced_by_run, "
            "CAST(obligation_usd * 100 AS BIGINT) AS old_cents "
            "FROM transaction_revision"
        ).df(),
    }
    con.close()
    return frames


def _group(df: pd.DataFrame, key: str | list[str]) -> pd.DataFrame:
    return df.groupby(key).agg(
        cents=("cents", "sum"),
        transactions=("cents", "size"),
        awards=("award_key", "nunique"),
    )


def _kind(tx: pd.DataFrame) -> pd.Series:
    base = tx.modification_number.isna() | tx.modification_number.isin(["0", "", "00"])
    out = pd.Series("modification", index=tx.index)
    out[base] = "new award"
    out[tx.cents < 0] = "deobligation"
    return out


def pandas_analyses(f: dict[str, pd.DataFrame]) -> dict[str, Callable[[], object]]:
    tx = f["tx"]

    def with_vendor() -> pd.DataFrame:
        t = tx.merge(f["tv"], on="transaction_key", how="left")
        return t.merge(f["vendor"], on="vendor_id", how="left")

    def family() -> pd.DataFrame:
        t = with_vendor()
        fam = f["vendor"][["vendor_id", "name"]].rename(
            columns={"vendor_id": "family_id", "name": "family_name"}
        )
        t = t.merge(fam, on="family_id", how="left")
        return _group(t, "family_id").sort_values("cents", ascending=False)

    def category() -> pd.DataFrame:
        t = tx.merge(f["cls"], on="award_key", how="left")
        t["category"] = t["category"].fillna("unclassified")
        return _group(t, "category").sort_values("cents", ascending=False)

    def yoy() -> pd.DataFrame:
        g = _group(tx, "fiscal_year").sort_index()
        g["change"] = g.cents - g.cents.shift(1)
        return g

    def top() -> pd.DataFrame:
        g = tx.groupby("award_key").agg(
            cents=("cents", "sum"),
            n=("cents", "size"),
            recipient=("recipient_name", "max"),
            first=("action_date", "min"),
            last=("action_date", "max"),
        )
        return g.nlargest(20, "cents")

    def changed() -> pd.DataFrame:
        runs = f["runs"][f["runs"].started_at >= pd.Timestamp(SINCE)].run_id
        t = tx[tx.ingest_run_id.isin(runs)]
        rev = f["rev"][f["rev"].replaced_by_run.isin(runs)]
        t = t.merge(
            rev[["transaction_key", "old_cents"]], on="transaction_key", how="left"
        )
        t["change"] = t.old_cents.isna().map({True: "new", False: "revised"})
        t["delta"] = t.cents - t.old_cents.fillna(0)
        largest = t.assign(size=t.delta.abs()).nlargest(1000, "size")  # the listing
        return t.groupby("change").agg(
            n=("cents", "size"), cents=("cents", "sum"), delta=("delta", "sum")
        ), largest

    def explain() -> pd.DataFrame:
        t = tx[tx.fiscal_year == 2023].merge(f["cls"], on="award_key", how="left")
        return t[t.category == "services"].sort_values(
            ["action_date", "transaction_key"]
        )

    return {
        "totals by fiscal year": lambda: _group(tx, "fiscal_year"),
        "totals by month": lambda: _group(
            tx.assign(month=tx.action_date.dt.year * 100 + tx.action_date.dt.month),
            "month",
        ),
        "totals by category": category,
        "totals by vendor": lambda: _group(with_vendor(), "vendor_id").sort_values(
            "cents", ascending=False
        ),
        "totals by parent family": family,
        "totals by maker": lambda: _group(
            tx.merge(f["maker"], on="award_key", how="left").fillna({"maker": "-"}),
            "maker",
        ),
        "totals by sub-agency": lambda: _group(tx, "awarding_sub_agency_code"),
        "new / modification / deobligation": lambda: _group(
            tx.assign(kind=_kind(tx)), "kind"
        ),
        "year over year": yoy,
        "top 20 awards": top,
        "award timeline": lambda: tx[tx.award_key == "GEN_AWD_12345"].sort_values(
            "action_date"
        ),
        "changed since DATE": changed,
        "explain one figure": explain,
    }


def duckdb_analyses(
    src: Source, scope: Filters = ALL
) -> dict[str, Callable[[], object]]:
    """The standard analyses over SCOPE (default: every transaction)."""
    return {
        "totals by fiscal year": lambda: analyses.totals(src, "fiscal_year", scope),
        "totals by month": lambda: analyses.totals(src, "month", scope),
        "totals by category": lambda: analyses.totals(src, "category", scope),
        "totals by vendor": lambda: analyses.totals(src, "vendor", scope),
        "totals by parent family": lambda: analyses.totals(src, "family", scope),
        "totals by maker": lambda: analyses.totals(src, "maker", scope),
        "totals by sub-agency": lambda: analyses.totals(src, "sub_agency", scope),
        "new / modification / deobligation": lambda: analyses.totals(
            src, "kind", scope
        ),
        "year over year": lambda: analyses.year_over_year(src, scope),
        "top 20 awards": lambda: analyses.top_awards(src, scope, 20),
        "award timeline": lambda: analyses.award_timeline(src, "GEN_AWD_12345"),
        "changed since DATE": lambda: analyses.changed_since(
            src, SINCE, scope, limit=1000
        ),
        "explain one figure": lambda: analyses.explain(
            src, "category,fiscal_year", ["services", "2023"], scope
        ),
    }


def check_agree(duck: dict[str, object], pand: dict[str, object]) -> None:
    """Spot-check that both sides computed the same money."""
    d = {r["fiscal_year"]: r["obligation_usd"] for r in duck["totals by fiscal year"]}
    p = pand["totals by fiscal year"]["cents"].to_dict()
    assert {k: v * 100 for k, v in d.items()} == {
        k: Decimal(int(v)) for k, v in p.items()
    }
    d = {r["category"]: r["obligation_usd"] for r in duck["totals by category"]}
    p = pand["totals by category"]["cents"].to_dict()
    assert {k: v * 100 for k, v in d.items()} == {
        k: Decimal(int(v)) for k, v in p.items()
    }
    assert len(duck["explain one figure"]) == len(pand["explain one figure"])


def run_spark(path: Path, name: str) -> float:
    from custodes.analyse.engines import build_spark_session, spark_source
    from custodes.analyse.export import write_parquet
    from custodes.settings import Settings
    from custodes.store import open_store

    folder = path.with_suffix(".parquet.d")
    if not (folder / "transaction.parquet").exists():
        with open_store(Settings(db=path)) as store:
            write_parquet(store, folder)
    session = build_spark_session("local[2]", {"spark.driver.memory": "6g"})
    session.sparkContext.setLogLevel("ERROR")
    seconds, _ = timed(duckdb_analyses(spark_source(session, str(folder)))[name], 3)
    session.stop()
    return seconds


def ensure_prepared(path: Path) -> str:
    """Run `custodes analyse prepare` (timed, in its own process) unless current."""
    import json
    import subprocess

    t0 = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "custodes",
            "--db",
            str(path),
            "analyse",
            "prepare",
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    info = json.loads(out)
    if not info["built"]:
        return "already current (built earlier; not timed in this run)"
    return (
        f"built in {time.perf_counter() - t0:.1f} s "
        f"({info['transactions']:,} transactions, {info['awards']:,} awards)"
    )


def _same(a: object, b: object) -> bool:
    """Equal results, ignoring row order where the analysis leaves ties unordered."""
    if isinstance(a, list) and isinstance(b, list):
        key = lambda r: sorted((k, str(v)) for k, v in r.items())  # noqa: E731
        return sorted(map(key, a)) == sorted(map(key, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


# A scope users ask for: one agency, four fiscal years.
SCOPED = Filters(
    sub_agencies=("7012",), fy_from=2021, fy_to=2024, definition=ALL_SPENDING
)


def scoped(path: Path) -> None:
    """The same analyses, prepared frame and raw joins, scoped to ICE FY2021-2024."""
    con = connect_duckdb(path)
    fast = duckdb_analyses(Source("duckdb", con), SCOPED)
    slow = duckdb_analyses(Source("duckdb", con, use_prepared=False), SCOPED)
    print(
        "\n| analysis, ICE FY2021-2024 | DuckDB, prepared (s) | runs "
        "| DuckDB, raw joins (s) | runs | prepared <= 1 s |\n"
        "|---|---:|---:|---:|---:|:---:|"
    )
    for name in fast:
        f, fr = timed(fast[name], 10)
        r, rr = timed(slow[name], 5)
        assert _same(fr, rr), f"prepared and raw differ: {name}"
        print(
            f"| {name} | {f:.3f} | {RUNS[id(fast[name])]} | {r:.3f} | "
            f"{RUNS[id(slow[name])]} | {'yes' if f <= 1 else 'NO'} |",
            flush=True,
        )


def main(
    path: Path, spark: bool, duckdb_only: bool = False, no_raw: bool = False
) -> None:
    rows = (
        duckdb.connect(str(path), read_only=True)
        .execute('SELECT count(*) FROM "transaction"')
        .fetchall()[0][0]
    )
    print(f"{rows:,} transactions in {path}")
    prep = ensure_prepared(path)
    con = connect_duckdb(path)
    src = Source("duckdb", con)
    if prepared_frame(src) is None:
        raise SystemExit("analyse_frame is not current after `analyse prepare`")
    duck_fns = duckdb_analyses(src)
    duck = {}
    for n, fn in duck_fns.items():
        duck[n] = timed(fn, 10)
        print(f"  duckdb {n}: {duck[n][0]:.3f} s ({RUNS[id(fn)]} runs)", flush=True)
    raw_fns = duckdb_analyses(Source("duckdb", con, use_prepared=False))
    raw = {}
    if not no_raw:
        for n, fn in raw_fns.items():
            raw[n] = timed(fn, 10)
            print(
                f"  duckdb, raw joins {n}: {raw[n][0]:.3f} s ({RUNS[id(fn)]} runs)",
                flush=True,
            )
        for n in duck:
            assert _same(duck[n][1], raw[n][1]), f"prepared and raw differ: {n}"
        print("prepared frame and raw joins agree on every analysis")
    print(f"analyse prepare: {prep}")
    if duckdb_only:
        print(
            "\n| analysis | DuckDB median (s) | runs | DuckDB <= 1 s |\n"
            "|---|---:|---:|:---:|"
        )
        for name, (secs, _) in duck.items():
            print(
                f"| {name} | {secs:.3f} | {RUNS[id(duck_fns[name])]} | "
                f"{'yes' if secs <= 1 else 'NO'} |"
            )
        return
    t0 = time.perf_counter()
    frames = load_pandas(path)
    print(
        f"pandas: loading the DataFrames took {time.perf_counter() - t0:.1f} s "
        "(not counted below)"
    )
    pand_fns = pandas_analyses(frames)
    pand = {}
    for n, fn in pand_fns.items():
        pand[n] = timed(fn, 3)
        print(f"  pandas {n}: {pand[n][0]:.3f} s ({RUNS[id(fn)]} runs)", flush=True)
    check_agree({k: v[1] for k, v in duck.items()}, {k: v[1] for k, v in pand.items()})
    print(
        "results agree (fiscal year and category sums to the cent, explain row count)"
    )
    print(
        "\n| analysis | DuckDB, prepared (s) | runs | DuckDB, raw joins (s) | runs "
        "| pandas (s) | runs | pandas / prepared | DuckDB prepared <= 1 s |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|:---:|"
    )
    for name, (secs, _) in duck.items():
        p = pand[name][0]
        r = f"{raw[name][0]:.3f} | {RUNS[id(raw_fns[name])]}" if raw else "- | -"
        print(
            f"| {name} | {secs:.3f} | {RUNS[id(duck_fns[name])]} | {r} | {p:.3f} | "
            f"{RUNS[id(pand_fns[name])]} | {p / secs:.1f}x | "
            f"{'yes' if secs <= 1 else 'NO'} |"
        )
    if spark:
        slowest = max(duck, key=lambda n: duck[n][0])
        print(
            f"\nSpark local[2], {slowest}: "
            f"median of 3 = {run_spark(path, slowest):.2f} s "
            f"(DuckDB {duck[slowest][0]:.3f} s)"
        )


if __name__ == "__main__":
    if "--scoped" in sys.argv[2:]:
        scoped(Path(sys.argv[1]))
        raise SystemExit(0)
    main(
        Path(sys.argv[1]),
        "--spark" in sys.argv[2:],
        "--duckdb-only" in sys.argv[2:],
        "--no-raw" in sys.argv[2:],
    )
