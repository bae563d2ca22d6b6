"""The two USAspending file formats, recognised by their header row.

* `api_search`: the 10-column extract of /api/v2/search/spending_by_transaction/
  (one row per contract transaction), optionally with more API fields.
* `bulk_contracts`: the USAspending "contracts prime transactions" bulk schema
  (about 260 columns).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from custodes.model import persons as detector
from custodes.sources.base import Format
from custodes.sources.usaspending import canonical
from custodes.sources.usaspending.rawrow import ELIDED

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


# Columns of a bulk row that locate or contact a recipient; blanked for individuals.
INDIVIDUAL_CONTACT_COLUMNS = (
    "recipient_address_line_1",
    "recipient_address_line_2",
    "recipient_zip_4_code",
    "recipient_phone_number",
    "recipient_fax_number",
)
# Free-text columns in which phone numbers and e-mail addresses are masked. Both
# formats mask (and blank) whichever of these columns a file has.
FREE_TEXT_COLUMNS = ("Transaction Description", "award_description")
# The person detector's evidence: its name -> the column of each format.
API_SEARCH_EVIDENCE = {
    "recipient_name": "Recipient Name",
    "recipient_uei": "Recipient UEI",
}
BULK_EVIDENCE = {
    c: c for c in (*detector.RECIPIENT_COLUMNS, detector.ORGANISATION_TYPE_COLUMN)
}
BULK_FLAGS = (detector.SOLE_PROPRIETOR_COLUMN, *detector.ORGANISATION_FLAG_COLUMNS)
# The whole contract in a bulk row (custodes/figures/contracts.py names the details).
# The award-level values (current_total_value_of_award, potential_total_value_of_award)
# are the award's as of each action; base_and_*_value are that action's changes.
BULK_CONTRACT = {
    "current_total_usd": "current_total_value_of_award",
    "ceiling_usd": "potential_total_value_of_award",
    "period_start_date": "period_of_performance_start_date",
    "period_current_end_date": "period_of_performance_current_end_date",
    "period_potential_end_date": "period_of_performance_potential_end_date",
    "extent_competed": "extent_competed",
    "offers_received": "number_of_offers_received",
    "pricing": "type_of_contract_pricing",
    "solicitation_procedures": "solicitation_procedures",
}


@cache
def bulk_known_columns() -> tuple[str, ...]:
    text = (
        resources.files("custodes.sources.usaspending")
        .joinpath("bulk_contracts_columns.txt")
        .read_text()
    )
    return tuple(line.strip() for line in text.splitlines() if line.strip())


@cache
def formats() -> tuple[Format, ...]:
    return (
        Format(
            "api_search",
            API_SEARCH_REQUIRED,
            API_SEARCH_REQUIRED + API_SEARCH_OPTIONAL,
            canonical.api_search,
            evidence_columns=API_SEARCH_EVIDENCE,
            contact_columns=INDIVIDUAL_CONTACT_COLUMNS,
            free_text_columns=FREE_TEXT_COLUMNS,
            elided=ELIDED["api_search"],
        ),
        Format(
            "bulk_contracts",
            BULK_REQUIRED,
            bulk_known_columns(),
            canonical.bulk_contracts,
            evidence_columns=BULK_EVIDENCE,
            flag_columns=BULK_FLAGS,
            sole_proprietor_column=detector.SOLE_PROPRIETOR_COLUMN,
            contact_columns=INDIVIDUAL_CONTACT_COLUMNS,
            free_text_columns=FREE_TEXT_COLUMNS,
            elided=ELIDED["bulk_contracts"],
            contract=BULK_CONTRACT,
            contract_dates_day_first=True,
        ),
    )
