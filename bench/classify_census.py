"""List the census of material awards and write what a labeller reads for each.

Usage:
    .venv/bin/python bench/classify_census.py STORE.duckdb --out-dir DIR \
        [--min-obligation 10000000]

The census is every award in the store whose net obligations (the sum of all its
transactions, deobligations included) reach --min-obligation. Each award is put in
one of two parts by a hash, as the main labelled set is: `tune` when the first 8 hex
digits of sha256(award key) are even, else `holdout`.

Writes, in DIR:
* census.csv: award key, agency, net and positive obligations, transactions, split;
* sheet_tune.md and sheet_holdout.md: per award, everything the store knows about what
  was bought: agency, recipient and parent names, PSC and NAICS codes with their
  descriptions, first and last action dates, and every distinct description with how
  many transactions carry it, their net obligation and their first and last date.

Never the classifier's output: labels are written blind.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from pathlib import Path

import duckdb

AWARDS_SQL = """
    SELECT award_key, any_value(awarding_sub_agency_name) AS agency,
           any_value(source_format) AS source_format,
           sum(obligation_usd) AS net_usd,
           coalesce(sum(obligation_usd) FILTER (WHERE obligation_usd > 0), 0)
               AS positive_usd,
           count(*) AS transactions, min(action_date) AS first_date,
           max(action_date) AS last_date,
           string_agg(DISTINCT piid, ' / ') AS piid,
           string_agg(DISTINCT parent_award_piid, ' / ') AS parent_piid,
           string_agg(DISTINCT recipient_name, ' / ') AS recipients,
           string_agg(DISTINCT recipient_parent_name, ' / ') AS parents,
           string_agg(DISTINCT concat_ws(' ', psc_code, psc_description), ' / ')
               AS psc,
           string_agg(DISTINCT concat_ws(' ', naics_code, naics_description), ' / ')
               AS naics
    FROM "transaction" GROUP BY award_key
    HAVING sum(obligation_usd) >= ?
    ORDER BY net_usd DESC, award_key"""

TEXTS_SQL = """
    SELECT coalesce(description, '(no description)') AS description,
           count(*) AS n, sum(obligation_usd) AS usd,
           min(action_date) AS first_date, max(action_date) AS last_date
    FROM "transaction" WHERE award_key = ?
    GROUP BY 1 ORDER BY first_date, description"""


def split_of(award_key: str) -> str:
    h = int(hashlib.sha256(award_key.encode()).hexdigest()[:8], 16)
    return "tune" if h % 2 == 0 else "holdout"


def _money(v: object) -> str:
    return f"${float(v or 0):,.2f}"


def write_sheet(con: duckdb.DuckDBPyConnection, awards: list[dict], path: Path) -> None:
    with path.open("w") as out:
        for n, a in enumerate(awards, 1):
            out.write(f"## {n}. {a['award_key']}\n\n")
            out.write(
                f"- agency: {a['agency']}; source: {a['source_format']}\n"
                f"- PIID: {a['piid']}; parent vehicle: {a['parent_piid'] or '-'}\n"
                f"- net obligation {_money(a['net_usd'])}; positive "
                f"{_money(a['positive_usd'])}; {a['transactions']} transactions, "
                f"{a['first_date']} to {a['last_date']}\n"
                f"- recipient: {a['recipients']}\n"
                f"- recipient parent: {a['parents'] or '-'}\n"
                f"- PSC: {a['psc'] or '-'}\n- NAICS: {a['naics'] or '-'}\n"
                "- descriptions (transactions, net obligation, first - last date):\n"
            )
            for t in con.execute(TEXTS_SQL, [a["award_key"]]).fetchall():
                desc, cnt, usd, first, last = t
                out.write(f"  - [{cnt}x, {_money(usd)}, {first} - {last}] {desc}\n")
            out.write("\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("--min-obligation", type=float, default=10_000_000)
    args = ap.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(args.store), read_only=True) as con:
        cur = con.execute(AWARDS_SQL, [args.min_obligation])
        names = [d[0] for d in cur.description]
        awards = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        for a in awards:
            a["split"] = split_of(a["award_key"])
        with (args.out_dir / "census.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(
                [
                    "award_key",
                    "agency",
                    "net_usd",
                    "positive_usd",
                    "transactions",
                    "split",
                ]
            )
            for a in awards:
                w.writerow(
                    [
                        a["award_key"],
                        a["agency"],
                        a["net_usd"],
                        a["positive_usd"],
                        a["transactions"],
                        a["split"],
                    ]
                )
        for part in ("tune", "holdout"):
            chosen = [a for a in awards if a["split"] == part]
            write_sheet(con, chosen, args.out_dir / f"sheet_{part}.md")
            print(f"{part}: {len(chosen)} awards")


if __name__ == "__main__":
    main()
