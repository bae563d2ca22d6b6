"""Property-based tests: the SQL cleaners (run in DuckDB) agree with Python
references."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import duckdb
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from custodes.ingest import fields as f

CON = duckdb.connect()


def sql_value(expr_sql: str, value: str | None):
    return CON.execute(f"SELECT {expr_sql}", [value]).fetchone()[0]


def sql_amount(text: str | None) -> Decimal | None:
    problem = sql_value(f.amount_problem_sql("$1::VARCHAR"), text)
    return None if problem else sql_value(f.amount_sql("$1::VARCHAR"), text)


cents = st.decimals(
    min_value=Decimal("-99999999999999.99"),
    max_value=Decimal("99999999999999.99"),
    places=2,
)


@settings(max_examples=300, deadline=None)
@given(cents)
def test_amount_round_trip_as_usaspending_writes_it(value):
    # USAspending writes Python-float text such as 3168000.0 or -13800.5
    for text in (
        str(value),
        f"{value:.2f}",
        f"{value:,.2f}",
        f"{value:.1f}" if value == value.quantize(Decimal("0.1")) else str(value),
    ):
        assert sql_amount(text) == value == f.parse_amount(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789.,-+$eE ", max_size=14))
def test_amount_sql_and_python_agree_on_any_text(text):
    assert sql_amount(text) == f.parse_amount(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_amount_never_crashes_on_arbitrary_text(text):
    assert sql_amount(text) == f.parse_amount(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3168000.0", Decimal("3168000.00")),
        ("-13800.0", Decimal("-13800.00")),
        ("0.0", Decimal("0.00")),
        ("1,234.5", Decimal("1234.50")),
        ("$12", Decimal("12.00")),
        ("1.50000", Decimal("1.50")),
        ("1.005", None),
        ("1.40E+11", None),
        ("", None),
        ("12,34", None),
        ("--1", None),
        ("NAN", None),
        (None, None),
    ],
)
def test_amount_cases(text, expected):
    assert sql_amount(text) == expected == f.parse_amount(text)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_in_both_source_formats(d):
    iso, dmy = d.isoformat(), f"{d.day:02d}/{d.month:02d}/{d.year}"
    assert sql_value(f.date_sql("$1::VARCHAR", day_first=False), iso) == d
    assert sql_value(f.date_sql("$1::VARCHAR", day_first=True), dmy) == d
    assert sql_value(f.date_sql("$1::VARCHAR", day_first=False), dmy) is None
    assert f.parse_date(iso, False) == d == f.parse_date(dmy, True)
    fy = sql_value(f.fiscal_year_sql("$1::DATE"), iso)
    assert fy == f.fiscal_year(d) == (d.year + 1 if d.month >= 10 else d.year)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789-/ T:", max_size=12))
def test_date_sql_and_python_agree_on_any_text(text):
    for day_first in (False, True):
        assert sql_value(f.date_sql("$1::VARCHAR", day_first), text) == f.parse_date(
            text, day_first
        )


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=999_999_999))
def test_duns_zero_padding_is_idempotent(n):
    for text in (str(n), str(n).zfill(9), f"{n}.0"):
        cleaned = sql_value(f.duns_sql("$1::VARCHAR"), text)
        assert cleaned == f.clean_duns(text) == str(n).zfill(9)
        assert sql_value(f.duns_sql("$1::VARCHAR"), cleaned) == cleaned


@given(st.text(max_size=15))
@example("0\u00a0")  # found by hypothesis: SQL trim() removes no-break spaces
@example("\u3000123.0 ")
def test_duns_rejects_non_digits_like_python(text):
    assert sql_value(f.duns_sql("$1::VARCHAR"), text) == f.clean_duns(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=12, max_size=12))
def test_uei_upper_cases_and_validates(uei):
    assert sql_value(f.uei_sql("$1::VARCHAR"), f" {uei.lower()} ") == uei
    assert sql_value(f.uei_sql("$1::VARCHAR"), uei[:11]) is None


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=80),
    st.sampled_from(
        [
            "(202) 732-2008",
            "202-732-2008",
            "202.590.8466",
            "2027327060",
            "first.last@ice.dhs.gov",
        ]
    ),
)
def test_contact_masking_removes_contacts_and_is_idempotent(text, contact):
    masked = sql_value(f.mask_contacts_sql("$1::VARCHAR"), f"{text} COR {contact}. ")
    assert contact not in masked
    assert not re.search(f.PHONE_RE + "|" + f.EMAIL_RE, masked)
    assert sql_value(f.mask_contacts_sql("$1::VARCHAR"), masked) == masked


@pytest.mark.parametrize(
    "text",
    [
        "REQ #2020048958",
        "70CMSD21P00000127",
        "$348,000",
        "UID# 15-SDD250005",
        "PERIOD 09/21/21-09/20/22",
    ],
)
def test_masking_keeps_ids_amounts_and_dates(text):
    assert sql_value(f.mask_contacts_sql("$1::VARCHAR"), text) == text


# The space separators DuckDB's trim() removes, a tab it keeps, and plain letters.
SPACES = " \u00a0\u1680\u2000\u2005\u200a\u202f\u205f\u3000\t"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(SPACES + "abZ9é,"), max_size=8) | st.text())
def test_fast_trim_gives_what_trim_gives(text):
    """trim_sql skips trim() only where it would change nothing."""
    fast = sql_value(f.trim_sql("$1::VARCHAR"), text)
    assert fast == sql_value("trim($1::VARCHAR)", text)
    assert sql_value(f.clean_text_sql("$1::VARCHAR"), text) == (fast or None)


def test_fast_trim_on_the_edge_cases():
    for text, trimmed in [
        (" a ", "a"),
        ("\u00a0a\u3000", "a"),  # non-ASCII spaces at either end
        ("a\u2003", "a"),
        ("\ta\t", "\ta\t"),  # trim() keeps tabs; so must the fast path
        ("é", "é"),
        ("", ""),
        (None, None),
    ]:
        assert sql_value(f.trim_sql("$1::VARCHAR"), text) == trimmed, repr(text)


@pytest.mark.parametrize("name", ["Action Date", "Owner's name", "a '' b"])
def test_field_problem_names_any_column(name):
    """A source's column name reaches the quarantine reason as a quoted literal."""
    sql = f.field_problem_sql(name, "'12/31'", "'not a date'")
    got = duckdb.sql(f"SELECT {sql}").fetchall()
    assert got == [(f"field {name} = '12/31': not a date",)]
    fine = f.field_problem_sql(name, "'x'", "NULL")
    assert duckdb.sql(f"SELECT {fine}").fetchall() == [(None,)]
