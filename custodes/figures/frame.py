"""The one transaction frame every analysis starts from, as an Ibis expression.

`build_frame` filters the store's transactions (agency, fiscal years, and the
Definition of what counts: custodes/figures/definition.py) and attaches only the
dimensions an analysis needs: classification category, resolved vendor and corporate
family, named maker. Every figure is a sum over rows of this frame, so
every figure can be expanded back into those rows (`explain_frame`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from custodes.errors import InputError
from custodes.figures.definition import DEFAULT, UNCLASSIFIED, Definition
from custodes.figures.recipients import (
    WITHHELD,
    ibis_recipient_name,
    ibis_vendor,
    ibis_withheld,
)
from custodes.figures.review import REVIEWED_METHODS
from custodes.figures.source import TableSource as Source
from custodes.store.queries import STAGE_RUNS

__all__ = ["UNCLASSIFIED", "Filters", "build_frame"]
NO_MAKER = "(no distinct maker named)"

BASE_COLUMNS = (
    "transaction_key",
    "award_key",
    "piid",
    "modification_number",
    "action_date",
    "fiscal_year",
    "obligation_usd",
    "recipient_name",
    "awarding_sub_agency_code",
    "awarding_sub_agency_name",
    "description",
    "ingest_run_id",
)


@dataclass(frozen=True)
class Dimension:
    """A way to group figures: the key column, a display label column, what it needs."""

    name: str
    key: str
    label: str
    needs: str | None = None  # 'category' | 'vendor' | 'family' | 'maker'
    ordered: bool = False  # sort by key (time) rather than by amount


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("fiscal_year", "fiscal_year", "fiscal_year", ordered=True),
        Dimension("month", "month", "month", ordered=True),
        Dimension("category", "category", "category", needs="category"),
        Dimension("vendor", "vendor_id", "vendor_name", needs="vendor"),
        Dimension("family", "family_id", "family_name", needs="family"),
        Dimension("maker", "maker", "maker", needs="maker"),
        Dimension("sub_agency", "awarding_sub_agency_code", "awarding_sub_agency_name"),
        Dimension("recipient", "recipient_name", "recipient_name"),
        Dimension("kind", "kind", "kind"),
        Dimension("award", "award_key", "recipient_name"),
    )
}


@dataclass(frozen=True)
class Filters:
    """Which transactions count: the scope (empty means no restriction) and the
    Definition of what counts as surveillance (by default: surveillance only)."""

    sub_agencies: tuple[str, ...] = ()  # awarding sub-agency codes, e.g. '7012'
    fy_from: int | None = None
    fy_to: int | None = None
    definition: Definition = DEFAULT


def parse_dimensions(text: str | Sequence[str]) -> list[Dimension]:
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text)]
    unknown = [n for n in names if n not in DIMENSIONS]
    if unknown or not names or len(names) > 2:
        raise InputError(
            f"Cannot group by {','.join(names)!r}. Use one or two of: "
            f"{', '.join(DIMENSIONS)} (comma-separated)."
        )
    return [DIMENSIONS[n] for n in names]


def kind_expr(t: Any) -> Any:
    """New award (base, modification 0), modification, or deobligation (negative)."""
    is_base = t.modification_number.isnull() | t.modification_number.isin(
        ["0", "", "00"]
    )
    import ibis

    return ibis.cases(
        (t.obligation_usd < 0, "deobligation"),
        (is_base, "new award"),
        else_="modification",
    )


def _with_category(src: Source, t: Any) -> Any:
    """Attach category (unclassified filled in), component_category (NULL where
    classify wrote no such column) and reviewed (a person decided the label:
    custodes/figures/review.py)."""
    import ibis

    cls = src.table("classification")
    component = (
        cls.component_category
        if "component_category" in cls.columns
        else ibis.null().cast("string")
    )
    c = cls.select(
        award_key=cls.award_key,
        category=cls.category,
        component_category=component,
        reviewed=cls.method.isin(list(REVIEWED_METHODS)),
    )
    t = _attach_on(
        t,
        c,
        "award_key",
        {
            "category": "category",
            "component_category": "component_category",
            "reviewed": "reviewed",
        },
    )
    return t.mutate(
        category=t.category.fill_null(UNCLASSIFIED),
        reviewed=t.reviewed.fill_null(False),
    )


def _attach_on(t: Any, right: Any, key: str, columns: dict[str, str]) -> Any:
    """Left-join RIGHT on KEY, adding RIGHT's columns under new names (new -> old)."""
    r = right.select(
        right_key_=right[key], **{new: right[old] for new, old in columns.items()}
    )
    joined = t.left_join(r, t[key] == r["right_key_"])
    return joined.select(*t.columns, *columns)


