"""Map a file's rows onto the canonical transaction columns, as SQL.

The mapping itself comes from the file's format (custodes/sources/: each source's
formats give a CanonicalSql). Here it is wrapped: contact details minimised first
(`minimised_select_sql`), then `canonical_select_sql(fmt, header, rows)` returns one
SELECT over rows of a file (all VARCHAR, named by the file's header, minimised) that
yields every canonical column, the raw row (whole as JSON, and as stored), and
`__problem` (NULL, or why the row goes to quarantine).
"""

from __future__ import annotations

from custodes.ingest import fields as f
from custodes.ingest.rawrow import stored_value_sql
from custodes.sources.base import Format
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


q = ident  # the store's quoting helper, under ingest's older name

# Identifiers must not hold a NUL byte (it would live on inside the keys and links).
IDENTIFIERS = (
    "transaction_key",
    "award_key",
    "piid",
    "modification_number",
    "parent_award_piid",
)
NUL_IN_IDENTIFIER = (
    "CASE WHEN "
    + " OR ".join(f"coalesce(contains({c}, chr(0)), FALSE)" for c in IDENTIFIERS)
    + " THEN 'NUL byte (\\0) in an identifier (transaction key, award key, PIID, "
    "modification or parent award): fix the source file' END"
)


def minimised_select_sql(
    fmt: Format, header: list[str], stage: str, persons: str | None = None
) -> str:
    """The staged columns with contact details minimised, plus bookkeeping flags.

    `persons` names a table whose column `name` holds the raw recipient names judged
    natural persons (custodes.ingest.recipients); their rows are individuals'. A row
    whose format's sole-proprietor flag is set (bulk `sole_proprietorship`) loses its
    contact columns too, whatever its name (a sole proprietor's address is a
    person's), but only the judgement names it an individual's."""
    name = fmt.recipient_column
    individual = "FALSE"
    if persons and name in header:
        individual = f"coalesce({q(name)} IN (SELECT name FROM {persons}), FALSE)"
    minimise = "__individual"
    sole_column = fmt.sole_proprietor_column
    if sole_column is not None and sole_column in header:
        sole = q(sole_column)
        minimise = (
            f"(__individual OR coalesce(lower({f.trim_sql(sole)}) "
            "IN ('t', 'true', 'y', '1'), FALSE))"
        )
    text_cols = [c for c in fmt.free_text_columns if c in header]
    exprs = []
    for col in header:
        if col in fmt.contact_columns:
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
    has_contact_cols = [c for c in fmt.contact_columns if c in header]
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


def _with(values: dict[str, str], rows: str) -> str:
    """`rows` with `values` (name -> SQL expression) added as columns."""
    if not values:
        return rows
    added = ", ".join(f"{expr} AS {name}" for name, expr in values.items())
    return f"SELECT *, {added} FROM ({rows})"


def canonical_select_sql(fmt: Format, header: list[str], minimised: str) -> str:
    """Every canonical column, plus the raw row: `__raw_json` (whole), `__raw_values`
    (as stored: a JSON array, values equal to their canonical column elided, see
    rawrow.py) and `content_hash` (a 64-bit hash of the raw values)."""
    base, derived, mapping = fmt.canonical(header)
    # A canonical column the format leaves out is NULL (an individual's flag comes
    # from the person judgement).
    missing = {c: "NULL" for c in CANONICAL_COLUMNS if c not in mapping}
    if "recipient_is_individual" in missing:
        missing["recipient_is_individual"] = "__individual"
    if "__problem" not in mapping:
        missing["__problem"] = "NULL::VARCHAR"
    mapping = {**mapping, **missing}
    cols = ", ".join(f"{expr} AS {name}" for name, expr in mapping.items())
    raw = [f"__r{k}" for k in range(len(header))]
    passed = ", ".join(f"{q(h)} AS {r}" for h, r in zip(header, raw, strict=True))
    inner = (
        f"SELECT {cols}, __ord, __minimised_individual, __minimised_text, {passed} "
        f"FROM ({_with(derived, _with(base, minimised))})"
    )
    stored = ", ".join(
        stored_value_sql(fmt, h, r) for h, r in zip(header, raw, strict=True)
    )
    pairs = ", ".join(f"{f.sql_str(h)}, {r}" for h, r in zip(header, raw, strict=True))
    return (
        f"SELECT * EXCLUDE ({', '.join(raw)}, __problem), "
        f"coalesce(__problem, {NUL_IN_IDENTIFIER}) AS __problem, "
        f"to_json(list_value({stored}))::VARCHAR AS __raw_values, "
        f"json_object({pairs})::VARCHAR AS __raw_json, "
        f"hash({', '.join(raw)}) AS content_hash FROM ({inner})"
    )
