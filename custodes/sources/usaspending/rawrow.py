"""Raw-row handling of the USAspending formats: which raw values are not stored twice.

A raw value byte-identical to the text of the canonical column it feeds is stored as
NULL, and the `source_row` view puts it back (custodes/ingest/rawrow.py explains). A
column is listed only if an empty raw value always gives an empty canonical value
(under the condition given), so NULL is never ambiguous.
"""

from __future__ import annotations

# format -> raw column -> (canonical column, condition under which it was elided)
ELIDED: dict[str, dict[str, tuple[str, str]]] = {
    "api_search": {
        "Award ID": ("piid", "TRUE"),
        "Recipient Name": ("recipient_name", "TRUE"),
        "Action Date": ("action_date", "TRUE"),
        "Product/Service Description": ("psc_description", "TRUE"),
        "NAICS Description": ("naics_description", "TRUE"),
        "Transaction Description": ("description", "TRUE"),
        "Generated Award ID": ("award_key", "award_key_source = 'source'"),
        "Recipient UEI": ("recipient_uei", "TRUE"),
        "PSC": ("psc_code", "TRUE"),
        "NAICS": ("naics_code", "TRUE"),
    },
    "bulk_contracts": {
        "award_id_piid": ("piid", "TRUE"),
        "parent_award_id": ("parent_award_piid", "TRUE"),
        "contract_award_unique_key": ("award_key", "award_key_source = 'source'"),
        "action_date": ("action_date", "TRUE"),
        "recipient_name": ("recipient_name", "TRUE"),
        "recipient_uei": ("recipient_uei", "TRUE"),
        "recipient_duns": ("recipient_duns", "TRUE"),
        "recipient_parent_name": ("recipient_parent_name", "TRUE"),
        "recipient_parent_uei": ("recipient_parent_uei", "TRUE"),
        "recipient_parent_duns": ("recipient_parent_duns", "TRUE"),
        "awarding_office_code": ("awarding_office_code", "TRUE"),
        "awarding_office_name": ("awarding_office_name", "TRUE"),
        "funding_sub_agency_name": ("funding_sub_agency_name", "TRUE"),
        "product_or_service_code": ("psc_code", "TRUE"),
        "product_or_service_code_description": ("psc_description", "TRUE"),
        "naics_code": ("naics_code", "TRUE"),
        "naics_description": ("naics_description", "TRUE"),
        "award_description": ("description", "TRUE"),
    },
}
