"""The search's SQL paths (no in-memory index: Settings.serve_search_index off, or the
first seconds of a server while the index loads) on a prepared store, word by word:

    PYTHONPATH=TREE .venv/bin/python bench/search_sql_path.py STORE [--words 12]

Run it with each version's code on a store that version prepared (an A/B of a change
to the word table), one after the other on the same machine. Words are picked from
serve_token_count by how many word rows they have (few; hundreds, up to the SMALL rows
that are counted in Python), the same picks on any store with the same words (by a
hash of the word), plus two-word searches: a word of few rows with one of hundreds,
and two words of more than SMALL rows each (counted in SQL). Each search is answered
`--repeat` times with the engine's caches off; prints the median milliseconds per
group and per search, and the engine's path (python, prepared or sql), as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from custodes.search.engine import SearchEngine, SearchOptions
from custodes.search.facets import SMALL
from custodes.search.query import Query
from custodes.store.reader import Reader

GROUPS = {
    "few": (2, 50),
    "hundreds": (200, SMALL),
    "many": (SMALL + 1, 100_000),  # two words each: picked twice as many
}


def pick(reader: Reader, lo: int, hi: int, n: int) -> list[str]:
    """N words of LO..HI word rows (at least 4 letters), the same on any store that
    has them: ordered by a hash of the word."""
    rows = reader.con.execute(
        """SELECT token FROM serve_token_count
        WHERE word_rows BETWEEN ? AND ? AND length(token) >= 4
          AND regexp_full_match(token, '[A-Z]+')
        ORDER BY md5(token) LIMIT ?""",
        [lo, hi, n],
    ).fetchall()
    return [r[0] for r in rows]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--words", type=int, default=12, help="words per group")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    reader = Reader(args.store, cache_size=0)
    engine = SearchEngine(reader, options=SearchOptions(index=False, common=False))
    searches: dict[str, list[str]] = {
        name: pick(reader, lo, hi, args.words * (2 if name == "many" else 1))
        for name, (lo, hi) in GROUPS.items()
    }
    # two words: a rare one with a frequent one (counted in Python), and two frequent
    # ones (counted in SQL: the rarest word has more than SMALL rows)
    searches["few and hundreds"] = [
        f"{a} {b}" for a, b in zip(searches["few"], searches["hundreds"], strict=False)
    ]
    many = searches.pop("many")
    searches["two of many"] = [
        f"{a} {b}" for a, b in zip(many[::2], many[1::2], strict=False)
    ]
    out: dict = {"store": args.store, "groups": {}, "searches": {}}
    for group, texts in searches.items():
        medians = []
        for text in texts:
            times, answered = [], ""
            for _ in range(args.repeat):
                start = time.perf_counter()
                results = engine.search(Query(text=text))
                times.append((time.perf_counter() - start) * 1000)
                answered = results.answered_by
            ms = statistics.median(times)
            medians.append(ms)
            out["searches"][text] = {
                "ms": round(ms, 2),
                "path": answered,
                "total": results.total,
            }
        out["groups"][group] = {
            "searches": len(texts),
            "median_ms": round(statistics.median(medians), 2) if medians else None,
            "max_ms": round(max(medians), 2) if medians else None,
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
