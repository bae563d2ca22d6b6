"""A toy data source, registered from the tests: a city's purchase-order export.

It shows that a new source is one folder: a Source with one Format (header columns,
the SQL mapping onto the canonical columns, recipient evidence, raw-row elision), and
nothing else in ingest changes. The files look like:

    PO Number,Line,Vendor,Amount,Ordered,Department,Item
    PO-2024-0001,1,ACME SENSOR SYSTEMS INC,1250.00,2024-03-05,Police,Plate readers
"""

from __future__ import annotations

from custodes.ingest import fields as f
from custodes.sources.base import CanonicalSql, Fetcher, Format
from custodes.store.sql import ident as q

REQUIRED = ("PO Number", "Line", "Vendor", "Amount", "Ordered", "Department")
KNOWN = (*REQUIRED, "Item")


def canonical(header: list[str]) -> CanonicalSql:
    amount, ordered = q("Amount"), q("Ordered")
    derived = {
        "__po": f"upper({f.clean_text_sql(q('PO Number'))})",
        "__line": f"coalesce({f.clean_text_sql(q('Line'))}, '1')",
        "__date": f.date_sql(ordered, day_first=False),
    }
    bad_amount = f.field_problem_sql("Amount", amount, f.amount_problem_sql(amount))
    bad_date = f.field_problem_sql(
        "Ordered", ordered, f.date_problem_sql(ordered, "__date")
    )
    problem = (
        f"coalesce({bad_amount}, {bad_date}, "
        "CASE WHEN __po IS NULL THEN 'empty PO Number' END)"
    )
    columns = {
        "transaction_key": "'TOYCITY_' || __po || '_' || __line",
        "award_key": "'TOYCITY_' || __po",
        "award_key_source": "'source'",
        "piid": "__po",
        "modification_number": "__line",
        "action_date": "__date",
        "fiscal_year": f.fiscal_year_sql("__date"),
        "obligation_usd": f.amount_sql(amount),
        "recipient_name": f.clean_text_sql(q("Vendor")),
        "awarding_agency_name": "'City of Toyville'",
        "awarding_sub_agency_name": f.clean_text_sql(q("Department")),
        "description": f.clean_text_sql(f.column_or_null(header, "Item")),
        "__problem": problem,
        # every other canonical column is left out: NULL
    }
    return CanonicalSql({}, derived, columns)


PURCHASE_ORDERS = Format(
    "toycity_po",
    REQUIRED,
    KNOWN,
    canonical,
    evidence_columns={"recipient_name": "Vendor"},
    free_text_columns=("Item",),
    elided={"Vendor": ("recipient_name", "TRUE"), "Item": ("description", "TRUE")},
)


class ToyCity:
    name = "toycity"
    description = "a Toyville purchase-order export"

    def formats(self) -> tuple[Format, ...]:
        return (PURCHASE_ORDERS,)

    def record_url(self, award_key: str) -> str | None:
        return None

    @property
    def fetcher(self) -> Fetcher | None:
        return None


SOURCE = ToyCity()
