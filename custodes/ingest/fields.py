"""Field cleaners, written once as SQL (run inside DuckDB at ingest speed).

Each `*_sql(expr)` returns a SQL expression and runs nothing. The property-based tests
compare these expressions, run in DuckDB, with the small Python references below.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from custodes.store.sql import ident, literal

# An amount: optional sign, optional $, digits (optionally grouped by commas), optional
# decimals. Digits past the cent must be zeros: money is exact to the cent.
AMOUNT_RE = r"^[+-]?\$?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]*)?$"
SUBCENT_RE = r"\.[0-9]{2}[0-9]*[1-9]"
MAX_ABS_AMOUNT = Decimal("9999999999999999.99")  # DECIMAL(18,2)

PHONE_RE = (
    r"(\+?1[ .-]?)?(\([0-9]{3}\)|\b[0-9]{3})[ .-]?[0-9]{3}[ .-][0-9]{4}\b"
    r"|\b[2-9][0-9]{2}[2-9][0-9]{6}\b"
)
EMAIL_RE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
PHONE_MASK = "[phone removed]"
EMAIL_MASK = "[e-mail removed]"


sql_str = literal  # the store's quoting helper, under ingest's older name


def column_or_null(header: list[str], name: str) -> str:
    """A file's column, or NULL when the file does not have it."""
    return ident(name) if name in header else "NULL::VARCHAR"


def field_problem_sql(name: str, value: str, problem: str) -> str:
    """'field <name> = '<value>': <problem>' when `problem` is not NULL (the reason a
    quarantined row gives)."""
    quote = "''''"  # a SQL literal holding one single quote
    shown = f"coalesce({quote} || left({value}, 60) || {quote}, 'empty')"
    return (
        f"CASE WHEN ({problem}) IS NOT NULL THEN {literal(f'field {name} = ')} "
        f"|| {shown} || ': ' || ({problem}) END"
    )


def trim_sql(expr: str) -> str:
    """SQL trim(expr), which removes Unicode space separators (Zs: the ASCII space and
    16 others, none ASCII) from both ends, without its cost where it changes nothing.

    trim() copies every string it is given (at 1M rows, 0.36 s of one core for the
    descriptions alone). A pure-ASCII string (byte length = character length) that
    neither starts nor ends with a space is returned as it is; the test is about a
    fifth of the cost. `expr` should be a column or another cheap expression."""
    return (
        f"CASE WHEN prefix({expr}, ' ') OR suffix({expr}, ' ') "
        f"OR strlen({expr}) <> length({expr}) THEN trim({expr}) ELSE {expr} END"
    )


def clean_text_sql(expr: str) -> str:
    """Trim; empty becomes NULL."""
    return f"nullif({trim_sql(expr)}, '')"


def amount_problem_sql(expr: str) -> str:
    """NULL when `expr` is a valid amount, else the reason it is not."""
    t = trim_sql(expr)
    return (
        # Fast path for the common shape, e.g. 3168000.0 or -13800.25
        f"CASE WHEN regexp_full_match({expr}, '-?[0-9]{{1,16}}(\\.[0-9]{{1,2}})?') "
        "THEN NULL "
        f"WHEN {expr} IS NULL OR {t} = '' THEN 'empty amount' "
        f"WHEN regexp_matches({t}, '[eE]') THEN 'amount in scientific notation loses "
        "precision' "
        f"WHEN NOT regexp_matches({t}, {sql_str(AMOUNT_RE)}) THEN 'not a number' "
        f"WHEN regexp_matches({t}, {sql_str(SUBCENT_RE)}) THEN 'fractions of a cent' "
        f"WHEN try_cast(replace(replace({t}, ',', ''), '$', '') AS DECIMAL(18,2)) "
        "IS NULL "
        "THEN 'amount too large' END"
    )


def amount_sql(expr: str) -> str:
    return (
        f"try_cast(replace(replace({trim_sql(expr)}, ',', ''), '$', '') "
        "AS DECIMAL(18,2))"
    )


