"""Benchmark: how well the rules classify a store that holds one fiscal year alone.

    .venv/bin/python bench/classify_by_year.py [--data DIR]
        [--work DIR] [--out FILE.json] [--markdown FILE.md] [--exclude KEYS.txt]

Most awards of a year continue earlier contracts: in that year they carry only
modification text ("EXERCISE OPTION YEAR 3"), and what was bought was said in earlier
years' transactions. A store built from one year's file alone does not hold them.

1. For each API-search file of DIR (default ../shared/data/usaspending/api-search,
   one fiscal year per file, `..._FY2024_...csv`), builds a store of that file alone
   in WORK (`custodes ingest FILE`, `resolve`, `classify`, each a process of its own,
   as a user runs them).
2. The full store, built in WORK the same way from the whole parent folder of DIR
   (API-search and bulk rows). A store already built in WORK from the same source is
   reused, and classified again (the rules of this tree).
3. Scores every labelled set of custodes/data/labels (and each `split` part of a file
   that has several) on every store, as `custodes eval classify FILE
   --min-obligation 0` does (the rules alone; awards absent from a store skipped;
   dollars are the award's net obligation in that store).
4. Per one-year store: how many awards the full store calls surveillance and the
   one-year store `none`, and the other way (counts and the year's dollars), and how
   many of the year's awards the store knows only through modifications (no
   transaction with modification number 0).
5. What-if (not a rule of custodes): the `none` awards known only through
   modifications that the other awards of their vendor, or of their parent vehicle,
   would move to one category (`--consensus SHARE:MIN`), scored on the labels.

Writes JSON (OUT, default bench/out/classify_by_year.json) and a Markdown table
(MARKDOWN, default bench/out/classify_by_year.md) for docs/classify.md. Keys listed in
EXCLUDE (one award key a line) are dropped from every count.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from custodes.classify.evaluate import load_labels, score  # noqa: E402
from custodes.classify.materiality import (  # noqa: E402
    Scored,
    materiality,
    net_obligations_sql,
)
from custodes.classify.pipeline import classify_keys  # noqa: E402
from custodes.classify.rules import load_rules  # noqa: E402
from custodes.classify.taxonomy import load_taxonomy  # noqa: E402
from custodes.settings import Settings  # noqa: E402
from custodes.store import open_store  # noqa: E402

LABELS = ROOT / "custodes" / "data" / "labels"
SHARED = ROOT.parent / "shared" / "data" / "usaspending" / "api-search"
YEAR = re.compile(r"FY(\d{4})", re.IGNORECASE)
# label files that are not sets of labelled awards
NOT_LABELS = {"classify_census_hesitations.csv", "persons_recipients.csv"}
# files that are parts of another file scored here (classify_labels.csv's halves)
PARTS_OF = {"classify_tune.csv", "classify_holdout.csv"}


def custodes(db: Path, *args: str) -> float:
    """Run one custodes command on DB as a process; CPU seconds of the child."""
    before = _child_cpu()
    subprocess.run(
        [sys.executable, "-m", "custodes", "--db", str(db), *args],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return _child_cpu() - before


def _child_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def build(db: Path, source: Path) -> dict[str, float]:
    """A store of SOURCE (a file or a folder): ingest, resolve, classify."""
    stamp = db.with_suffix(".source")
    if db.exists() and stamp.exists() and stamp.read_text() == str(source):
        # ingested and resolved already: classify again with the rules of this tree
        t0 = time.perf_counter()
        cpu = custodes(db, "classify")
        return {
            "reused": 1.0,
            "classify_seconds": round(time.perf_counter() - t0, 1),
            "classify_cpu_seconds": round(cpu, 1),
        }
    for p in (db, Path(str(db) + ".wal"), stamp):
        p.unlink(missing_ok=True)
    t0, cpu = time.perf_counter(), 0.0
    for step in (("ingest", str(source)), ("resolve",), ("classify",)):
        cpu += custodes(db, *step)
    stamp.write_text(str(source))
    return {"seconds": round(time.perf_counter() - t0, 1), "cpu_seconds": round(cpu, 1)}


def label_sets() -> list[tuple[str, Path, str | None]]:
    """(name, file, split) for every labelled file and each split part of it."""
    out: list[tuple[str, Path, str | None]] = []
    for path in sorted(LABELS.glob("classify_*.csv")):
        if path.name in NOT_LABELS or path.name in PARTS_OF:
            continue
        name = path.stem.removeprefix("classify_")
        out.append((name, path, None))
        with path.open(newline="", encoding="utf-8-sig") as fh:
            splits = sorted({r.get("split") or "" for r in csv.DictReader(fh)})
        if len(splits) > 1:
            out += [(f"{name} split={s}", path, s) for s in splits if s]
    return out


def labels_of(path: Path, split: str | None, exclude: set[str], taxonomy: Any) -> Any:
    lf = load_labels(path, taxonomy)
    keep = None
    if split is not None:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            keep = {
                r["generated_award_id"]
                for r in csv.DictReader(fh)
                if (r.get("split") or "") == split
            }
    lf.labels = {
        k: v
        for k, v in lf.labels.items()
        if k not in exclude and (keep is None or k in keep)
    }
    return lf


def scores(db: Path, sets: list[tuple[str, Any]], taxonomy: Any, rules: Any) -> dict:
    """Each labelled set scored on DB (rules alone, min obligation 0)."""
    keys = sorted({k for _, lf in sets for k in lf.labels})
    with open_store(Settings(db=db)) as store:
        decided = classify_keys(store, taxonomy, rules, keys)
        store.con.register("cls_keys", pd.DataFrame({"k": pd.Series(keys, dtype=str)}))
        net = {k: float(v) for k, v in store.execute(net_obligations_sql())}
    out = {}
    for name, lf in sets:
        found = {k: g for k, g in lf.labels.items() if k in decided}
        pairs = [(g, decided[k]["category"]) for k, g in found.items()]
        scored = [
            Scored(k, g, decided[k]["category"], net.get(k, 0.0))
            for k, g in found.items()
        ]
        m = materiality(scored, taxonomy, 0.0, 0)
        s = score(pairs, taxonomy)
        out[name] = {
            "labelled": len(lf.labels),
            "in_store": len(found),
            "surveillance_in_store": sum(g != "none" for g in found.values()),
            "count": {k: s["binary"][k] for k in ("precision", "recall", "f1")},
            "macro_f1": s["macro_f1"],
            "usd": {
                "precision": m["binary"]["precision_usd"],
                "recall": m["binary"]["recall_usd"],
                "gold_surveillance_usd": m["gold_surveillance_usd"],
            },
        }
    return out


def moves(year_db: Path, full_db: Path, exclude: set[str]) -> dict[str, Any]:
    """Awards of the one-year store whose category differs from the full store's."""
    with open_store(Settings(db=year_db)) as store:
        con = store.con
        con.execute(f"ATTACH '{full_db}' AS full_ (READ_ONLY)")
        con.register(
            "excl_", pd.DataFrame({"k": pd.Series(sorted(exclude), dtype=str)})
        )
        rows = con.execute(r"""
            WITH net AS (
              SELECT award_key, sum(obligation_usd)::DOUBLE AS usd,
                     NOT bool_or(regexp_full_match(
                         coalesce(modification_number, ''), '0+')) AS mods_only
              FROM "transaction" GROUP BY 1)
            SELECT (y.category <> 'none') AS year_s, (f.category <> 'none') AS full_s,
                   n.mods_only, count(*) AS awards, sum(n.usd) AS usd
            FROM classification y JOIN full_.classification f USING (award_key)
            JOIN net n USING (award_key)
            WHERE award_key NOT IN (SELECT k FROM excl_)
            GROUP BY ALL""").fetchall()
        con.execute("DETACH full_")
    out: dict[str, Any] = {
        "lost": {"awards": 0, "usd": 0.0},  # surveillance in full, none here
        "gained": {"awards": 0, "usd": 0.0},  # none in full, surveillance here
        "lost_mods_only": {"awards": 0, "usd": 0.0},
        "awards": 0,
        "mods_only": {"awards": 0, "usd": 0.0},
    }
    for year_s, full_s, mods_only, awards, usd in rows:
        out["awards"] += awards
        if mods_only:
            out["mods_only"]["awards"] += awards
            out["mods_only"]["usd"] += usd or 0.0
        kind = (
            "lost"
            if full_s and not year_s
            else "gained"
            if year_s and not full_s
            else ""
        )
        if kind:
            out[kind]["awards"] += awards
            out[kind]["usd"] += usd or 0.0
            if kind == "lost" and mods_only:
                out["lost_mods_only"]["awards"] += awards
                out["lost_mods_only"]["usd"] += usd or 0.0
    for v in out.values():
        if isinstance(v, dict):
            v["usd"] = round(v["usd"], 2)
    return out


