"""The whole contract behind an award, where the source has it: its value with the
options exercised and its ceiling (base and all options), its period of performance
(start, current end, potential end), the parent contract vehicle, how it was competed
and how many offers came in.

A source's format says which raw columns carry each detail (`Format.contract`, in
custodes/sources/); they are read from the stored raw row, so a store ingested before
a detail was listed shows it without re-ingesting. The parent vehicle is canonical
(`transaction.parent_award_piid`), so every format that has it shows it. A format that
lists no raw column for a detail lacks it, and `award_contract` says which details an
award's sources lack (the API-search extract lacks all but the vehicle).

`serve_contract_action` (built with the web app's tables) holds the details of each
transaction that has any; `award_contract` reads one award's rows into the award
page's facts, and the timeline chart draws the ceiling as it changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from custodes import sources
from custodes.sources.base import Format
from custodes.store.sql import literal

# detail -> (label, SQL type). Money is the award's as of the action.
DETAILS: dict[str, tuple[str, str]] = {
    "current_total_usd": ("Value with options exercised", "DECIMAL(18, 2)"),
    "ceiling_usd": ("Ceiling (base and all options)", "DECIMAL(18, 2)"),
    "period_start_date": ("Period of performance: start", "DATE"),
    "period_current_end_date": ("Period of performance: current end", "DATE"),
    "period_potential_end_date": ("Period of performance: potential end", "DATE"),
    "extent_competed": ("Extent competed", "VARCHAR"),
    "offers_received": ("Number of offers received", "INTEGER"),
    "pricing": ("Type of contract pricing", "VARCHAR"),
    "solicitation_procedures": ("Solicitation procedures", "VARCHAR"),
}
VEHICLE = "parent_award_piid"  # canonical: every format that has it
VEHICLE_LABEL = "Parent contract vehicle"
# What the issue asks every award page to show (the rest is shown when present).
ASKED = (
    "ceiling_usd",
    "current_total_usd",
    "period_start_date",
    "period_current_end_date",
    "period_potential_end_date",
    VEHICLE,
    "extent_competed",
    "offers_received",
)

CONTRACT_ACTION_COLUMNS = (
    "award_id",
    "transaction_key",
    "action_date",
    "modification_number",
    *DETAILS,
)


def contract_formats() -> list[Format]:
    """The registered formats that carry any contract detail."""
    return [fmt for fmt in sources.formats() if fmt.contract]


def _date_sql(value: str, day_first: bool) -> str:
    """A raw date: ISO (YYYY-MM-DD, any time after it); with DAY_FIRST also dd/mm/yyyy
    and dd/mm/yy, with or without a time after a space."""
    v = f"trim({value})"
    iso = (
        f"CASE WHEN regexp_matches({v}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
        f"THEN try_strptime(left({v}, 10), '%Y-%m-%d')::DATE END"
    )
    if not day_first:
        return iso
    day = f"split_part({v}, ' ', 1)"
    long_year = (
        f"CASE WHEN regexp_matches({day}, '^[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}}$') "
        f"THEN try_strptime({day}, '%d/%m/%Y')::DATE END"
    )
    short_year = (
        f"CASE WHEN regexp_matches({day}, '^[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{2}}$') "
        f"THEN try_strptime({day}, '%d/%m/%y')::DATE END"
    )
    return f"coalesce({iso}, {long_year}, {short_year})"


def _typed_sql(detail: str, value: str, fmt: Format) -> str:
    kind = DETAILS[detail][1]
    if kind == "DATE":
        return _date_sql(value, fmt.contract_dates_day_first)
    text = f"nullif(trim({value}), '')"
    if kind == "VARCHAR":
        return f"upper({text})"
    if kind == "INTEGER":
        return f"try_cast({text} AS INTEGER)"
    return f"try_cast(replace(replace({text}, ',', ''), '$', '') AS {kind})"


def _format_select_sql(
    fmt: Format, json_values: bool, awards: str = "serve_award", where: str = ""
) -> str:
    """The contract details of FMT's transactions, read from the raw rows by each
    file's header position of the format's columns (of the awards of AWARDS, a
    relation of serve_award rows: every award, or those `custodes refresh`
    recomputes; WHERE: a further condition on the transactions t, e.g. their row
    ids)."""
    unknown = set(fmt.contract) - set(DETAILS)
    if unknown:
        raise ValueError(f"format {fmt.name}: unknown contract details {unknown}")
    elided = set(fmt.contract.values()) & set(fmt.elided)
    if elided:
        raise ValueError(
            f"format {fmt.name}: contract columns {elided} are elided from the raw "
            "row; read them from their canonical column instead"
        )
    positions = ", ".join(
        f"list_position(f.header, {literal(column)}) AS {detail}"
        for detail, column in fmt.contract.items()
    )

    def raw(detail: str) -> str:
        at = f"p.{detail}"
        if json_values:
            return f"(t.raw_values::JSON ->> ({at} - 1))"
        return f"t.raw_values[{at}]"

    details = ", ".join(
        f"{_typed_sql(d, raw(d), fmt)}::{DETAILS[d][1]} AS {d}"
        if d in fmt.contract
        else f"NULL::{DETAILS[d][1]} AS {d}"
        for d in DETAILS
    )
    return f"""
        SELECT a.award_id, t.transaction_key, t.action_date, t.modification_number,
               {details}
        FROM "transaction" t
        JOIN (SELECT f.run_id, f.display, {positions} FROM source_file f
              WHERE f.format = {literal(fmt.name)}) p
          ON p.run_id = t.ingest_run_id AND p.display = t.source_file
        JOIN {awards} a USING (award_key)
        WHERE t.source_format = {literal(fmt.name)}{f" AND {where}" if where else ""}"""


def contract_action_rows_sql(
    json_values: bool, formats: Sequence[Format], awards: str, where: str = ""
) -> str | None:
    """serve_contract_action's rows of the awards of AWARDS (None: no format has
    contract details); WHERE: a further condition on their transactions t."""
    if not formats:
        return None
    return " UNION ALL ".join(
        _format_select_sql(fmt, json_values, awards, where) for fmt in formats
    )


def contract_action_sql(json_values: bool, formats: Sequence[Format]) -> str:
    """CREATE serve_contract_action: each transaction of FORMATS with its contract
    details (after serve_award). JSON_VALUES: the store keeps raw_values as JSON text
    (older stores: a VARCHAR[] list)."""
    if not formats:
        columns = ", ".join(
            [
                "award_id INTEGER",
                "transaction_key VARCHAR",
                "action_date DATE",
                "modification_number VARCHAR",
            ]
            + [f"{d} {kind}" for d, (_, kind) in DETAILS.items()]
        )
        return f"CREATE OR REPLACE TABLE serve_contract_action ({columns})"
    selects = " UNION ALL ".join(
        _format_select_sql(fmt, json_values) for fmt in formats
    )
    return f"""
    CREATE OR REPLACE TABLE serve_contract_action AS
    SELECT * FROM ({selects})
    ORDER BY award_id, action_date, modification_number, transaction_key"""


CONTRACT_ROWS_SQL = f"""
    SELECT {", ".join(CONTRACT_ACTION_COLUMNS)} FROM serve_contract_action
    WHERE award_id = ? ORDER BY action_date, modification_number, transaction_key"""


def _latest(rows: list[dict[str, Any]], detail: str) -> Any:
    """The value of DETAIL as of the latest action that states it."""
    for row in reversed(rows):
        if row.get(detail) is not None:
            return row[detail]
    return None


def lacked_by(format_names: Iterable[str]) -> dict[str, list[str]]:
    """Format name -> the asked-for details it does not carry (labels)."""
    known = {fmt.name: fmt for fmt in sources.formats()}
    out: dict[str, list[str]] = {}
    for name in sorted(set(format_names)):
        fmt = known.get(name)
        carried = set(fmt.contract) if fmt else set()
        out[name] = [label(d) for d in ASKED if d != VEHICLE and d not in carried]
    return out


def label(detail: str) -> str:
    return VEHICLE_LABEL if detail == VEHICLE else DETAILS[detail][0]


def award_contract(
    rows: list[dict[str, Any]], vehicle: str | None, format_names: Iterable[str]
) -> dict[str, Any]:
    """One award's contract: ROWS are its serve_contract_action rows in action order,
    VEHICLE its parent award PIID, FORMAT_NAMES the formats of its transactions.

    Values are as of the latest action that states them, except the period's start
    (the earliest stated). `lacks` names the asked-for details none of the award's
    sources carry (with `lacked_by` per format); `missing` the ones its sources carry
    but its rows leave empty."""
    formats = sorted(set(format_names))
    details: dict[str, Any] = {d: _latest(rows, d) for d in DETAILS}
    starts = [r["period_start_date"] for r in rows if r.get("period_start_date")]
    details["period_start_date"] = min(starts) if starts else None
    details[VEHICLE] = vehicle
    by_format = lacked_by(formats)
    lacked = [set(v) for v in by_format.values()]
    lacks = [label(d) for d in ASKED if lacked and all(label(d) in s for s in lacked)]
    missing = [
        label(d) for d in ASKED if details.get(d) is None and label(d) not in lacks
    ]
    return {
        "details": details,
        "facts": [
            {"detail": d, "label": label(d), "value": details[d]}
            for d in (*ASKED, *(d for d in DETAILS if d not in ASKED))
            if details.get(d) is not None
        ],
        "formats": formats,
        "lacks": lacks,
        "lacked_by": by_format,
        "missing": missing,
        "ceiling_steps": _ceiling_steps(rows),
    }


def _ceiling_steps(rows: list[dict[str, Any]]) -> list[tuple[date, Decimal]]:
    """(action date, ceiling as of it) wherever an action states the ceiling."""
    return [
        (r["action_date"], r["ceiling_usd"])
        for r in rows
        if r.get("ceiling_usd") is not None and r.get("action_date") is not None
    ]
