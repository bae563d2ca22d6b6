"""Choose the rows an ingest writes: one per transaction key, bad rows quarantined.

Works on the check pass of every file (temp views `checked_{i}`, see stage.py) and
defines the view `winners`, which the write step reads. Rows whose key occurs once in
the whole batch (nearly all) are read again in parallel and find their line by joining
on the key; rows whose key repeats are read again in file order, so the first one wins.
"""

from __future__ import annotations

from typing import Protocol

from custodes.ingest.stage import KEY_HASH
from custodes.store.duckdb import Store


class Counts(Protocol):
    minimised_individual_contacts: int
    minimised_description_contacts: int
    duplicates: int


def build_batch(
    store: Store, staged: list[int], report: Counts, quarantine: list[tuple]
) -> int:
    """Quarantine bad rows, settle repeated keys, define `winners`; returns its size."""
    con = store.con
    con.execute(
        "CREATE OR REPLACE TEMP VIEW checks AS "
        + " UNION ALL ".join(
            f"SELECT __file, __ord, __line, __source, __key, __hash, __problem, "
            f"__minimised_individual, __minimised_text, __bad_raw FROM checked_{i}"
            for i in staged
        )
    )
    mins = con.execute(
        "SELECT count(*) FILTER (WHERE __minimised_individual), "
        "count(*) FILTER (WHERE __minimised_text), "
        "count(*) FROM checks"
    ).fetchall()[0]
    report.minimised_individual_contacts = int(mins[0])
    report.minimised_description_contacts = int(mins[1])
    quarantine.extend(
        tuple(r)
        for r in con.execute(
            "SELECT __source, __line, __problem, __bad_raw FROM checks "
            "WHERE __problem IS NOT NULL ORDER BY __file, __line"
        ).fetchall()
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE excluded AS SELECT __file, __ord FROM checks "
        "WHERE __problem IS NOT NULL"
    )
    # Keys seen more than once in the batch, in any row (a bad row too).
    con.execute(
        "CREATE OR REPLACE TEMP TABLE keyed AS SELECT __key, count(*) AS n, "
        "min(__file) AS __file, min(__line) AS __line, min(__hash) AS __hash, "
        "bool_and(__problem IS NULL) AS ok FROM checks "
        "WHERE __key IS NOT NULL GROUP BY 1"
    )
    repeats = int(
        con.execute("SELECT count(*) FROM keyed WHERE n > 1").fetchall()[0][0]
    )
    if repeats:
        _rank_repeated_keys(store, staged, report, quarantine)
    con.execute(
        "CREATE OR REPLACE TEMP VIEW winners AS "
        + " UNION ALL BY NAME ".join(_winner_parts(store, staged, repeats > 0))
    )
    excluded = int(con.execute("SELECT count(*) FROM excluded").fetchall()[0][0])
    return int(mins[2]) - excluded


def _winner_parts(store: Store, staged: list[int], repeats: bool) -> list[str]:
    # Files with a usable row that has no key or a repeated one: only these are read
    # again in file order (a file without such rows would be read for nothing).
    in_order = {
        int(r[0])
        for r in store.con.execute(
            "SELECT DISTINCT __file FROM checks WHERE __problem IS NULL AND "
            "(__key IS NULL"
            + (" OR __key IN (SELECT __key FROM keyed WHERE n > 1)" if repeats else "")
            + ")"
        ).fetchall()
    }
    parts = []
    for i in staged:
        # A unique key's row takes its line and content hash from the check pass.
        parts.append(
            f"SELECT s.* EXCLUDE (content_hash), k.__line, k.__hash AS content_hash "
            f"FROM stream_{i} s JOIN (SELECT __key, __line, __hash FROM keyed "
            f"WHERE n = 1 AND ok AND __file = {i}) k ON k.__key = {KEY_HASH}"
        )
        if i in in_order:
            parts.append(
                f"SELECT * FROM canon_{i} WHERE (transaction_key IS NULL OR "
                f"{KEY_HASH} IN (SELECT __key FROM keyed WHERE n > 1)) "
                f"AND __ord NOT IN (SELECT __ord FROM excluded WHERE __file = {i})"
            )
    return parts


def _rank_repeated_keys(
    store: Store, staged: list[int], report: Counts, quarantine: list[tuple]
) -> None:
    """Of rows sharing a key, the first (file order) wins; the rest are exact duplicates
    (counted) or conflicts (quarantined)."""
    con = store.con
    con.execute(
        "CREATE OR REPLACE TEMP TABLE repeated_ord AS SELECT __file, __ord FROM checks "
        "WHERE __problem IS NULL AND __key IN (SELECT __key FROM checks "
        "WHERE __problem IS NULL GROUP BY 1 HAVING count(*) > 1)"
    )
    # Only the files holding such rows are read again (in file order); at least one,
    # so that the table below has its columns when no usable row repeats.
    files = sorted(
        int(r[0])
        for r in con.execute("SELECT DISTINCT __file FROM repeated_ord").fetchall()
    )
    rows = " UNION ALL ".join(
        f"SELECT c.__file, c.__ord, c.__source, c.__line, c.transaction_key, "
        f"c.__raw_json FROM canon_{i} c SEMI JOIN repeated_ord r "
        f"ON r.__file = {i} AND c.__ord = r.__ord"
        for i in files or staged[:1]
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE repeated AS "
        "SELECT *, row_number() OVER w AS __rn, "
        "first_value(__raw_json) OVER w AS __first_raw, "
        "first_value(__source || ':' || __line) OVER w AS __first_at "
        f"FROM ({rows}) "
        "WINDOW w AS (PARTITION BY transaction_key ORDER BY __file, __ord)"
    )
    report.duplicates = int(
        con.execute(
            "SELECT count(*) FROM repeated WHERE __rn > 1 AND __raw_json = __first_raw"
        ).fetchall()[0][0]
    )
    quarantine.extend(
        tuple(r)
        for r in con.execute(
            "SELECT __source, __line, 'same transaction key ' || transaction_key || "
            "' as ' || __first_at || ' but different content; the first was kept', "
            "__raw_json "
            "FROM repeated WHERE __rn > 1 AND __raw_json <> __first_raw "
            "ORDER BY __file, __line"
        ).fetchall()
    )
    con.execute(
        "INSERT INTO excluded SELECT __file, __ord FROM repeated WHERE __rn > 1"
    )
