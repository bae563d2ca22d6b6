"""The USAspending formats mapped onto the canonical transaction columns, as SQL.

`api_search(header)` and `bulk_contracts(header)` give the SQL expressions (a
CanonicalSql, see custodes/sources/base.py) that custodes.ingest.canonical runs over
the rows of one file.
"""

from __future__ import annotations

from custodes.ingest import fields as f
from custodes.model.agencies import load_agencies
from custodes.sources.base import CanonicalSql
from custodes.store.sql import ident

q = ident


def _col(header: list[str], name: str) -> str:
    return f.column_or_null(header, name)


def _subtier_case(code_expr: str, attr: str) -> str:
    _, subtier = load_agencies()
    whens = " ".join(
        f"WHEN {f.sql_str(s.code)} THEN {f.sql_str(getattr(s, attr))}"
        for s in subtier.values()
    )
    return f"CASE {code_expr} {whens} END"


def _abbrev_to_code(expr: str) -> str:
    """Sub-agency code from an abbreviation ('ICE') or a full name."""
    _, subtier = load_agencies()
    whens = " ".join(
        f"WHEN {f.sql_str(key.upper())} THEN {f.sql_str(s.code)}"
        for s in subtier.values()
        for key in (s.abbreviation, s.name)
    )
    return f"CASE upper({f.trim_sql(expr)}) {whens} END"


def _toptier_name(code_expr: str) -> str:
    toptier, _ = load_agencies()
    whens = " ".join(
        f"WHEN {f.sql_str(c)} THEN {f.sql_str(n)}" for c, n in toptier.items()
    )
    return f"CASE {code_expr} {whens} END"


_field_problem = f.field_problem_sql


def api_search_base_sql(header: list[str]) -> dict[str, str]:
    """The award id, cleaned and split once (the derived values use both)."""
    gaid = f.clean_text_sql(_col(header, "Generated Award ID"))
    return {"__gaid": gaid, "__split": f"string_split({gaid}, '_')"}


def api_search_derived_sql(header: list[str]) -> dict[str, str]:
    """Values several canonical columns use, computed once per row."""
    parts = "__split"
    from_key = f"CASE WHEN len({parts}) = 6 THEN nullif({parts}[4], '') END"
    return {
        "__parts": f"CASE WHEN len({parts}) = 6 THEN {parts} END",
        "__piid": f"upper({f.clean_text_sql(q('Award ID'))})",
        "__subtier": (
            f"coalesce({from_key}, {_abbrev_to_code(q('Agency'))}, "
            f"upper({f.trim_sql(q('Agency'))}))"
        ),
        "__mod": f"coalesce(upper({f.clean_text_sql(q('Modification'))}), '0')",
        "__date": f.date_sql(q("Action Date"), day_first=False),
    }


def api_search_sql(header: list[str]) -> dict[str, str]:
    gaid, piid, subtier, mod, date = "__gaid", "__piid", "__subtier", "__mod", "__date"
    parent_piid = "__parts[5]"
    parent_agency = "__parts[6]"
    unknown = "'-UNKNOWN-'"
    amount, action_date = q("Federal Action Obligation"), q("Action Date")
    amount_problem = _field_problem(
        "Federal Action Obligation", amount, f.amount_problem_sql(amount)
    )
    date_problem = _field_problem(
        "Action Date", action_date, f.date_problem_sql(action_date, date)
    )
    return {
        "transaction_key": (
            f"{subtier} || '_' || coalesce({parent_agency}, {unknown}) || '_' || "
            f"{piid} "
            f"|| '_' || {mod} || '_' || coalesce({parent_piid}, {unknown}) || '_0'"
        ),
        "award_key": (
            f"coalesce(upper({gaid}), 'CONT_AWD_' || {piid} || '_' || {subtier} "
            "|| '_-UNKNOWN-_-UNKNOWN-')"
        ),
        "award_key_source": f"CASE WHEN {gaid} IS NULL THEN 'built' ELSE 'source' END",
        "piid": piid,
        "modification_number": mod,
        "transaction_number": "'0'",
        "parent_award_piid": f"nullif({parent_piid}, '-NONE-')",
        "parent_award_agency_code": f"nullif({parent_agency}, '-NONE-')",
        "award_type": f.clean_text_sql(_col(header, "Award Type")),
        "action_type": f.clean_text_sql(_col(header, "Action Type")),
        "action_date": date,
        "fiscal_year": f.fiscal_year_sql(date),
        "obligation_usd": f.amount_sql(q("Federal Action Obligation")),
        "recipient_name": f.clean_text_sql(q("Recipient Name")),
        "recipient_uei": f.uei_sql(_col(header, "Recipient UEI")),
        "recipient_duns": "NULL",
        "recipient_parent_name": "NULL",
        "recipient_parent_uei": "NULL",
        "recipient_parent_duns": "NULL",
        "recipient_is_individual": "__individual",
        "awarding_agency_code": _subtier_case(subtier, "toptier"),
        "awarding_agency_name": _toptier_name(_subtier_case(subtier, "toptier")),
        "awarding_sub_agency_code": subtier,
        "awarding_sub_agency_name": (
            f"coalesce({_subtier_case(subtier, 'name')}, "
            f"{f.clean_text_sql(_col(header, 'Awarding Sub Agency'))})"
        ),
        "awarding_office_code": "NULL",
        "awarding_office_name": "NULL",
        "funding_sub_agency_code": "NULL",
        "funding_sub_agency_name": "NULL",
        "psc_code": f.clean_text_sql(_col(header, "PSC")),
        "psc_description": f.clean_text_sql(q("Product/Service Description")),
        "naics_code": f.clean_text_sql(_col(header, "NAICS")),
        "naics_description": f.clean_text_sql(q("NAICS Description")),
        "description": f.clean_text_sql(q("Transaction Description")),
        "__problem": (
            f"coalesce({amount_problem}, {date_problem}, "
            f"CASE WHEN {piid} IS NULL THEN 'empty Award ID (PIID)' END)"
        ),
    }


