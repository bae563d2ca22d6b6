"""Benchmark: resolve 200,000 distinct realistic vendor names (target: under 2 minutes).

Names are real recipient names from the shared USAspending files, perturbed by a seeded
generator (typos, legal-suffix changes, word order, punctuation). Prints the time of the
full resolver (rules + fuzzy matcher) against a rules-only baseline measured in the same
run, and the peak resident memory.

    .venv/bin/python bench/resolve_bench.py [--names 200000] [--matcher rapidfuzz]
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custodes.resolve.build import resolve  # noqa: E402
from custodes.resolve.records import AliasRecord  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SUFFIXES = [
    "INC",
    "INC.",
    ", INC.",
    "LLC",
    ", LLC",
    "CORP",
    "CORPORATION",
    "CO",
    "LTD",
    "INCORPORATED",
    "L.L.C.",
    "LP",
    "",
]


def real_names() -> list[str]:
    names: set[str] = set()
    for path in sorted((SHARED / "usaspending" / "api-search").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            names.update(r["Recipient Name"] for r in csv.DictReader(fh))
    with (SHARED / "vendors" / "child_companies_clean_names.csv").open(
        encoding="utf-8"
    ) as fh:
        names.update(r["origName"] for r in csv.DictReader(fh))
    return sorted(n for n in names if n)


def perturb(name: str, rng: random.Random) -> str:
    words = name.replace(",", " ").split()
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        if op < 0.35 and words:  # typo in one word
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) > 3:
                j = rng.randrange(len(w))
                kind = rng.random()
                if kind < 0.4:
                    w = w[:j] + rng.choice(string.ascii_uppercase) + w[j + 1 :]
                elif kind < 0.7:
                    w = w[:j] + w[j + 1 :]
                else:
                    w = w[:j] + w[j : j + 2][::-1] + w[j + 2 :]
                words[i] = w
        elif op < 0.65:  # legal suffix change
            if words and words[-1].strip(".,") in {
                "INC",
                "LLC",
                "CORP",
                "CORPORATION",
                "LTD",
                "CO",
                "INCORPORATED",
                "LP",
                "L.L.C.",
            }:
                words = words[:-1]
            words = words + [rng.choice(SUFFIXES)]
        elif op < 0.8 and len(words) > 2:  # word order
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        else:  # punctuation / spacing
            words = [w + "," if rng.random() < 0.2 else w for w in words]
    return " ".join(w for w in words if w)


def make_names(n: int, seed: int = 7) -> dict[str, str]:
    """n distinct names, each mapped to the real name it was made from."""
    rng = random.Random(seed)
    base = real_names()
    out = {b: b for b in base[: n // 10]}
    while len(out) < n:
        b = rng.choice(base)
        out.setdefault(perturb(b, rng), b)
    return dict(sorted(out.items())[:n])


def pairwise(pred: list[str], truth: list[str]) -> tuple[float, float]:
    """Pairwise precision and recall of clusters `pred` against clusters `truth`."""
    from collections import Counter

    pairs = lambda c: sum(v * (v - 1) // 2 for v in c.values())  # noqa: E731
    tp = pairs(Counter(zip(pred, truth, strict=True)))
    found, real = pairs(Counter(pred)), pairs(Counter(truth))
    return (tp / found if found else 1.0), (tp / real if real else 1.0)


def score(n: int) -> None:
    """Matcher quality on generated names: truth = same source name (after
    normalising)."""
    from custodes.resolve.keys import name_key

    made = make_names(n)
    names = list(made)
    truth = [name_key(made[x]) for x in names]
    records = [AliasRecord(name=x) for x in names]
    for matcher in ("none", "rapidfuzz", "splink"):
        start = time.perf_counter()
        res = resolve(records, [], matcher)
        p, r = pairwise(res.vendor_of, truth)
        print(
            f"{matcher:>9}: precision {p:.4f} recall {r:.4f} "
            f"({time.perf_counter() - start:.1f} s, {len(res.vendors):,} vendors)"
        )


def timed(records: list[AliasRecord], matcher: str) -> tuple[float, int]:
    start = time.perf_counter()
    res = resolve(records, [], matcher)
    return time.perf_counter() - start, len(res.vendors)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", type=int, default=200_000)
    ap.add_argument("--matcher", default="rapidfuzz")
    ap.add_argument(
        "--score",
        action="store_true",
        help="compare matchers' pairwise precision/recall on generated names",
    )
    args = ap.parse_args()
    if args.score:
        score(args.names)
        return
    t0 = time.perf_counter()
    names = list(make_names(args.names))
    records = [AliasRecord(name=n) for n in names]
    print(
        f"generated {len(names):,} distinct names from {len(real_names()):,} real ones "
        f"in {time.perf_counter() - t0:.1f} s (includes normalising them)"
    )
    base_s, base_v = timed(records, "none")
    full_s, full_v = timed(records, args.matcher)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"baseline (identifiers + rules only): {base_s:.1f} s, {base_v:,} vendors")
    print(
        f"full ({args.matcher}): {full_s:.1f} s, {full_v:,} vendors; "
        f"ratio full/baseline {full_s / base_s:.1f}x"
    )
    print(
        f"peak resident memory: {peak_mib:,.0f} MiB; target < 120 s: "
        f"{'met' if full_s < 120 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
