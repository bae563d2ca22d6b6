"""The source formats custodes reads, recognised by their header row.

* `api_search`: the 10-column extract of /api/v2/search/spending_by_transaction/
  (one row per contract transaction), optionally with more API fields.
* `bulk_contracts`: the USAspending "contracts prime transactions" bulk schema
  (about 260 columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from custodes.errors import InputError

API_SEARCH_REQUIRED = (
    "Agency",
    "Award ID",
    "Recipient Name",
    "Federal Action Obligation",
    "Action Date",
    "Modification",
    "Product/Service Description",
    "NAICS Description",
    "Transaction Description",
)
# Columns that may appear in an api-search extract beyond the required ones. The first
# is in every current extract; older snapshots lack it. The rest are API fields that
# `custodes sync` asks for.
API_SEARCH_OPTIONAL = (
    "Generated Award ID",
    "Recipient UEI",
    "PSC",
    "NAICS",
    "Awarding Sub Agency",
    "Action Type",
    "Award Type",
)

BULK_REQUIRED = (
    "award_id_piid",
    "modification_number",
    "federal_action_obligation",
    "action_date",
    "awarding_sub_agency_code",
    "recipient_name",
)


@cache
def bulk_known_columns() -> tuple[str, ...]:
    text = (
        resources.files("custodes.data")
        .joinpath("formats/bulk_contracts_columns.txt")
        .read_text()
    )
    return tuple(line.strip() for line in text.splitlines() if line.strip())


@dataclass(frozen=True)
class Format:
    name: str
    required: tuple[str, ...]
    known: tuple[str, ...]


def formats() -> tuple[Format, ...]:
    return (
        Format(
            "api_search", API_SEARCH_REQUIRED, API_SEARCH_REQUIRED + API_SEARCH_OPTIONAL
        ),
        Format("bulk_contracts", BULK_REQUIRED, bulk_known_columns()),
    )


def detect_format(header: list[str], where: str) -> Format:
    """Return the format whose required columns the header has, or explain why none
    fits."""
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise InputError(
            f"{where}:1: duplicate column names {dup}; fix the header row."
        )
    present = set(header)
    for fmt in formats():
        if set(fmt.required) <= present:
            return fmt
    # Explain against the format the header is closest to.
    best = max(formats(), key=lambda f: len(present & set(f.known)))
    missing = [c for c in best.required if c not in present]
    unexpected = [c for c in header if c not in best.known]
    raise InputError(
        f"{where}:1: header matches no known format. Closest is {best.name}: "
        f"missing columns {missing}; unexpected columns {unexpected[:20]}"
        + (f" (+{len(unexpected) - 20} more)" if len(unexpected) > 20 else "")
        + ". Expected a USAspending api-search extract or a bulk contracts "
        "prime-transactions file."
    )