def date_sql(expr: str, day_first: bool) -> str:
    """ISO dates always; with day_first also dd/mm/yyyy (spreadsheet round-trips)."""
    t = trim_sql(expr)
    iso = (
        f"CASE WHEN regexp_matches({t}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN "
        f"try_strptime(left({t}, 10), '%Y-%m-%d')::DATE END"
    )
    if not day_first:
        return iso
    dmy = (
        f"CASE WHEN regexp_matches({t}, '^[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}}$') THEN "
        f"try_strptime({t}, '%d/%m/%Y')::DATE END"
    )
    return f"coalesce({iso}, {dmy})"


def date_problem_sql(expr: str, parsed: str) -> str:
    return (
        f"CASE WHEN {expr} IS NULL OR {trim_sql(expr)} = '' THEN 'empty date' "
        f"WHEN {parsed} IS NULL THEN 'not a date' "
        f"WHEN year({parsed}) NOT BETWEEN 1970 AND 2100 THEN 'implausible date' END"
    )


def fiscal_year_sql(date_expr: str) -> str:
    """US federal fiscal year: October to September, named by the year it ends."""
    return f"(year({date_expr}) + CASE WHEN month({date_expr}) >= 10 THEN 1 ELSE 0 END)"


def duns_sql(expr: str) -> str:
    """DUNS as 9 digits: spreadsheets dropped leading zeros, so pad them back."""
    digits = f"regexp_replace({trim_sql(expr)}, '\\.0+$', '')"
    return (
        f"CASE WHEN regexp_matches({digits}, '^[0-9]{{1,9}}$') "
        f"THEN lpad({digits}, 9, '0') END"
    )


def uei_sql(expr: str) -> str:
    """UEI: 12 alphanumerics, upper case."""
    t = f"upper({trim_sql(expr)})"
    return f"CASE WHEN regexp_matches({t}, '^[A-Z0-9]{{12}}$') THEN {t} END"


def mask_contacts_sql(expr: str) -> str:
    phone = f"regexp_replace({expr}, {sql_str(PHONE_RE)}, {sql_str(PHONE_MASK)}, 'g')"
    masked = f"regexp_replace({phone}, {sql_str(EMAIL_RE)}, {sql_str(EMAIL_MASK)}, 'g')"
    # Only text with an @ or four digits in a row can hold a contact: skip the rest.
    return (
        f"CASE WHEN regexp_matches({expr}, '@|[0-9]{{4}}') THEN {masked} "
        f"ELSE {expr} END"
    )


# --- Python references (used by tests and by code outside ingest) ---------------

# What SQL trim() removes from both ends: the Unicode space separators (category Zs,
# 17 characters, the ASCII space among them); tabs and line breaks stay.
SPACE_SEPARATORS = "".join(
    chr(c) for c in range(0x3001) if unicodedata.category(chr(c)) == "Zs"
)


def parse_amount(text: str | None) -> Decimal | None:
    """The Python twin of amount_sql/amount_problem_sql: a Decimal, or None if
    invalid."""
    if text is None:
        return None
    t = text.strip(SPACE_SEPARATORS)  # as SQL trim()
    if not t or "e" in t.lower() or not re.fullmatch(AMOUNT_RE, t):
        return None
    if re.search(SUBCENT_RE, t):
        return None
    try:
        value = Decimal(t.replace(",", "").replace("$", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return value if abs(value) <= MAX_ABS_AMOUNT else None


def parse_date(text: str | None, day_first: bool) -> date | None:
    if text is None:
        return None
    t = text.strip(SPACE_SEPARATORS)
    try:
        if re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", t):
            return date.fromisoformat(t[:10])
        if day_first and re.fullmatch(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}", t):
            d, m, y = (int(x) for x in t.split("/"))
            return date(y, m, d)
    except ValueError:
        return None
    return None


def fiscal_year(d: date) -> int:
    return d.year + (1 if d.month >= 10 else 0)


def clean_duns(text: str | None) -> str | None:
    if text is None:
        return None
    t = re.sub(r"\.0+$", "", text.strip(SPACE_SEPARATORS))
    return t.zfill(9) if re.fullmatch(r"[0-9]{1,9}", t) else None