def _with_vendor(src: Source, t: Any, family: bool) -> Any:
    """Attach vendor and family by the one rule of custodes/figures/recipients.py:
    the resolved vendor, else the recipient name's stand-in, NULL for a person."""
    import ibis

    null = ibis.null().cast("string")
    withheld = ibis_withheld(t)
    resolved = src.has("transaction_vendor") and src.has("vendor")
    if resolved:
        tv = src.table("transaction_vendor")
        raw = src.table("vendor")
        # One row per vendor id (the resolve contract), enforced so that a broken
        # vendor table can never repeat a transaction; the prepared frame does too.
        vendor = raw.group_by("vendor_id").aggregate(
            name=raw.name.min(), family_id=raw.family_id.min()
        )
        t = _attach_on(t, tv, "transaction_key", {"resolved_id_": "vendor_id"})
        v = vendor.select(
            resolved_id_=vendor.vendor_id,
            resolved_name_=vendor.name,
            resolved_family_=vendor.family_id,
        )
        t = _attach_on(
            t,
            v,
            "resolved_id_",
            {
                "resolved_name_": "resolved_name_",
                "resolved_family_": "resolved_family_",
            },
        )
        vid, vname = ibis_vendor(t, t.resolved_id_, t.resolved_name_)
        fam = withheld.ifelse(null, t.resolved_family_.fill_null(vid))
    else:
        vid, vname = ibis_vendor(t, null, null)
        fam = vid
    t = t.mutate(vendor_id=vid, vendor_name=vname.fill_null(WITHHELD), family_id=fam)
    if resolved:
        t = t.drop("resolved_id_", "resolved_name_", "resolved_family_")
    if family:
        if resolved:
            f = vendor.select(family_id=vendor.vendor_id, family_name=vendor.name)
            t = _attach_on(t, f, "family_id", {"family_name": "family_name"})
            name = withheld.ifelse(WITHHELD, t.family_name.fill_null(t.vendor_name))
        else:
            name = t.vendor_name
        t = t.mutate(family_name=name)
    return t


def _with_maker(src: Source, t: Any) -> Any:
    m = src.table("award_maker").select("award_key", "maker").distinct()
    t = _attach_on(t, m, "award_key", {"maker": "maker"})
    return t.mutate(maker=t.maker.fill_null(NO_MAKER))


def _filtered(t: Any, filters: Filters) -> Any:
    if filters.sub_agencies:
        t = t.filter(t.awarding_sub_agency_code.isin(list(filters.sub_agencies)))
    if filters.fy_from is not None:
        t = t.filter(t.fiscal_year >= filters.fy_from)
    if filters.fy_to is not None:
        t = t.filter(t.fiscal_year <= filters.fy_to)
    return t


def counting_rule(src: Source, definition: Definition) -> Definition | None:
    """DEFINITION as it applies to SRC's rows, or None when every row counts.

    A definition that names categories needs the classification (NotFound naming
    `custodes classify` without it); the default and --all-spending count every
    contract of a store that has none."""
    named = bool(definition.categories or definition.exclude_categories)
    if named:
        src.table("classification")  # NotFound: run custodes classify
    rule = replace(definition, classified=src.has("classification"))
    return rule if rule.restricts or rule.include_components else None


def _by_category(t: Any, rule: Definition | None) -> Any:
    """The rows that count under RULE, each under the category it counts in."""
    if rule is None:
        return t
    if rule.include_components:
        t = t.mutate(category=rule.ibis_category(t))
    return rule.ibis_filter(t)


def prepared_frame(src: Source) -> dict[str, Any] | None:
    """The analyse_build row when analyse_frame is present and current, else None.

    Current means built by this format from the latest ingest, resolve and classify
    runs. Checked once per source; `custodes analyse prepare` rebuilds it."""
    if not src.use_prepared:
        return None
    if src.prepared is None:
        src.prepared = {}
        if src.has("analyse_frame") and src.has("analyse_build"):
            built = src.table("analyse_build").to_pyarrow().to_pylist()
            if built and _current(src, built[0]):
                src.prepared = built[0]
    return src.prepared or None


