"""Words that enter the search's vocabulary join the neighbouring words of awards a
refresh does not recompute (custodes/search/refresh.py `_joining`): found through
both halves in serve_token when each has two or more characters (ZORB TECH ->
ZORBTECH), through serve_token_pair_short when one has one (U S -> US, Q BIT ->
QBIT). Each delivery
below brings such a word, or takes it away, and the refreshed store equals a full
rebuild."""

from __future__ import annotations

import duckdb
import pytest

from tests.figures import test_refresh_equal
from tests.figures.refresh_compare import differences
from tests.figures.test_refresh_equal import run_sequence

DESCRIPTIONS = [
    "ZORB TECH SUPPORT RENEWAL",
    "ZORBTECH ANALYSIS SOFTWARE",
    "U S BORDER CAMERA MOUNTS",
    "US BORDER SENSORS",
    "Q BIT LICENSES",
    "QBIT RENEWAL",
    "OFFICE SUPPLIES",
]


@pytest.fixture
def descriptions(monkeypatch):
    monkeypatch.setattr(test_refresh_equal, "DESCRIPTIONS", DESCRIPTIONS)


def _joined(path) -> set[tuple[str, str]]:
    """(word, PIID) of the rows of serve_word that come only from a pair."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return set(
            con.execute(
                """SELECT t.token, a.piid FROM serve_word t
                JOIN serve_award a USING (award_id)
                WHERE t.joined AND t.token IN ('ZORBTECH', 'US', 'QBIT')"""
            ).fetchall()
        )
    finally:
        con.close()


def test_words_entering_and_leaving_the_vocabulary(tmp_path, descriptions):
    piids = test_refresh_equal.PIIDS
    for part in ("in", "out"):
        (tmp_path / part).mkdir()
    sequence = [
        (0, 0, "100.00", "2021-02-03", 0, 0, "ICE", True),
        ("ingest", [(1, 0, "2500.50", "2021-02-03", 2, 2, "ICE", True),
                    (2, 0, "33333.33", "2022-01-15", 4, 4, "CBP", True),
                    (3, 0, "0.01", "2022-01-15", 3, 6, "ICE", True)]),
        ("refresh",),
        # ZORBTECH, US and QBIT enter the vocabulary: awards 0, 1 and 2 join them
        # (paid to a vendor of their own: the awards before are not recomputed)
        ("ingest", [(4, 0, "1000000.00", "2023-06-01", 6, 1, "ICE", True),
                    (5, 0, "-75.25", "2023-06-01", 6, 3, "CBP", True),
                    (6, 0, "100.00", "2023-06-01", 6, 5, "ICE", True)]),
        ("refresh",),
    ]  # fmt: skip
    full = run_sequence(tmp_path / "in", sequence)
    diff = differences(tmp_path / "in" / "store.duckdb", full)
    assert not diff, "\n".join(f"{k}: {v}" for k, v in diff.items())
    assert _joined(tmp_path / "in" / "store.duckdb") == {
        ("ZORBTECH", piids[0]),
        ("US", piids[1]),
        ("QBIT", piids[2]),
    }
    # the awards that brought them change their descriptions: the words leave
    sequence += [
        ("ingest", [(4, 0, "1000000.00", "2023-06-01", 6, 6, "ICE", True),
                    (5, 0, "-75.25", "2023-06-01", 6, 6, "CBP", True)]),
    ]  # fmt: skip
    full = run_sequence(tmp_path / "out", sequence)
    diff = differences(tmp_path / "out" / "store.duckdb", full)
    assert not diff, "\n".join(f"{k}: {v}" for k, v in diff.items())
    assert _joined(tmp_path / "out" / "store.duckdb") == {("QBIT", piids[2])}
