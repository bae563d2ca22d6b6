"""Who a figure names: resolved vendors, recipients standing in for them, and who is
withheld.

custodes maps institutions, never private people. A recipient that ingest flags as a
natural person (`transaction.recipient_is_individual`) is never named in what custodes
publishes (web pages, analyses, reports, exports, digests) and never becomes a vendor:
its name is shown as WITHHELD and its vendor id is NULL. An organisation is never
withheld. This module is the one place that says so; the SQL of the derived tables and
the Ibis expressions of the analyses both call it.

A transaction that `custodes resolve` did not link to a vendor (every transaction,
before resolve has run) is put under its recipient name as a stand-in vendor:
id `recipient-` + the first 12 hex digits of md5(upper(name)), named upper(name).
"""

from __future__ import annotations

from functools import cache
from typing import Any

WITHHELD = "Individual recipient (name withheld)"
RECIPIENT_PREFIX = "recipient-"

# The vendor table has one row per vendor id by the resolve contract; taking each id
# once guarantees a join never repeats a transaction even if that is ever broken.
VENDOR_ONCE_SQL = (
    "SELECT vendor_id, min(name) AS name, min(family_id) AS family_id "
    "FROM vendor GROUP BY vendor_id"
)


def withheld_sql(t: str = "t") -> str:
    """SQL: true when the transaction's recipient is a natural person."""
    return f"coalesce({t}.recipient_is_individual, FALSE)"


def recipient_name_sql(t: str = "t") -> str:
    """SQL: the recipient name as published (withheld for a natural person)."""
    return f"CASE WHEN {withheld_sql(t)} THEN '{WITHHELD}' ELSE {t}.recipient_name END"


def recipient_key_sql(name: str) -> str:
    """SQL: the stand-in vendor id of a recipient name (NULL for no name)."""
    return f"'{RECIPIENT_PREFIX}' || substr(md5(upper({name})), 1, 12)"


def vendor_id_sql(t: str = "t", resolved: str | None = "tv.vendor_id") -> str:
    """SQL: the vendor a transaction counts under (RESOLVED: the resolve stage's id,
    NULL where it linked none; None before resolve has run); NULL for a person."""
    stand_in = recipient_key_sql(f"{t}.recipient_name")
    chosen = f"coalesce({resolved}, {stand_in})" if resolved else stand_in
    return f"CASE WHEN {withheld_sql(t)} THEN NULL ELSE {chosen} END"


def vendor_name_sql(t: str = "t", resolved: str | None = "v.name") -> str:
    """SQL: the name of the vendor of vendor_id_sql (RESOLVED: the resolved vendor's
    name, NULL where there is none); NULL for a natural person."""
    stand_in = f"upper({t}.recipient_name)"
    chosen = f"coalesce({resolved}, {stand_in})" if resolved else stand_in
    return f"CASE WHEN {withheld_sql(t)} THEN NULL ELSE {chosen} END"


@cache
def _md5() -> Any:
    import ibis

    @ibis.udf.scalar.builtin(name="md5")  # type: ignore[untyped-decorator]
    def md5(value: str) -> str:  # DuckDB, PostgreSQL and Spark all have md5(text)
        """md5 as hex text (run by the engine, never in Python)."""
        raise NotImplementedError

    return md5


def ibis_withheld(t: Any) -> Any:
    """Ibis: true when the row's recipient is a natural person."""
    return t.recipient_is_individual.fill_null(False)


def ibis_recipient_name(t: Any) -> Any:
    return ibis_withheld(t).ifelse(WITHHELD, t.recipient_name)


def ibis_recipient_key(name: Any) -> Any:
    import ibis

    return ibis.literal(RECIPIENT_PREFIX) + _md5()(name.upper()).substr(0, 12)


def ibis_vendor(t: Any, resolved_id: Any, resolved_name: Any) -> tuple[Any, Any]:
    """Ibis: (vendor id, vendor name) as vendor_id_sql and vendor_name_sql (the
    resolved columns are NULL where resolve linked no vendor)."""
    import ibis

    null = ibis.null().cast("string")
    vid = resolved_id.fill_null(ibis_recipient_key(t.recipient_name))
    name = resolved_name.fill_null(t.recipient_name.upper())
    withheld = ibis_withheld(t)
    return withheld.ifelse(null, vid), withheld.ifelse(null, name)


def _masked(t: str) -> dict[str, dict[str, str]]:
    """Per table: column -> its published expression (alias T for the table)."""
    withheld = withheld_sql(t)
    person_award = (
        f'{t}.award_key IN (SELECT award_key FROM "transaction" p '
        f"WHERE {withheld_sql('p')})"
    )
    return {
        "transaction": {
            "recipient_name": recipient_name_sql(t),
            "recipient_parent_name": f"CASE WHEN {withheld} THEN NULL "
            f"ELSE {t}.recipient_parent_name END",
            "raw_values": f"CASE WHEN {withheld} THEN NULL ELSE {t}.raw_values END",
        },
        "transaction_revision": {
            "raw_json": f"CASE WHEN {t}.transaction_key IN (SELECT transaction_key "
            f'FROM "transaction" p WHERE {withheld_sql("p")}) THEN NULL '
            f"ELSE {t}.raw_json END",
        },
        "classification": {
            "recipient": f"CASE WHEN {person_award} THEN '{WITHHELD}' "
            f"ELSE {t}.recipient END",
        },
        "vendor": {
            "name": f"CASE WHEN {t}.kind = 'individual' THEN '{WITHHELD}' "
            f"ELSE {t}.name END",
        },
    }


def published_sql(table: str, columns: list[str], quote: Any) -> str:
    """SELECT of TABLE's COLUMNS as custodes publishes them (exports): natural
    persons' names, and the raw rows that carry them, withheld. QUOTE quotes a name
    (the store's `ident`)."""
    masks = _masked("t").get(table, {})
    cols = ", ".join(
        f"{masks[c]} AS {quote(c)}" if c in masks else f"t.{quote(c)}" for c in columns
    )
    return f"SELECT {cols} FROM {quote(table)} t"
