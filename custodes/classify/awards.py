"""Award-level text from the transaction store (the classify output tables are
registered, with their DDL, in custodes/store/tables.py).

An award is classified from ALL of its transactions together: every distinct description
(IGF::xx::IGF prefixes removed), every recipient name, PSC and NAICS code and
description.
That is how a "no-cost extension" or "closeout" modification follows its award.
"""

from __future__ import annotations

from custodes.classify.names import normal_name_sql
from custodes.errors import InputError
from custodes.store.duckdb import Store
from custodes.store.sql import literal


def award_text_sql(
    where: str = "", names_apart: bool = False, source: str = '"transaction"'
) -> str:
    """One row per award: text, recipients, psc, naics, office, latest recipient.

    The text joins every distinct description; PSC and NAICS keep their smallest and
    largest value (see `_two`); recipients too, in the form the rules match (names.py),
    each between bars, followed by the award's office, the awarding office code that
    begins the PIID: `|A||B|#70B02C|` (`|A|#70B02C|` for one name), so that a whole-name
    pattern can match each name, and a vendor's line scoped to an office can match the
    name and the office together. `office` is also a column of its own.

    With `names_apart`, the two names are left as they are, in columns `r_lo` and
    `r_hi`, instead of `recipient`: the matcher then reads each distinct name once
    (`Matcher.hits_sql`), which is much cheaper on large stores than normalising and
    matching every award's names.

    `where` filters transactions (a SQL condition on "transaction" columns),
    e.g. for explain. `source`: the transactions read (every award's, or a copy of
    some awards' whole transactions, as `custodes refresh` reclassifies them).
    """
    cond = f"WHERE {where}" if where else ""
    if names_apart:
        names = "r_lo, r_hi"
    else:
        lo, hi = normal_name_sql("r_lo"), normal_name_sql("r_hi")
        names = (
            f"'|' || coalesce({lo}, '') || CASE WHEN r_hi <> r_lo THEN '||' || {hi} "
            "ELSE '' END || '|#' || office || '|' AS recipient"
        )
    return f"""
SELECT award_key, text, {names}, psc, naics, office, latest_recipient
FROM (
SELECT award_key,
  upper(coalesce(string_agg(DISTINCT d, ' | ' ORDER BY d), '')) AS text,
  min(recipient_name) AS r_lo, max(recipient_name) AS r_hi,
  upper({_two("p", " | ")}) AS psc,
  upper({_two("n", " | ")}) AS naics,
  {office_sql("any_value(piid)")} AS office,
  coalesce(arg_max(recipient_name, (action_date, transaction_key))
               FILTER (WHERE action_date IS NOT NULL),
           arg_max(recipient_name, transaction_key)) AS latest_recipient
FROM (SELECT *, {clean_description_sql()} AS d,
        concat_ws(' ', psc_code, psc_description) AS p,
        concat_ws(' ', naics_code, naics_description) AS n
      FROM {source} {cond})
GROUP BY award_key)"""


def office_sql(piid: str) -> str:
    """The awarding office: the six characters that begin the PIID, upper case."""
    return f"upper(coalesce(left({piid}, 6), ''))"


def clean_description_sql(column: str = "description") -> str:
    """A transaction description with IGF::xx::IGF prefixes removed, trimmed."""
    return (
        f"trim(CASE WHEN contains({column}, 'IGF::') "
        f"THEN regexp_replace({column}, 'IGF::[A-Z]+::IGF', ' ', 'g') "
        f"ELSE {column} END)"
    )


def _two(column: str, sep: str) -> str:
    """The smallest and largest value of `column` in the award (one if they are equal).

    Recipient names, PSC and NAICS rarely take more than two values in one award (a
    rename, a PSC relabelled in FY2021); min/max is much cheaper than a DISTINCT list.
    """
    return (
        f"coalesce(CASE WHEN min({column}) = max({column}) THEN min({column}) "
        f"ELSE min({column}) || {literal(sep)} || max({column}) END, '')"
    )


def award_maker_sql(has_award_maker: bool) -> str:
    """The resolve stage's maker per award, when that table exists (else no rows)."""
    if not has_award_maker:
        return "SELECT NULL::VARCHAR AS award_key, NULL::VARCHAR AS maker WHERE false"
    return "SELECT award_key, min(maker) AS maker FROM award_maker GROUP BY award_key"


def need_transactions(store: Store) -> None:
    """Refuse to classify an empty store, saying what to run first."""
    if not store.has_table("transaction") or not store.scalar(
        'SELECT count(*) FROM "transaction"'
    ):
        raise InputError(
            "The store has no transactions. Run `custodes ingest PATH` first."
        )
