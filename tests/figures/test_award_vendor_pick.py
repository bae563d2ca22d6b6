"""An award's vendor is its latest transaction's whose vendor is not NULL, worked out
per transaction (custodes/figures/recipients.py): `award_rows_sql` picks the latest
named transaction first and joins the vendor links on that one row per award. These
tests hold it to the per-transaction rule where the shortcut could go wrong: the
latest transaction a natural person's, or without a recipient name but linked by
resolve (by its key, or by its record: ALIAS_LINKS)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from custodes.figures import serve_tables
from custodes.settings import Settings
from custodes.store import open_store
from custodes.store.duckdb import Store

# the per-transaction rule: every transaction's vendor, the latest non-NULL per award
REFERENCE = """
    SELECT t.award_key,
           arg_max(t.recipient_name, (t.action_date, t.transaction_key))
               FILTER (WHERE t.action_date IS NOT NULL) AS recipient_name,
           arg_max(v.vendor_id, (t.action_date, t.transaction_key))
               FILTER (WHERE t.action_date IS NOT NULL) AS vendor_id,
           arg_max(v.vendor_name, (t.action_date, t.transaction_key))
               FILTER (WHERE t.action_date IS NOT NULL) AS vendor_name,
           bool_or(coalesce(t.recipient_is_individual, FALSE)) AS individual
    FROM "transaction" t JOIN ({vendors}) v USING (transaction_key)
    GROUP BY 1"""


def _picks(store: Store, tv: str) -> tuple[list[tuple], list[tuple]]:
    """(award_rows_sql's, the reference's) award key, recipient name (NULL where
    the award has a natural person's transaction: withheld), vendor id and name."""
    have = serve_tables.present(store)
    shown = (
        "SELECT award_key, CASE WHEN individual THEN NULL ELSE recipient_name END, "
        "vendor_id, vendor_name FROM ({}) ORDER BY 1"
    )
    got = store.con.execute(
        shown.format(serve_tables.award_rows_sql(have, tv=tv))
    ).fetchall()
    vendors = serve_tables.transaction_vendor_sql(have, tv=tv)
    want = store.con.execute(shown.format(REFERENCE.format(vendors=vendors))).fetchall()
    return got, want


@pytest.mark.parametrize("tv", ["transaction_vendor", serve_tables.ALIAS_LINKS])
def test_award_vendor_is_the_latest_transaction_with_one(
    real_store_path: Path, tmp_path: Path, tv: str
) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copyfile(real_store_path, db)
    with open_store(Settings(db=db), write=True, command="test") as store:
        con = store.con
        awards = [
            r[0]
            for r in con.execute(
                'SELECT award_key FROM "transaction" GROUP BY 1 '
                "HAVING count(DISTINCT action_date) >= 2 ORDER BY 1 LIMIT 6"
            ).fetchall()
        ]
        assert len(awards) == 6
        vendor = con.execute("SELECT min(vendor_id) FROM vendor").fetchone()[0]
        latest = """(SELECT arg_max(transaction_key, (action_date, transaction_key))
                     FROM "transaction" WHERE award_key = ?)"""
        earliest = """(SELECT arg_min(transaction_key, (action_date, transaction_key))
                       FROM "transaction" WHERE award_key = ?)"""
        for i, award in enumerate(awards):
            if i % 3 == 0:  # the latest transaction a natural person's
                con.execute(
                    'UPDATE "transaction" SET recipient_is_individual = TRUE '
                    f"WHERE transaction_key = {latest}",
                    [award],
                )
            elif i % 3 == 1:  # the latest without a name, linked by resolve
                key = con.execute(latest, [award]).fetchone()[0]
                con.execute(
                    'UPDATE "transaction" SET recipient_name = NULL, '
                    "recipient_uei = 'TESTUEI', recipient_duns = NULL, "
                    "recipient_is_individual = FALSE WHERE transaction_key = ?",
                    [key],
                )
                con.execute(
                    "UPDATE transaction_vendor SET vendor_id = ? "
                    "WHERE transaction_key = ?",
                    [vendor, key],
                )
            else:  # without a name and not linked: the named ones decide
                con.execute(
                    'UPDATE "transaction" SET recipient_name = NULL, '
                    "recipient_uei = NULL, recipient_duns = NULL, "
                    "recipient_is_individual = FALSE "
                    f"WHERE transaction_key IN ({latest}, {earliest})",
                    [award, award],
                )
                con.execute(
                    "DELETE FROM transaction_vendor WHERE transaction_key IN "
                    f"({latest}, {earliest})",
                    [award, award],
                )
        # the record without a name, as resolve would link it (ALIAS_LINKS)
        con.execute(
            "INSERT INTO vendor_alias (vendor_id, recipient_name, recipient_uei, "
            "recipient_duns) VALUES (?, '', 'TESTUEI', NULL)",
            [vendor],
        )
        got, want = _picks(store, tv)
    assert len(got) > 50
    assert got == want
    changed = {r[0]: r for r in want if r[0] in awards}
    # the cases happened: a natural person's latest transaction withholds the name
    # and leaves the vendor to an earlier one; a nameless linked one names it
    assert all(changed[a][1] is None and changed[a][2] for a in awards[0::3])
    assert all(changed[a][2] == vendor for a in awards[1::3])
