"""Draw an unseen labelling sample from a store (how classify_unseen*.csv were made).

Usage:
    .venv/bin/python bench/classify_sample.py STORE.duckdb --seed N --out SAMPLE.csv \
        [--keyword 120] [--random 30] [--per-keyword 2]

Only FY2021-FY2024 API-search awards are drawn, and every award already in a
custodes/data/labels/*.csv file is left out. Two strata, as in the earlier unseen sets:

* keyword: for each word of a deliberately broad list (wider than the rules, with
  traps such as LOCATION or CLEAR), up to --per-keyword matching awards at random;
  the pooled draw is cut at random to --keyword awards;
* random: --random awards at random from those that match no keyword.

The output has one row per award with what a labeller reads - recipient names, PSC,
NAICS and every distinct description - and never the classifier's output, so that
labels can be written blind. It holds no personal data beyond what the descriptions
say about companies.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

import duckdb

LABELS = Path(__file__).resolve().parents[1] / "custodes" / "data" / "labels"

KEYWORDS = [
    "CAMERA",
    "VIDEO",
    "SURVEILLANCE",
    "SENSOR",
    "RADAR",
    "TOWER",
    "AEROSTAT",
    "DRONE",
    "UNMANNED",
    "UAS",
    "THERMAL",
    "INFRARED",
    "NIGHT VISION",
    "OPTIC",
    "TRACKING",
    "TRACKER",
    "GPS",
    "MONITORING",
    "ANKLE",
    "ALTERNATIVES TO DETENTION",
    "ISAP",
    "FORENSIC",
    "EXTRACTION",
    "MOBILE DEVICE",
    "PHONE",
    "CELLULAR",
    "INTERCEPT",
    "WIRETAP",
    "TITLE III",
    "PEN REGISTER",
    "SUBPOENA",
    "CALL DETAIL",
    "TELECOM",
    "ANALYTICS",
    "ANALYTIC",
    "INTELLIGENCE",
    "OSINT",
    "OPEN SOURCE",
    "SOCIAL MEDIA",
    "DARK WEB",
    "LINK ANALYSIS",
    "INVESTIGATIVE",
    "INVESTIGATION",
    "CASE MANAGEMENT",
    "DATABASE",
    "SUBSCRIPTION",
    "DATA ACCESS",
    "PUBLIC RECORDS",
    "CREDIT",
    "LOCATION",
    "GEOSPATIAL",
    "LICENSE PLATE",
    "LPR",
    "PLATE READER",
    "BIOMETRIC",
    "FINGERPRINT",
    "IRIS",
    "FACIAL",
    "FACE",
    "IDENTITY",
    "IDENTIFICATION",
    "DNA",
    "COVERT",
    "UNDERCOVER",
    "RECORDER",
    "RECORDING",
    "AUDIO",
    "BODY WORN",
    "SCANNER",
    "X-RAY",
    "NON-INTRUSIVE",
    "DETECTION",
    "CYBER",
    "CRYPTO",
    "BLOCKCHAIN",
    "PASSWORD",
    "DECRYPT",
    "SOFTWARE LICENSE",
    "PLATFORM",
    "TARGETING",
    "LEAD",
    "TIP",
    "CLEAR",
    "PARAGON",
    "CELLEBRITE",
    "GRAYKEY",
    "MAGNET",
    "PENLINK",
    "BABEL",
    "LEXISNEXIS",
    "THOMSON REUTERS",
    "PALANTIR",
    "VENNTEL",
    "VIGILANT",
    "ANDURIL",
    "ELBIT",
    "AXON",
    "NEC",
    "BI INCORPORATED",
    "SHADOWDRAGON",
    "FIVECAST",
    "CHAINALYSIS",
    "ACCURINT",
]


def labelled_awards() -> set[str]:
    done: set[str] = set()
    for path in LABELS.glob("classify_*.csv"):
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                # the census hesitations name their award in column `award`
                done.add(row.get("generated_award_id") or row.get("award") or "")
    return done


def load_awards(store: Path) -> list[tuple[str, str, str, str, str]]:
    """(award, recipients, psc, naics, descriptions) for FY2021-FY2024 API awards."""
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(r"""
            SELECT award_key,
              string_agg(DISTINCT r, ' / ' ORDER BY r),
              string_agg(DISTINCT p, ' / ' ORDER BY p),
              string_agg(DISTINCT n, ' / ' ORDER BY n),
              string_agg(DISTINCT d, ' | ' ORDER BY d)
            FROM (SELECT award_key, upper(recipient_name) AS r,
                    concat_ws(' ', psc_code, psc_description) AS p,
                    concat_ws(' ', naics_code, naics_description) AS n,
                    upper(trim(regexp_replace(coalesce(description, ''),
                        'IGF::[A-Z]+::IGF', ' ', 'g'))) AS d
                  FROM "transaction" WHERE source_format = 'api_search')
            GROUP BY award_key ORDER BY award_key""").fetchall()


def draw(awards, seed: int, n_keyword: int, n_random: int, per_keyword: int):
    rng = random.Random(seed)
    done = labelled_awards()
    pool = [a for a in awards if a[0] not in done]
    patterns = {k: re.compile(rf"\b{re.escape(k)}\b") for k in KEYWORDS}
    matched: dict[str, list[int]] = {k: [] for k in KEYWORDS}
    plain: list[int] = []
    for i, (_, rec, _, _, text) in enumerate(pool):
        hay = f"{text} {rec}"
        hits = [k for k, p in patterns.items() if p.search(hay)]
        for k in hits:
            matched[k].append(i)
        if not hits:
            plain.append(i)
    chosen: list[int] = []
    for k in KEYWORDS:
        options = [i for i in matched[k] if i not in chosen]
        chosen += rng.sample(options, min(per_keyword, len(options)))
    keyword = rng.sample(chosen, min(n_keyword, len(chosen)))
    rows = [(pool[i], "keyword") for i in sorted(keyword)]
    rows += [(pool[i], "random") for i in sorted(rng.sample(plain, n_random))]
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--keyword", type=int, default=120)
    ap.add_argument("--random", type=int, default=30)
    ap.add_argument("--per-keyword", type=int, default=2)
    args = ap.parse_args()
    rows = draw(
        load_awards(args.store), args.seed, args.keyword, args.random, args.per_keyword
    )
    with args.out.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            [
                "n",
                "generated_award_id",
                "stratum",
                "recipients",
                "psc",
                "naics",
                "descriptions",
            ]
        )
        for n, ((award, rec, psc, naics, text), stratum) in enumerate(rows, 1):
            out.writerow([n, award, stratum, rec, psc, naics, text])
    print(f"{len(rows)} awards written to {args.out}")


if __name__ == "__main__":
    main()