def _current(src: Source, built: dict[str, Any]) -> bool:
    from custodes.figures.analyse_tables import FRAME_FORMAT

    if built.get("format") != FRAME_FORMAT:
        return False
    for _, table, column in STAGE_RUNS:
        now: Any = src.table(table)[column].max().execute() if src.has(table) else None
        if hasattr(now, "to_pydatetime"):
            now = now.to_pydatetime()
        if now != built.get(f"last_{table}"):
            return False
    return True


def _prepared(src: Source, filters: Filters, dims: Sequence[Dimension]) -> Any:
    """The same frame read from analyse_frame: every dimension already attached."""
    rule = counting_rule(src, filters.definition)
    t = _by_category(_filtered(src.table("analyse_frame"), filters), rule)
    if "maker" in {d.needs for d in dims}:
        m = src.table("analyse_award_maker")
        t = _attach_on(t, m.select("award_no", "maker"), "award_no", {"maker": "maker"})
        t = t.mutate(maker=t.maker.fill_null(NO_MAKER))
    return t


def build_frame(src: Source, filters: Filters, dims: Sequence[Dimension] = ()) -> Any:
    """Filtered transactions with the columns DIMS need (an Ibis table expression).

    Reads the prepared analyse_frame when it is current (same rows, same columns, plus
    the award number and the flags `award_count` uses); otherwise joins the raw tables.
    """
    if prepared_frame(src) is not None:
        return _prepared(src, filters, dims)
    t = _filtered(
        src.table("transaction").select(*BASE_COLUMNS, "recipient_is_individual"),
        filters,
    )
    t = t.mutate(
        kind=kind_expr(t),
        month=t.action_date.year() * 100 + t.action_date.month(),
        recipient_name=ibis_recipient_name(t),
    )
    needs = {d.needs for d in dims}
    rule = counting_rule(src, filters.definition)
    if "category" in needs or rule is not None or src.has("classification"):
        t = _by_category(_with_category(src, t), rule)
    if needs & {"vendor", "family"}:
        t = _with_vendor(src, t, family="family" in needs)
    if "maker" in needs:
        t = _with_maker(src, t)
    return t.drop("recipient_is_individual")


# Dimensions constant within an award (sub-agency only when no award spans two).
AWARD_LEVEL = {"category", "maker", "award"}
# Dimensions that vary inside an award, and the flag pair that counts their awards.
PAIR_OF = {
    "vendor": "vendor",
    "family": "family",
    "kind": "kind",
    "recipient": "recipient",
    "sub_agency": "agency",
}


def _pair_for(names: set[str], filters: Filters, spanning: bool) -> str | None:
    """Which flag pair counts the awards of a grouping, or None (distinct count).

    A pair is the award plus at most one dimension that varies inside awards. When
    some award spans two sub-agencies, a sub-agency filter removes part of such awards'
    rows: the (award, sub-agency) pair still counts exactly under a one-agency filter
    with nothing else varying; any other case counts distinct awards."""
    award_level = set(AWARD_LEVEL) | (set() if spanning else {"sub_agency"})
    varying = names - award_level - {"fiscal_year", "month"}
    if spanning and filters.sub_agencies:
        if len(filters.sub_agencies) == 1 and varying <= {"sub_agency"}:
            return None if "month" in names else "agency"
        return None
    if "month" in names:
        return "month" if not varying else None
    if len(varying) > 1 or not varying <= PAIR_OF.keys():
        return None
    return PAIR_OF[varying.pop()] if varying else "award"


def award_count(
    src: Source, t: Any, dims: Sequence[Dimension], filters: Filters
) -> Any:
    """The number of distinct awards in each group, as an Ibis aggregate.

    On the prepared frame, a filtered count over the first_/prev_ flags (exact; see
    custodes/figures/analyse_tables.py); where no flag fits the grouping, a distinct
    count of the integer award number; on the raw tables, a distinct count of the
    award key."""
    built = prepared_frame(src)
    if built is None:
        return t.award_key.nunique()
    names = {d.name for d in dims}
    spanning = bool(built.get("awards_in_several_sub_agencies"))
    pair = _pair_for(names, filters, spanning)
    if pair is None:
        return t.award_no.nunique()
    if pair == "month":
        return t.count(where=t.first_month)
    first = t[f"first_{pair}"]
    if "fiscal_year" in names:
        return t.count(where=first)
    prev = t[f"prev_{pair}"]  # -1 when the pair has no earlier transaction
    if filters.fy_from is None:
        return t.count(where=first & (prev == -1))
    return t.count(where=first & (prev < filters.fy_from))
