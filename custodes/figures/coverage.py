"""Which fiscal years can be compared: a caveat drawn from what each year holds.

The shared data mixes complete recent years (CBP and ICE, FY2021 onwards) with a thin
older sample (ICE only, FY2013-FY2018, the last year cut off in June). A chart that puts
them side by side invites the wrong reading, so the dashboard says which years hold
fewer agencies than the others and which stop well before their year ends.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from custodes.model.agencies import load_agencies

# A year whose data stop more than this before 30 September counts as cut short.
GRACE = timedelta(days=31)


def _ranges(years: list[int]) -> str:
    """[2013, 2014, 2015, 2018] -> 'FY2013–FY2015, FY2018'."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    prev = 0  # read only once start is set
    for y in sorted(years):
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            out.append((start, prev))
            start = prev = y
    if start is not None:
        out.append((start, prev))
    return ", ".join(f"FY{a}" if a == b else f"FY{a}–FY{b}" for a, b in out)


def _agency_names(codes: list[str]) -> str:
    _, subtier = load_agencies()
    return ", ".join(subtier[c].name if c in subtier else c for c in codes)


# What each fiscal year holds: agencies, source formats, first and last action date.
SERVE_COVERAGE_SQL = """
    CREATE OR REPLACE TABLE serve_coverage AS
    SELECT fiscal_year,
           list_sort(list_distinct(list(awarding_sub_agency_code))) AS agencies,
           list_sort(list_distinct(list(source_format))) AS formats,
           count(*) AS transactions, min(action_date) AS first_action_date,
           max(action_date) AS last_action_date
    FROM "transaction" WHERE fiscal_year IS NOT NULL
    GROUP BY fiscal_year ORDER BY fiscal_year"""

COVERAGE_ROWS_SQL = "SELECT fiscal_year, agencies, last_action_date FROM serve_coverage"


def coverage_notes(
    rows: list[dict[str, Any]], agency: str | None, today: date
) -> list[str]:
    """Plain-language caveats about uneven coverage across fiscal years, from the
    serve_coverage ROWS (COVERAGE_ROWS_SQL)."""
    notes = []
    if agency is None and rows:
        every = sorted({a for r in rows for a in r["agencies"] if a})
        fewer: dict[tuple[str, ...], list[int]] = {}
        for r in rows:
            have = tuple(sorted(a for a in r["agencies"] if a))
            if have != tuple(every):
                fewer.setdefault(have, []).append(r["fiscal_year"])
        for have, years in sorted(fewer.items(), key=lambda kv: min(kv[1])):
            missing = [a for a in every if a not in have]
            notes.append(
                f"{_ranges(years)} hold only transactions of "
                f"{_agency_names(list(have))}, while other years also cover "
                f"{_agency_names(missing)}: totals across these years are not "
                "comparable."
            )
    short = []
    for r in rows:
        year_end = date(r["fiscal_year"], 9, 30)
        last = r["last_action_date"]
        if last is not None and year_end < today and last < year_end - GRACE:
            short.append(f"FY{r['fiscal_year']} (data end on {last.isoformat()})")
    if short:
        notes.append(
            "Some fiscal years stop before their end on 30 September: "
            + ", ".join(short)
            + ". Their totals are partial."
        )
    return notes
