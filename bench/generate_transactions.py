"""Scale the real api-search rows up to N rows for benchmarks.

Resamples real rows (with a fixed seed) and gives each sampled award fresh keys, so
every generated transaction is distinct but looks like real data: real recipients,
descriptions, PSC/NAICS, amounts and dates.

    .venv/bin/python bench/generate_transactions.py 5000000 bench/out/tx_5m.csv
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
API = ROOT.parent / "shared" / "data" / "usaspending" / "api-search"
FALLBACK = ROOT / "tests" / "fixtures" / "usaspending"


def load_rows() -> tuple[list[str], list[list[str]]]:
    files = sorted(API.glob("*.csv")) or sorted(FALLBACK.glob("api_search*.csv"))
    header: list[str] = []
    rows: list[list[str]] = []
    for path in files:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            rows.extend(reader)
    return header, rows


def generate(n: int, out: Path, seed: int = 7) -> Path:
    header, rows = load_rows()
    idx = {name: i for i, name in enumerate(header)}
    rng = random.Random(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        for i in range(n):
            row = list(rng.choice(rows))
            award_no = i // 3  # about three transactions per generated award
            piid = f"{row[idx['Award ID']][:6]}G{award_no:010d}"
            code = "7012" if row[idx["Agency"]] == "ICE" else "7014"
            row[idx["Award ID"]] = piid
            row[idx["Modification"]] = "0" if i % 3 == 0 else f"P{i % 3:05d}"
            row[idx["Generated Award ID"]] = f"CONT_AWD_{piid}_{code}_-NONE-_-NONE-"
            writer.writerow(row)
    return out


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    target = (
        Path(sys.argv[2])
        if len(sys.argv) > 2
        else ROOT / "bench" / "out" / f"tx_{count}.csv"
    )
    print(generate(count, target))
