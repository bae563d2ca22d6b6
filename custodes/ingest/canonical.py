"""Map each source format onto the canonical transaction columns, as SQL.

`canonical_select_sql(fmt, header, rows)` returns one SELECT over rows of a file (all
VARCHAR, named by the file's header, minimised) that yields every canonical column, the
raw row (whole as JSON, and as stored), and `__problem` (NULL, or why the row goes to
quarantine).
"""

from __future__ import annotations

from custodes.ingest import fields as f
from custodes.ingest.formats import Format
from custodes.ingest.rawrow import stored_value_sql
from custodes.model.agencies import load_agencies
from custodes.store.sql import ident

CANONICAL_COLUMNS = (
    "transaction_key",
    "award_key",
    "award_key_source",
    "piid",
    "modification_number",
    "transaction_number",
    "parent_award_piid",
    "parent_award_agency_code",
    "award_type",
    "action_type",
    "action_date",
    "fiscal_year",
    "obligation_usd",
    "recipient_name",
    "recipient_uei",
    "recipient_duns",
    "recipient_parent_name",
    "recipient_parent_uei",
    "recipient_parent_duns",
    "recipient_is_individual",
    "awarding_agency_code",
    "awarding_agency_name",
    "awarding_sub_agency_code",
    "awarding_sub_agency_name",
    "awarding_office_code",
    "awarding_office_name",
    "funding_sub_agency_code",
    "funding_sub_agency_name",
    "psc_code",
    "psc_description",
    "naics_code",
    "naics_description",
    "description",
)

# Columns of a bulk row that locate or contact a recipient; blanked for individuals.
INDIVIDUAL_CONTACT_COLUMNS = (
    "recipient_address_line_1",
    "recipient_address_line_2",
    "recipient_zip_4_code",
    "recipient_phone_number",
    "recipient_fax_number",
)
# Free-text columns in which phone numbers and e-mail addresses are masked.
FREE_TEXT_COLUMNS = ("Transaction Description", "award_description")


q = ident  # the store's quoting helper, under ingest's older name


def _col(header: list[str], name: str) -> str:
    """A staged column, or NULL when the file does not have it."""
    return q(name) if name in header else "NULL::VARCHAR"


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


def minimised_select_sql(
    fmt: Format, header: list[str], stage: str, persons: str | None = None
) -> str:
    """The staged columns with contact details minimised, plus bookkeeping flags.

    `persons` names a table whose column `name` holds the raw recipient names judged
    natural persons (custodes.ingest.recipients); their rows are individuals'. A bulk
    row flagged `sole_proprietorship` loses its contact columns too, whatever its name
    (a sole proprietor's address is a person's), but only the judgement names it an
    individual's."""
    name = "recipient_name" if fmt.name == "bulk_contracts" else "Recipient Name"
    individual = "FALSE"
    if persons and name in header:
        individual = f"coalesce({q(name)} IN (SELECT name FROM {persons}), FALSE)"
    minimise = "__individual"
    if fmt.name == "bulk_contracts" and "sole_proprietorship" in header:
        sole = q("sole_proprietorship")
        minimise = (
            f"(__individual OR coalesce(lower({f.trim_sql(sole)}) "
            "IN ('t', 'true', 'y', '1'), FALSE))"
        )
    text_cols = [c for c in FREE_TEXT_COLUMNS if c in header]
    exprs = []
    for col in header:
        if col in INDIVIDUAL_CONTACT_COLUMNS:
            exprs.append(
                f"CASE WHEN __minimise THEN NULL ELSE {q(col)} END AS {q(col)}"
            )
        elif col in text_cols:
            exprs.append(f"{f.mask_contacts_sql(q(col))} AS {q(col)}")
        else:
            exprs.append(q(col))
    contacts = " OR ".join(
        f"coalesce({f.mask_contacts_sql(q(c))} <> {q(c)}, FALSE)" for c in text_cols
    )
    has_contact_cols = [c for c in INDIVIDUAL_CONTACT_COLUMNS if c in header]
    individual_minimised = (
        "__minimise AND ("
        + " OR ".join(f"{f.clean_text_sql(q(c))} IS NOT NULL" for c in has_contact_cols)
        + ")"
        if has_contact_cols
        else "FALSE"
    )
    return (
        f"SELECT {', '.join(exprs)}, __ord, __individual, "
        f"({individual_minimised}) AS __minimised_individual, "
        f"({contacts or 'FALSE'}) AS __minimised_text "
        f"FROM (SELECT *, {minimise} AS __minimise FROM "
        f"(SELECT *, {individual} AS __individual FROM {stage}))"
    )


def _field_problem(name: str, value: str, problem: str) -> str:
    """'field <name> = '<value>': <problem>' when problem is not NULL."""
    quote = "''''"  # a SQL literal holding one single quote
    shown = f"coalesce({quote} || left({value}, 60) || {quote}, 'empty')"
    return (
        f"CASE WHEN ({problem}) IS NOT NULL THEN 'field {name} = ' || {shown} "
        f"|| ': ' || ({problem}) END"
    )


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


def canonical_select_sql(fmt: Format, header: list[str], minimised: str) -> str:
    """Every canonical column, plus the raw row: `__raw_json` (whole), `__raw_values`
    (as stored: a JSON array, values equal to their canonical column elided, see
    rawrow.py) and `content_hash` (a 64-bit hash of the raw values)."""
    if fmt.name == "api_search":
        base = api_search_base_sql(header)
        derived, mapping = api_search_derived_sql(header), api_search_sql(header)
    else:
        base = {"__none": "NULL"}
        derived, mapping = (
            bulk_contracts_derived_sql(header),
            bulk_contracts_sql(header),
        )
    first = ", ".join(f"{expr} AS {name}" for name, expr in base.items())
    pre = ", ".join(f"{expr} AS {name}" for name, expr in derived.items())
    cols = ", ".join(f"{expr} AS {name}" for name, expr in mapping.items())
    raw = [f"__r{k}" for k in range(len(header))]
    passed = ", ".join(f"{q(h)} AS {r}" for h, r in zip(header, raw, strict=True))
    inner = (
        f"SELECT {cols}, __ord, __minimised_individual, __minimised_text, {passed} "
        f"FROM (SELECT *, {pre} FROM (SELECT *, {first} FROM ({minimised})))"
    )
    stored = ", ".join(
        stored_value_sql(fmt.name, h, r) for h, r in zip(header, raw, strict=True)
    )
    pairs = ", ".join(f"{f.sql_str(h)}, {r}" for h, r in zip(header, raw, strict=True))
    return (
        f"SELECT * EXCLUDE ({', '.join(raw)}), to_json(list_value({stored}))::VARCHAR "
        "AS __raw_values, "
        f"json_object({pairs})::VARCHAR AS __raw_json, "
        f"hash({', '.join(raw)}) AS content_hash FROM ({inner})"
    )
