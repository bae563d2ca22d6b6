"""Coverage: which agencies and fiscal years a figure rests on, and how far to trust
each year.

The shared data mixes complete recent years (CBP and ICE, FY2021 onwards) with a thin
older sample (ICE only, FY2013-FY2018, the last year cut off in June) and nothing for
FY2019-FY2020. A chart that puts them side by side invites the wrong reading, so every
figure carries its coverage, year by year:

- **present**: the store holds transactions of the year (and which agencies);
- **partial**: the current fiscal year, or a year whose data stop more than GRACE
  before 30 September (its last action date says so);
- **sample**: some of its transactions come from a source file declared a sample in
  custodes/data/sources/samples.yaml (by SHA-256: a property of the file ingested,
  never of the year); a sample year that is also partial is both (`sample+partial`);
- **missing**: no transactions, between two years that have some (a gap in a chart,
  never a zero).

`coverage_select_sql` computes the rows (fiscal year x agency) from the store, and
`serve_coverage` holds them for the web app; `coverage_rows` does the same on any
analysis engine. `years` and `summary` turn rows into the statuses and the sentence
pages, charts, reports and CSV sidecars print; `coverage_notes` the dashboard's caveats
about years that cannot be compared.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

from custodes.model.agencies import load_agencies
from custodes.store.queries import (
    HISTORY_REASONS,
    history_counts_sql,
    modifications_only_line,
    unreachable,
)
from custodes.store.sql import literal

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


def year_ranges(years: list[int]) -> str:
    """The fiscal years as a reader reads them: 'FY2013–FY2018, FY2021–FY2024'."""
    return _ranges(years)


def _agency_names(codes: list[str]) -> str:
    _, subtier = load_agencies()
    return ", ".join(subtier[c].name if c in subtier else c for c in codes)


@cache
def sample_files() -> dict[str, dict[str, str]]:
    """SHA-256 -> {file, why} of the source files declared samples
    (custodes/data/sources/samples.yaml)."""
    path = resources.files("custodes.data").joinpath("sources/samples.yaml")
    doc = yaml.safe_load(path.read_text()) or {}
    return {
        str(e["sha256"]).lower(): {"file": str(e["file"]), "why": str(e["why"])}
        for e in doc.get("samples", [])
    }


def _samples_sql() -> str:
    """SQL: the display names of ingested files that are declared samples."""
    digests = ", ".join(literal(d) for d in sorted(sample_files())) or "NULL"
    return (
        "SELECT DISTINCT display FROM source_file "
        f"WHERE status = 'loaded' AND lower(sha256) IN ({digests})"
    )


def coverage_select_sql(where: str = "") -> str:
    """What each fiscal year holds, per awarding agency: transactions, how many come
    from declared sample files, source formats, first and last action date (WHERE: a
    condition on the transactions, e.g. the fiscal years a refresh recomputes). The
    formats are gathered distinct, not listed and then made distinct: at 10M
    transactions, a delivery's four fiscal years 0.40-0.46 -> 0.11-0.12 s."""
    cond = f"AND ({where})" if where else ""
    return f"""
    SELECT t.fiscal_year, t.awarding_sub_agency_code AS agency_code,
           any_value(t.awarding_sub_agency_name) AS agency_name,
           coalesce(list_sort(list(DISTINCT t.source_format)
                              FILTER (WHERE t.source_format IS NOT NULL)), [])
               AS formats,
           count(*) AS transactions,
           count(*) FILTER (WHERE t.source_file IN ({_samples_sql()}))
               AS sample_transactions,
           min(t.action_date) AS first_action_date,
           max(t.action_date) AS last_action_date
    FROM "transaction" t WHERE t.fiscal_year IS NOT NULL {cond}
    GROUP BY 1, 2 ORDER BY 1, 2"""


def serve_coverage_sql() -> str:
    return f"CREATE OR REPLACE TABLE serve_coverage AS {coverage_select_sql()}"


# Per fiscal year (all agencies), the shape coverage_notes and years read.
COVERAGE_ROWS_SQL = """
    SELECT fiscal_year, list_sort(list(agency_code)) AS agencies,
           min(first_action_date) AS first_action_date,
           max(last_action_date) AS last_action_date,
           sum(transactions) AS transactions,
           sum(sample_transactions) AS sample_transactions
    FROM serve_coverage GROUP BY fiscal_year ORDER BY fiscal_year"""