CONSENSUS_SQL = r"""
WITH a AS (
  SELECT t.award_key, min(tv.vendor_id) AS vendor_id,
         min(t.parent_award_piid) AS idv, min(t.parent_award_agency_code) AS idv_agency,
         NOT bool_or(regexp_full_match(coalesce(t.modification_number, ''), '0+'))
             AS mods_only
  FROM "transaction" t LEFT JOIN transaction_vendor tv USING (transaction_key)
  GROUP BY 1),
ac AS (SELECT a.*, c.category FROM a JOIN classification c USING (award_key)),
thin AS (SELECT * FROM ac WHERE category = 'none' AND mods_only),
vendor_ AS (
  SELECT x.award_key, y.category, count(*) AS n,
         sum(count(*)) OVER (PARTITION BY x.award_key) AS total
  FROM thin x JOIN ac y ON y.vendor_id = x.vendor_id AND y.award_key <> x.award_key
  GROUP BY 1, 2),
idv_ AS (
  SELECT x.award_key, y.category, count(*) AS n,
         sum(count(*)) OVER (PARTITION BY x.award_key) AS total
  FROM thin x JOIN ac y ON y.idv = x.idv AND y.idv_agency = x.idv_agency
       AND y.award_key <> x.award_key
  WHERE x.idv_agency LIKE '70%'  -- DHS's own vehicles, not government-wide ones
  GROUP BY 1, 2)
SELECT 'vendor' AS kind, award_key, category FROM vendor_
WHERE category <> 'none' AND n >= ? AND n >= ? * total
UNION ALL
SELECT 'vehicle', award_key, category FROM idv_
WHERE category <> 'none' AND n >= ? AND n >= ? * total"""


