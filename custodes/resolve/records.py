"""Alias records: the distinct (recipient name, UEI, DUNS) combinations in the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from custodes.resolve.keys import name_key
from custodes.store.duckdb import Store


@dataclass
class AliasRecord:
    name: str
    uei: str | None = None
    duns: str | None = None
    parent_name: str | None = None
    parent_uei: str | None = None
    parent_duns: str | None = None
    transactions: int = 0
    last_date: date | None = None
    is_individual: bool = False
    key: str = field(default="")

    def __post_init__(self) -> None:
        if not self.key:
            self.key = name_key(self.name) or "UNNAMED"


# What a record holds, over the transactions of one (name, UEI, DUNS): each parent
# field from the latest transaction that has it (arg_max leaves out a NULL value;
# ties: the largest transaction key, so that every run picks the same), how many
# transactions, the latest date, whether any flags a natural person. `custodes
# refresh` reads the same columns in its one scan (custodes/figures/changes.py).
# Each arg_max is filtered to the rows that have its field as well as a date: the
# same values (the rows it leaves out are those arg_max passes over), without
# building the (date, key) pair of every other row. At 10M transactions, where one
# row in nine has a parent name: the three columns 0.78 -> 0.39 s (refresh's scan of
# every transaction 0.95-1.01 -> 0.56-0.57 s).
RECORD_KEY_SQL = (
    "coalesce(recipient_name, '') AS name, recipient_uei AS uei, recipient_duns AS duns"
)


def _latest(column: str) -> str:
    return (
        f"arg_max({column}, (action_date, transaction_key)) "
        f"FILTER (WHERE action_date IS NOT NULL AND {column} IS NOT NULL)"
    )


RECORD_COLUMNS_SQL = f"""
       {_latest("recipient_parent_name")} AS parent_name,
       {_latest("recipient_parent_uei")} AS parent_uei,
       {_latest("recipient_parent_duns")} AS parent_duns,
       count(*) AS transactions, max(action_date) AS last_date,
       bool_or(coalesce(recipient_is_individual, false)) AS is_individual"""
RECORD_FIELDS = (
    "name",
    "uei",
    "duns",
    "parent_name",
    "parent_uei",
    "parent_duns",
    "transactions",
    "last_date",
    "is_individual",
)


def alias_join_sql(t: str = "t", a: str = "a") -> str:
    """SQL: transaction T's recipient record is vendor_alias row A (name, UEI, DUNS;
    vendor_alias has one row per record). A full run writes transaction_vendor by
    this join, so a reader may join vendor_alias by it instead (a few thousand
    records instead of a row per transaction) where the full run has just written
    them (custodes/figures/serve_tables.py `ALIAS_LINKS`)."""
    return (
        f"{a}.recipient_name = coalesce({t}.recipient_name, '') "
        f"AND {a}.recipient_uei IS NOT DISTINCT FROM {t}.recipient_uei "
        f"AND {a}.recipient_duns IS NOT DISTINCT FROM {t}.recipient_duns"
    )


def records_sql() -> str:
    return f"""
        SELECT {RECORD_KEY_SQL}, {RECORD_COLUMNS_SQL}
        FROM "transaction"
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
    """


def load_records(store: Store) -> list[AliasRecord]:
    """One record per distinct recipient name + identifiers, with its latest parent
    fields."""
    return [AliasRecord(**row) for row in store.rows(records_sql())]