# The same, for one agency (parameter: its code).
AGENCY_ROWS_SQL = """
    SELECT fiscal_year, list_sort(list(agency_code)) AS agencies,
           min(first_action_date) AS first_action_date,
           max(last_action_date) AS last_action_date,
           sum(transactions) AS transactions,
           sum(sample_transactions) AS sample_transactions
    FROM serve_coverage WHERE agency_code = ? GROUP BY fiscal_year
    ORDER BY fiscal_year"""


def per_year(
    rows: list[dict[str, Any]], agency: str | None = None
) -> list[dict[str, Any]]:
    """Rows of coverage_select_sql (fiscal year x agency) as per-year rows (one
    AGENCY, or all)."""
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        if agency and r["agency_code"] != agency:
            continue
        y = out.setdefault(
            r["fiscal_year"],
            {"fiscal_year": r["fiscal_year"], "agencies": [], "first_action_date": None,
             "last_action_date": None, "transactions": 0, "sample_transactions": 0},
        )  # fmt: skip
        y["agencies"] = sorted({*y["agencies"], r["agency_code"]} - {None})
        for key, pick in (("first_action_date", min), ("last_action_date", max)):
            if r[key] is not None:
                y[key] = r[key] if y[key] is None else pick(y[key], r[key])
        y["transactions"] += int(r["transactions"] or 0)
        y["sample_transactions"] += int(r["sample_transactions"] or 0)
    return [out[k] for k in sorted(out)]


def current_fiscal_year(today: date) -> int:
    return today.year + 1 if today.month >= 10 else today.year