def consensus(
    db: Path, share: float, minimum: int, sets: list[tuple[str, Any]], exclude: set[str]
) -> dict[str, Any]:
    """What-if, not a rule: the `none` awards known only through modifications that
    the other awards of their vendor (b), or of their parent vehicle when DHS issued
    it (c), would move to one surveillance category (at least MINIMUM of them and
    SHARE of them agree, `none` awards included), and how that scores on each
    labelled set: moved right, moved wrongly (a `none` label or another category)."""
    with open_store(Settings(db=db)) as store:
        rows = store.execute(CONSENSUS_SQL, [minimum, share, minimum, share])
    out: dict[str, Any] = {}
    for kind in ("vendor", "vehicle"):
        moved = {k: c for kd, k, c in rows if kd == kind and k not in exclude}
        per = {}
        for name, lf in sets:
            hit = [(lf.labels[k], c) for k, c in moved.items() if k in lf.labels]
            per[name] = {
                "right": sum(g == c for g, c in hit),
                "false_positive": sum(g == "none" for g, _ in hit),
                "wrong_category": sum(g not in ("none", c) for g, c in hit),
            }
        out[kind] = {"awards_moved": len(moved), "labelled": per}
    return out


def markdown(result: dict[str, Any]) -> str:
    years = sorted(result["years"])
    head = "| labelled set | " + " | ".join(
        f"FY{y} alone: count P / R, $P / $R" for y in years
    )
    lines = [head + " | all years: count P / R, $P / $R |"]
    lines.append("|---|" + "---|" * (len(years) + 1))

    def cell(s: dict[str, Any]) -> str:
        if not s["in_store"]:
            return "—"
        c, u = s["count"], s["usd"]
        return (
            f"{c['precision']:.3f} / {c['recall']:.3f}, "
            f"{u['precision']:.3f} / {u['recall']:.3f} ({s['in_store']})"
        )

    for name in result["full"]["scores"]:
        row = [cell(result["years"][y]["scores"][name]) for y in years]
        lines.append(
            f"| {name} | "
            + " | ".join(row)
            + f" | {cell(result['full']['scores'][name])} |"
        )
    lines.append("")
    lines.append(
        "| one-year store | awards | known only through modifications | "
        "surveillance in the full store, none here | of which modifications only | "
        "none in the full store, surveillance here |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|")
    for y in years:
        m = result["years"][y]["moves"]
        lines.append(
            f"| FY{y} | {m['awards']:,} | {m['mods_only']['awards']:,} "
            f"(${m['mods_only']['usd'] / 1e6:,.1f}M) | {m['lost']['awards']:,} "
            f"(${m['lost']['usd'] / 1e6:,.1f}M) | {m['lost_mods_only']['awards']:,} "
            f"(${m['lost_mods_only']['usd'] / 1e6:,.1f}M) | "
            f"{m['gained']['awards']:,} (${m['gained']['usd'] / 1e6:,.1f}M) |"
        )
    for setting, by_year in result.get("consensus", {}).items():
        lines.append("")
        lines.append(
            f"What-if {setting}: awards moved from none (labelled: right / wrong), "
            "by the vendor's other awards (b) and by the parent vehicle's (c)"
        )
        lines.append("")
        lines.append("| one-year store | (b) moved | (b) labelled | (c) moved | "
                     "(c) labelled |")  # fmt: skip
        lines.append("|---|---:|---|---:|---|")
        for y in years:
            r = by_year[y]

            def lab(kind: str, r: dict[str, Any] = r) -> str:
                bits = []
                for name, v in r[kind]["labelled"].items():
                    wrong = v["false_positive"] + v["wrong_category"]
                    if v["right"] or wrong:
                        bits.append(f"{name} {v['right']} / {wrong}")
                return "; ".join(bits) or "—"

            lines.append(
                f"| FY{y} | {r['vendor']['awards_moved']} | {lab('vendor')} | "
                f"{r['vehicle']['awards_moved']} | {lab('vehicle')} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED)
    ap.add_argument("--work", type=Path, default=OUT / "by_year")
    ap.add_argument("--out", type=Path, default=OUT / "classify_by_year.json")
    ap.add_argument("--markdown", type=Path, default=OUT / "classify_by_year.md")
    ap.add_argument("--exclude", type=Path, default=None)
    ap.add_argument(
        "--consensus",
        action="append",
        default=None,
        metavar="SHARE:MIN",
        help="what-if settings of the vendor and vehicle evidence (default 0.8:2 "
        "and 1.0:1)",
    )
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    exclude = (
        {ln.strip() for ln in args.exclude.read_text().splitlines() if ln.strip()}
        if args.exclude
        else set()
    )
    files = {
        int(m.group(1)): p
        for p in sorted(args.data.glob("*.csv"))
        if (m := YEAR.search(p.name))
    }
    if not files:
        raise SystemExit(f"{args.data}: no file named with a fiscal year (FY2024)")
    taxonomy = load_taxonomy()
    rules = load_rules(taxonomy)
    sets = [
        (name, labels_of(path, split, exclude, taxonomy))
        for name, path, split in label_sets()
    ]
    result: dict[str, Any] = {"rules_version": rules.version, "years": {}}
    full = args.work / "all_years.duckdb"
    print(f"FY{min(files)}-FY{max(files)}: {full} from {args.data.parent}", flush=True)
    build(full, args.data.parent.resolve())
    result["full"] = {"store": str(full), "scores": scores(full, sets, taxonomy, rules)}
    for fy, path in files.items():
        db = args.work / f"fy{fy}.duckdb"
        print(f"FY{fy}: {db} from {path.name}", flush=True)
        timing = build(db, path.resolve())
        result["years"][fy] = {
            "store": str(db),
            "file": path.name,
            "build": timing,
            "scores": scores(db, sets, taxonomy, rules),
            "moves": moves(db, full, exclude),
        }
    for setting in args.consensus or ["0.8:2", "1.0:1"]:
        share, minimum = setting.split(":")
        result.setdefault("consensus", {})[f"share {share}, at least {minimum}"] = {
            fy: consensus(
                Path(result["years"][fy]["store"]),
                float(share),
                int(minimum),
                sets,
                exclude,
            )
            for fy in files
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, default=str))
    args.markdown.write_text(markdown(result))
    print(args.markdown.read_text())
    print(f"wrote {args.out} and {args.markdown}")


if __name__ == "__main__":
    main()