def bulk_contracts_derived_sql(header: list[str]) -> dict[str, str]:
    def c(name: str) -> str:
        return _col(header, name)

    def t(name: str) -> str:
        return f.clean_text_sql(c(name))

    return {
        "__piid": f"upper({t('award_id_piid')})",
        "__subtier": f"lpad({t('awarding_sub_agency_code')}, 4, '0')",
        "__mod": f"coalesce(upper({t('modification_number')}), '0')",
        "__parent_piid": f"upper({t('parent_award_id')})",
        "__parent_agency": f"lpad({t('parent_award_agency_id')}, 4, '0')",
        "__date": f.date_sql(c("action_date"), day_first=True),
    }


def bulk_contracts_sql(header: list[str]) -> dict[str, str]:
    def c(name: str) -> str:
        return _col(header, name)

    def t(name: str) -> str:
        return f.clean_text_sql(c(name))

    piid, subtier, mod, date = "__piid", "__subtier", "__mod", "__date"
    parent_piid, parent_agency = "__parent_piid", "__parent_agency"
    txn_no = f"coalesce({t('transaction_number')}, '0')"
    none = "'-NONE-'"
    is_idv = f"coalesce(upper({t('award_or_idv_flag')}) = 'IDV', FALSE)"
    built_award = (
        f"CASE WHEN {is_idv} THEN 'CONT_IDV_' || {piid} || '_' || {subtier} "
        f"ELSE 'CONT_AWD_' || {piid} || '_' || {subtier} || '_' || "
        f"coalesce({parent_piid}, {none}) || '_' || "
        f"coalesce({parent_agency}, {none}) END"
    )
    source_award = f"upper({t('contract_award_unique_key')})"
    agency_code = f"lpad({t('awarding_agency_code')}, 3, '0')"
    amount, action_date = c("federal_action_obligation"), c("action_date")
    amount_problem = _field_problem(
        "federal_action_obligation", amount, f.amount_problem_sql(amount)
    )
    date_problem = _field_problem(
        "action_date", action_date, f.date_problem_sql(action_date, date)
    )
    return {
        "transaction_key": (
            f"coalesce(upper({t('contract_transaction_unique_key')}), "
            f"{subtier} || '_' || coalesce({parent_agency}, {none}) || '_' || "
            f"{piid} || '_' "
            f"|| {mod} || '_' || coalesce({parent_piid}, {none}) || '_' || "
            f"{txn_no})"
        ),
        "award_key": f"coalesce({source_award}, {built_award})",
        "award_key_source": (
            f"CASE WHEN {source_award} IS NULL THEN 'built' ELSE 'source' END"
        ),
        "piid": piid,
        "modification_number": mod,
        "transaction_number": txn_no,
        "parent_award_piid": parent_piid,
        "parent_award_agency_code": parent_agency,
        "award_type": t("award_type"),
        "action_type": t("action_type"),
        "action_date": date,
        "fiscal_year": f.fiscal_year_sql(date),
        "obligation_usd": f.amount_sql(c("federal_action_obligation")),
        "recipient_name": t("recipient_name"),
        "recipient_uei": f.uei_sql(c("recipient_uei")),
        "recipient_duns": f.duns_sql(c("recipient_duns")),
        "recipient_parent_name": t("recipient_parent_name"),
        "recipient_parent_uei": f.uei_sql(c("recipient_parent_uei")),
        "recipient_parent_duns": f.duns_sql(c("recipient_parent_duns")),
        "recipient_is_individual": "__individual",
        "awarding_agency_code": agency_code,
        "awarding_agency_name": (
            f"coalesce({t('awarding_agency_name')}, {_toptier_name(agency_code)})"
        ),
        "awarding_sub_agency_code": subtier,
        "awarding_sub_agency_name": (
            f"coalesce({t('awarding_sub_agency_name')}, "
            f"{_subtier_case(subtier, 'name')})"
        ),
        "awarding_office_code": t("awarding_office_code"),
        "awarding_office_name": t("awarding_office_name"),
        "funding_sub_agency_code": f"lpad({t('funding_sub_agency_code')}, 4, '0')",
        "funding_sub_agency_name": t("funding_sub_agency_name"),
        "psc_code": t("product_or_service_code"),
        "psc_description": t("product_or_service_code_description"),
        "naics_code": t("naics_code"),
        "naics_description": t("naics_description"),
        "description": t("award_description"),
        "__problem": (
            f"coalesce({amount_problem}, {date_problem}, "
            f"CASE WHEN {piid} IS NULL THEN 'empty award_id_piid' END)"
        ),
    }


def api_search(header: list[str]) -> CanonicalSql:
    """The api_search mapping: the award id split once, then the shared values."""
    return CanonicalSql(
        api_search_base_sql(header),
        api_search_derived_sql(header),
        api_search_sql(header),
    )


def bulk_contracts(header: list[str]) -> CanonicalSql:
    return CanonicalSql(
        {"__none": "NULL"},
        bulk_contracts_derived_sql(header),
        bulk_contracts_sql(header),
    )