def years(rows: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """Every fiscal year from the first to the last the ROWS (per year) hold, each
    with its status (complete, partial, sample, sample+partial or missing), its flags
    and why."""
    have = {r["fiscal_year"]: r for r in rows}
    if not have:
        return []
    out = []
    for fy in range(min(have), max(have) + 1):
        r = have.get(fy)
        if r is None:
            out.append({"fiscal_year": fy, "status": "missing", "missing": True,
                        "partial": None, "sample": False, "sample_share": 0.0,
                        "agencies": [], "transactions": 0, "last_action_date": None,
                        "note": f"FY{fy}: no data in the store"})  # fmt: skip
            continue
        year_end = date(fy, 9, 30)
        last = r["last_action_date"]
        partial = None
        if fy >= current_fiscal_year(today):
            partial = "the fiscal year is not over"
        elif last is not None and last < year_end - GRACE:
            partial = f"data end on {last.isoformat()}"
        sampled = int(r.get("sample_transactions") or 0)
        share = sampled / r["transactions"] if r["transactions"] else 0.0
        # a year can be both: FY2018 of the shared data is a sample whose bulk file
        # stops in June (the charts' marks spell it the same way)
        flags = [f for f, on in (("sample", sampled), ("partial", partial)) if on]
        status = "+".join(flags) or "complete"
        bits = []
        if sampled:
            bits.append("a sample")
        if partial:
            bits.append(f"partial ({partial})")
        out.append({
            "fiscal_year": fy, "status": status, "missing": False, "partial": partial,
            "sample": bool(sampled), "sample_share": round(share, 4),
            "agencies": list(r["agencies"]), "transactions": int(r["transactions"]),
            "last_action_date": last,
            "note": f"FY{fy}: " + (" and ".join(bits) if bits else "complete"),
        })  # fmt: skip
    return out


def summary(
    rows: list[dict[str, Any]],
    today: date,
    agency: str | None = None,
    modifications_only: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What a figure's coverage is, for --json, report.json, pages and CSV sidecars:
    per-year statuses, the agencies, the lists of partial, sample and missing years,
    the last action date (data as of) and one sentence; with MODIFICATIONS_ONLY (the
    scope's awards known only through later modifications: `modifications_only`,
    `modifications_only_sql` or `modifications_only_awards`), its counts and
    sentence too."""
    ys = years(rows, today)
    present = [y["fiscal_year"] for y in ys if not y["missing"]]
    lists = {
        kind: [y["fiscal_year"] for y in ys if y[kind]]
        for kind in ("partial", "sample", "missing")
    }
    agencies = sorted({a for y in ys for a in y["agencies"]})
    through = max((y["last_action_date"] for y in ys if y["last_action_date"]),
                  default=None)  # fmt: skip
    text = coverage_text(present, lists, agencies, through)
    out = {
        "agency": agency,
        "agencies": agencies,
        "agency_names": _agency_names(agencies),
        "fiscal_years": present,
        **lists,
        "data_through": through,
        "years": ys,
        "text": text,
    }
    if modifications_only is not None:
        mods = {
            k: modifications_only[k]
            for k in ("awards", "obligation_usd", "of_awards", "of_obligation_usd")
        }
        mods["reachable"] = modifications_only.get("reachable")
        mods["unreachable"] = unreachable(modifications_only)
        mods["line"] = modifications_only_line(
            mods["awards"],
            mods["obligation_usd"],
            mods["of_awards"],
            mods["of_obligation_usd"],
            mods["reachable"],
            mods["unreachable"],
        )
        out["modifications_only"] = mods
        if mods["line"] and present:
            out["text"] = f"{text} {mods['line']}"
    return out


def modifications_only_awards_sql(
    answered: bool, awards: str = "serve_award", by: str = ""
) -> str:
    """The awards of serve_award (one agency: parameter its code, twice) the store
    knows only through later modifications (custodes/store/queries.py
    modifications_only_sql), how many of them `sync --history` can still fetch and
    why not the others (ANSWERED: the store has `sync_history`). AWARDS: the
    relation read instead (award_key, first_action_date, modifications_only,
    obligation_usd and agency_code, as serve_award has them); BY: a column of it to
    count by (one row per value, the value first)."""
    from custodes import sources

    why = sources.history_reason_sql("award_key", "first_action_date", answered)
    key = f"{by}, " if by else ""
    group = f" GROUP BY {by}" if by else ""
    return f"""
    SELECT {key}count(*) AS of_awards,
           coalesce(sum(obligation_usd), 0) AS of_obligation_usd,
           count(*) FILTER (WHERE modifications_only) AS awards,
           coalesce(sum(obligation_usd) FILTER (WHERE modifications_only), 0)
               AS obligation_usd,
           {history_counts_sql("modifications_only", "reason_")}
    FROM (SELECT *, {why} AS reason_ FROM {awards})
    WHERE ? IS NULL OR agency_code = ?{group}"""


# Every vendor's awards: each award it was paid on, with its own part of the award's
# money (serve_vendor_award: each transaction under its own vendor), as
# `modifications_only_awards_sql` reads serve_award.
VENDOR_AWARDS_SQL = """(
    SELECT p.vendor_id, a.award_key, a.first_action_date, a.modifications_only,
           a.agency_code, p.obligation_usd
    FROM (SELECT vendor_id, award_id, sum(obligation_usd) AS obligation_usd
          FROM serve_vendor_award WHERE vendor_id IS NOT NULL GROUP BY 1, 2) p
    JOIN serve_award a USING (award_id))"""


def modifications_only_vendors_sql(answered: bool) -> str:
    """`modifications_only_awards_sql` of each vendor's own awards and money, one row
    per vendor (vendor_id first; parameters: the agency code twice): the awards it
    was paid on, each with what it was paid on it, not the awards under the vendor
    of their latest action."""
    return modifications_only_awards_sql(answered, VENDOR_AWARDS_SQL, "vendor_id")


def modifications_only_awards(src: Any, filters: Any) -> dict[str, Any]:
    """modifications_only_sql on any analysis engine: the awards with transactions in
    FILTERS' agencies and fiscal years, and those of them the store knows only through
    later modifications (none of the award's transactions, in any year, starts it),
    with their net obligations in that scope, and how many of them `sync --history`
    can still fetch."""
    from custodes import sources

    t = src.table("transaction")
    base = t.modification_number.fill_null("").re_search("^0+$")
    award = t.group_by("award_key").aggregate(
        base_=base.any(),
        numbered_=t.modification_number.notnull().any(),
        first_=t.action_date.min(),
    )
    # why `sync --history` cannot fetch its earlier transactions, null when it can
    # (custodes/store/queries.py history_reason_sql, on any engine)
    import ibis

    found = sources.fetcher()
    cases = [(award.first_ < found.earliest, "early")]
    cases += [(award.award_key.startswith(p), "unserved") for p in found.history_skips]
    if src.has("sync_history"):
        answered = src.table("sync_history").award_key
        cases.append((award.award_key.isin(answered), "answered"))
    award = award.mutate(reason_=ibis.cases(*cases, else_=ibis.null("string")))
    s = t
    if filters.sub_agencies:
        s = s.filter(s.awarding_sub_agency_code.isin(list(filters.sub_agencies)))
    if filters.fy_from is not None:
        s = s.filter(s.fiscal_year >= filters.fy_from)
    if filters.fy_to is not None:
        s = s.filter(s.fiscal_year <= filters.fy_to)
    scoped = s.group_by("award_key").aggregate(usd_=s.obligation_usd.sum())
    j = scoped.join(award, "award_key")
    flag = ~j.base_ & j.numbered_
    expr = j.aggregate(
        of_awards=j.count(),
        of_obligation_usd=j.usd_.sum(),
        awards=j.count(where=flag),
        obligation_usd=j.usd_.sum(where=flag),
        reachable=j.count(where=flag & j.reason_.isnull()),
        **{
            f"unreachable_{r}": j.count(where=flag & (j.reason_ == r))
            for r in HISTORY_REASONS
        },
    )
    row: dict[str, Any] = expr.to_pyarrow().to_pylist()[0]
    for k in ("of_obligation_usd", "obligation_usd"):
        row[k] = row[k] if row[k] is not None else 0
    return row


def coverage_text(
    present: list[int], lists: dict[str, list[int]], agencies: list[str],
    through: date | None,
) -> str:  # fmt: skip
    """One sentence: what the store covers and which years to read with care."""
    if not present:
        return "Coverage: the store holds no transactions in this scope."
    parts = [
        f"Coverage: {_ranges(present)} ({_agency_names(agencies) or 'no agency'}), "
        f"data through {through.isoformat() if through else 'unknown'}."
    ]
    if lists["sample"]:
        parts.append(f"Samples, not complete records: {_ranges(lists['sample'])}.")
    if lists["partial"]:
        parts.append(f"Partial: {_ranges(lists['partial'])}.")
    if lists["missing"]:
        parts.append(f"Missing (no data): {_ranges(lists['missing'])}.")
    return " ".join(parts)


def coverage_rows(src: Any, filters: Any) -> list[dict[str, Any]]:
    """coverage_select_sql's rows on any analysis engine (custodes/figures/source.py)
    for FILTERS' agencies and fiscal years; sample counts need the source_file table
    (0 where the engine's copy has none)."""
    import ibis

    t = src.table("transaction")
    if filters.sub_agencies:
        t = t.filter(t.awarding_sub_agency_code.isin(list(filters.sub_agencies)))
    if filters.fy_from is not None:
        t = t.filter(t.fiscal_year >= filters.fy_from)
    if filters.fy_to is not None:
        t = t.filter(t.fiscal_year <= filters.fy_to)
    t = t.filter(t.fiscal_year.notnull())
    digests = sorted(sample_files())
    if src.has("source_file") and digests:
        sf = src.table("source_file")
        sf = sf.filter((sf.status == "loaded") & sf.sha256.lower().isin(digests))
        names = sf.select(sample_file_=sf.display).distinct()
        t = t.left_join(names, t.source_file == names.sample_file_)
        flag = t.sample_file_.notnull()
    else:
        flag = ibis.literal(False)
    expr = t.group_by(
        fiscal_year=t.fiscal_year, agency_code=t.awarding_sub_agency_code
    ).aggregate(
        agency_name=t.awarding_sub_agency_name.max(),
        transactions=t.count(),
        sample_transactions=t.count(where=flag),
        first_action_date=t.action_date.min(),
        last_action_date=t.action_date.max(),
    )
    rows: list[dict[str, Any]] = (
        expr.order_by(["fiscal_year", "agency_code"]).to_pyarrow().to_pylist()
    )
    return rows


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
