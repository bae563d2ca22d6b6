"""Awards by contract number: an award key, a PIID (the contract or order number, as
reporting and documents print it, with or without hyphens) or the PIID of a parent
contract vehicle (an IDV, a GSA schedule) that orders were placed under.

Used by /award/{number} (one award, or the list of the awards that share the number)
and by `custodes analyse award NUMBER`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# An award key is CONT_AWD_<PIID>_<agency>_<parent PIID>_<parent agency> (or
# CONT_IDV_<PIID>_<agency>): its fifth part is the parent vehicle's PIID.
ROWS_SQL = """
    SELECT award_key, piid, agency_code, agency_name, vendor_id, vendor_name,
           recipient_name, category, description, first_action_date,
           last_action_date, obligation_usd
    FROM serve_award WHERE {where}
    ORDER BY obligation_usd DESC NULLS LAST, award_key LIMIT {limit}"""

LIMIT = 500  # awards listed under one number at most


@dataclass
class Found:
    number: str  # as looked for (upper case, without spaces and hyphens)
    kind: str  # award_key, piid, vehicle or none
    awards: list[dict[str, Any]] = field(default_factory=list)


def normalise(number: str) -> str:
    """A contract number as the store writes PIIDs: upper case, no spaces, hyphens
    or dots (HSCETC-14-C-00002 -> HSCETC14C00002)."""
    return re.sub(r"[\s.\-]", "", number).upper()


def find_awards(reader: Any, number: str) -> Found:
    """The awards NUMBER names: by award key, else by PIID, else as the parent
    vehicle of orders; kind 'none' with no awards when it names none."""
    for kind, where, value in (
        ("award_key", "award_key = ?", number),
        ("piid", "piid = ?", normalise(number)),
        ("vehicle", "split_part(award_key, '_', 5) = ?", normalise(number)),
    ):
        if not value:
            continue
        rows = reader.rows(ROWS_SQL.format(where=where, limit=LIMIT), [value])
        if rows:
            return Found(value, kind, rows)
    return Found(normalise(number), "none")
