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


def records_sql() -> str:
    return """
        SELECT coalesce(recipient_name, '') AS name, recipient_uei AS uei,
               recipient_duns AS duns,
               arg_max(recipient_parent_name, action_date) AS parent_name,
               arg_max(recipient_parent_uei, action_date) AS parent_uei,
               arg_max(recipient_parent_duns, action_date) AS parent_duns,
               count(*) AS transactions, max(action_date) AS last_date,
               bool_or(coalesce(recipient_is_individual, false)) AS is_individual
        FROM "transaction"
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
    """


def load_records(store: Store) -> list[AliasRecord]:
    """One record per distinct recipient name + identifiers, with its latest parent
    fields."""
    return [AliasRecord(**row) for row in store.rows(records_sql())]
