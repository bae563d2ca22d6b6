"""After any sequence of ingests, overrides, stage runs and refreshes, every derived
table equals a full rebuild of the same store, row for row and to the cent.

Random sequences (hypothesis) on small stores: deliveries of new, changed and repeated
transactions (amounts, dates, descriptions and recipients change under the same key;
awards without a generated id get a built key that a later row's id replaces in
place), overrides added, changed and removed, review decisions (accept, correct),
`custodes resolve` and `custodes classify` run outside a refresh. After the sequence
the store is copied and the copy rebuilt with `custodes refresh --full`;
tests/figures/refresh_compare.py compares every derived table (the registry's derived
tables, classification, award numbers and first sightings).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from custodes.cli import main
from tests.figures.refresh_compare import differences
from tests.ingest.csvmaker import api_row, write_api_csv

PIIDS = [f"70CMSD21P0000{i:04d}" for i in range(1, 8)]
RECIPIENTS = [
    "ACME SENSORS INC",
    "ACME SENSORS, INC.",
    "GLOBEX CORPORATION",
    "INITECH LLC",
    "VIGILANT SOLUTIONS LLC",
    "JOHN Q SMITH",
    "PARAGON SYSTEMS INC",
]
DESCRIPTIONS = [
    "LICENSE PLATE READER CAMERAS",
    "BODY WORN CAMERA SYSTEM AND STORAGE",
    "OFFICE SUPPLIES",
    "GRAYKEY FORENSIC SOFTWARE",
    "GRAY KEY SUPPORT RENEWAL",
    "CELLEBRITE UFED LICENSES",
    "JANITORIAL SERVICES",
    "BORDER BARRIER CONSTRUCTION WITH CAMERAS AND SENSORS",
    "SOCIAL MEDIA MONITORING SUBSCRIPTION",
]
DATES = ["2020-11-03", "2021-02-03", "2021-09-30", "2022-01-15", "2023-06-01"]
AMOUNTS = ["100.00", "2500.50", "-75.25", "1000000.00", "0.01", "33333.33"]
LABELS = ["license_plate_readers", "none", "biometrics", "phone_forensics_spyware"]

rows = st.tuples(
    st.integers(0, len(PIIDS) - 1),
    st.integers(0, 2),  # modification
    st.sampled_from(AMOUNTS),
    st.sampled_from(DATES),
    st.integers(0, len(RECIPIENTS) - 1),
    st.integers(0, len(DESCRIPTIONS) - 1),
    st.sampled_from(["ICE", "CBP"]),
    st.booleans(),  # with a generated award id (else the award key is built)
)
ops = st.one_of(
    st.tuples(st.just("ingest"), st.lists(rows, min_size=1, max_size=6)),
    st.tuples(st.just("refresh")),
    st.tuples(
        st.just("override"),
        st.integers(0, len(PIIDS) - 1),
        st.sampled_from([None, *LABELS]),
    ),
    st.tuples(st.just("classify")),
    st.tuples(st.just("resolve")),
    # a review decision: accept the award's label, or correct it to another
    st.tuples(
        st.just("review"),
        st.integers(0, len(PIIDS) - 1),
        st.sampled_from([None, *LABELS]),
    ),
)


def cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def csv_rows(batch: list[tuple]) -> list[list[str]]:
    out = []
    for piid_i, mod, amount, date, rec, desc, agency, with_id in batch:
        piid = PIIDS[piid_i]
        code = {"ICE": "7012", "CBP": "7014"}[agency]
        gaid = f"CONT_AWD_{piid}_{code}_-NONE-_-NONE-" if with_id else ""
        out.append(
            api_row(
                piid=piid,
                amount=amount,
                date=date,
                mod=str(mod),
                desc=DESCRIPTIONS[desc],
                recipient=RECIPIENTS[rec],
                agency=agency,
                gaid=gaid,
            )
        )
    return out


def review(db: Path, award: str, label: str | None) -> None:
    """custodes review accept AWARD, or correct AWARD LABEL; a decision the command
    refuses (the award not classified yet, already that label) is not made."""
    args = ["accept", award] if label is None else ["correct", award, label]
    result = CliRunner().invoke(
        main,
        ["--db", str(db), "review", *args, "--reviewer", "Test Reviewer",
         "--note", f"checked ({label})"],
        catch_exceptions=False,
    )  # fmt: skip
    refused = ("No classified award", "already", "no classification yet")
    assert result.exit_code == 0 or any(r in result.output for r in refused), (
        result.output
    )


def write_overrides(path: Path, overrides: dict[str, str]) -> None:
    lines = ["award,label,reason"]
    for award, label in sorted(overrides.items()):
        lines.append(f"{award},{label},a reviewer said so ({label})")
    path.write_text("\n".join(lines) + "\n")


def run_sequence(tmp: Path, sequence: list[tuple]) -> Path:
    db = tmp / "store.duckdb"
    overrides_file = tmp / "overrides.csv"
    overrides: dict[str, str] = {}
    write_overrides(overrides_file, overrides)
    # words of two awards are common: the common words' tables are kept up to date
    opt = ["--overrides", str(overrides_file)]
    refresh = ["refresh", *opt, "--common-word-awards", "2"]
    cli(db, "ingest", str(write_api_csv(tmp / "first.csv", csv_rows([sequence[0]]))))
    for n, op in enumerate(sequence[1:]):
        if op[0] == "ingest":
            path = write_api_csv(tmp / f"delivery{n}.csv", csv_rows(op[1]))
            cli(db, "ingest", str(path))
        elif op[0] == "refresh":
            cli(db, *refresh)
        elif op[0] == "override":
            award = f"CONT_AWD_{PIIDS[op[1]]}_7012_-NONE-_-NONE-"
            if op[2] is None:
                overrides.pop(award, None)
            else:
                overrides[award] = op[2]
            write_overrides(overrides_file, overrides)
        elif op[0] == "classify":
            cli(db, "classify", *opt)
        elif op[0] == "resolve":
            cli(db, "resolve")
        elif op[0] == "review":
            review(db, f"CONT_AWD_{PIIDS[op[1]]}_7012_-NONE-_-NONE-", op[2])
    cli(db, *refresh)
    full = tmp / "full.duckdb"
    shutil.copyfile(db, full)
    cli(full, *refresh, "--full")
    return full


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    # each example runs a dozen commands: report the sequence rather than shrink it
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(first=rows, sequence=st.lists(ops, min_size=1, max_size=7))
def test_refresh_equals_a_full_rebuild(tmp_path_factory, first, sequence):
    note(f"sequence: {[first, *sequence]!r}")
    tmp = tmp_path_factory.mktemp("seq")
    full = run_sequence(tmp, [first, *sequence])
    diff = differences(tmp / "store.duckdb", full)
    assert not diff, "\n".join(f"{k}: {v}" for k, v in diff.items())


def test_a_refresh_after_each_kind_of_change_equals_a_full_rebuild(tmp_path):
    """One fixed sequence with every kind of change, refreshed after each."""
    first = (0, 0, "100.00", "2021-02-03", 0, 0, "ICE", True)
    sequence = [
        first,
        ("ingest", [(1, 0, "2500.50", "2021-02-03", 2, 1, "ICE", True)]),
        ("refresh",),
        # a modification, a changed amount under the same key, a new recipient
        ("ingest", [(0, 1, "-75.25", "2022-01-15", 1, 3, "ICE", True),
                    (1, 0, "2600.00", "2021-02-03", 2, 1, "ICE", True),
                    (2, 0, "33333.33", "2023-06-01", 4, 4, "CBP", True)]),
        ("refresh",),
        ("override", 0, "biometrics"),
        ("refresh",),
        ("override", 0, None),
        # a built key, then the row that names its award
        ("ingest", [(3, 0, "0.01", "2020-11-03", 3, 5, "ICE", False)]),
        ("refresh",),
        ("ingest", [(3, 1, "1000000.00", "2021-09-30", 3, 7, "ICE", True)]),
        ("refresh",),
        ("resolve",),
        ("refresh",),
        # review decisions: a correction, refreshed; an acceptance, not refreshed
        ("review", 1, "biometrics"),
        ("refresh",),
        ("review", 2, None),
        ("classify",),
    ]  # fmt: skip
    full = run_sequence(tmp_path, sequence)
    diff = differences(tmp_path / "store.duckdb", full)
    assert not diff, "\n".join(f"{k}: {v}" for k, v in diff.items())


def test_a_word_that_stops_being_common_leaves_every_common_word_table(tmp_path):
    """Found by the property above: when a word stopped being common, a refresh took
    it out of serve_popular but left its rows in serve_popular_facet and
    serve_popular_top (the words leaving were read again after the first table had
    lost them)."""
    sequence = [
        (5, 2, "-75.25", "2020-11-03", 1, 5, "CBP", False),
        ("refresh",),
        ("ingest", [(5, 0, "1000000.00", "2023-06-01", 3, 2, "ICE", False),
                    (2, 0, "0.01", "2023-06-01", 0, 2, "CBP", True),
                    (0, 0, "0.01", "2020-11-03", 4, 4, "CBP", False),
                    (4, 0, "33333.33", "2020-11-03", 5, 0, "ICE", True),
                    (2, 0, "1000000.00", "2022-01-15", 3, 1, "ICE", False),
                    (6, 1, "100.00", "2022-01-15", 6, 5, "ICE", False)]),
        ("refresh",),
        ("override", 1, "none"),
        ("ingest", [(4, 1, "1000000.00", "2021-09-30", 5, 3, "CBP", True),
                    (4, 0, "1000000.00", "2021-09-30", 0, 3, "ICE", True),
                    (3, 2, "1000000.00", "2021-02-03", 0, 5, "CBP", True),
                    (2, 1, "0.01", "2021-09-30", 4, 0, "ICE", True)]),
        ("override", 1, "phone_forensics_spyware"),
    ]  # fmt: skip
    full = run_sequence(tmp_path, sequence)
    diff = differences(tmp_path / "store.duckdb", full)
    assert not diff, "\n".join(f"{k}: {v}" for k, v in diff.items())


def test_an_award_paid_to_two_vendors_refreshes_like_a_full_rebuild(tmp_path):
    """A novation: an award's later transactions go to another vendor, then one of
    them moves again and a delivery changes an amount. Each vendor's part of the award
    (serve_vendor_award) and the tables summed from it (serve_vendor,
    serve_vendor_year) equal a full rebuild after every refresh."""
    first = (0, 0, "1000000.00", "2021-02-03", 2, 0, "ICE", True)
    sequence = [
        first,
        ("refresh",),
        # the novation: GLOBEX's award paid to INITECH from FY2022
        ("ingest", [(0, 1, "2500.50", "2022-01-15", 3, 0, "ICE", True),
                    (0, 2, "-75.25", "2023-06-01", 3, 0, "ICE", True)]),
        ("refresh",),
        # one of INITECH's actions moves to a third vendor, an amount changes
        ("ingest", [(0, 2, "-75.25", "2023-06-01", 4, 0, "ICE", True),
                    (0, 0, "33333.33", "2021-02-03", 2, 0, "ICE", True)]),
        ("refresh",),
        ("resolve",),
    ]  # fmt: skip
    full = run_sequence(tmp_path, sequence)
    diff = differences(tmp_path / "store.duckdb", full)
    assert not diff, "\n".join(f"{k}: {v}" for k, v in diff.items())
    import duckdb

    con = duckdb.connect(str(full), read_only=True)
    try:
        parts = con.execute(
            "SELECT vendor_id, sum(obligation_usd) FROM serve_vendor_award "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert [str(usd) for _, usd in parts] == ["33333.33", "2500.50", "-75.25"], parts
