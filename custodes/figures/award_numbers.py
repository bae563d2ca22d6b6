"""Stable award numbers: one integer per award key, kept for as long as the store lives.

The web app's tables (serve_award.award_id, serve_word, serve_transaction, ...) and
the analysis frame (analyse_frame.award_no) key awards by an integer. These used to be
row numbers in some order, so every rebuild could renumber every award, and a refresh
that added one award would have had to rewrite every table keyed by them. Instead an
award gets its number once, in `award_number`, and keeps it: a refresh numbers only the
awards it has not seen, after the largest number given so far, and a full rebuild
reuses the numbers already given. An incremental refresh and a full rebuild of the same
store therefore give every award the same number.

Numbers are never reused: an award that leaves the store keeps its number in the
registry, and gets it back if it returns. The first numbering of a store (no registry
yet) follows the order the web app used to number awards (by vendor, largest first),
so that award ids of an existing store do not change when it is first refreshed.
"""

from __future__ import annotations

from custodes.store.duckdb import Store


def ensure(store: Store) -> None:
    store.create("award_number")


# Every award of the store, for `number_new`.
STORE_AWARDS = '(SELECT DISTINCT award_key FROM "transaction")'
# The same awards, right after classify's full run (one classification row per award
# of the store's transactions), read from 1 row per award instead of every transaction.
CLASSIFIED_AWARDS = "(SELECT award_key FROM classification)"


def number_new(store: Store, awards: str, order: str = "award_key") -> int:
    """Give a number to each award of the relation AWARDS (a table or a subquery with
    an award_key column and the columns ORDER names) that has none, in ORDER after the
    largest number given so far. Returns how many were numbered."""
    ensure(store)
    before = int(store.scalar("SELECT count(*) FROM award_number"))
    store.execute(
        f"""INSERT INTO award_number
        SELECT a.award_key,
               ((SELECT coalesce(max(award_no), 0) FROM award_number)
                + row_number() OVER (ORDER BY {order}))::INTEGER
        FROM (SELECT * FROM {awards}) a
        WHERE a.award_key NOT IN (SELECT award_key FROM award_number)"""
    )
    return int(store.scalar("SELECT count(*) FROM award_number")) - before
