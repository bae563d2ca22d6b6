"""How a report defines "surveillance": taxonomy and rules versions, overrides,
categories.

A reader who disagrees with the definition can re-run the report with `--categories`
or `--exclude-categories` and get a different, equally reproducible figure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from custodes.figures.frame import UNCLASSIFIED, Filters
from custodes.figures.source import TableSource as Source

NOT_SURVEILLANCE = "none"  # classify's label for awards outside the taxonomy


@cache
def load_taxonomy_labels() -> dict[str, str]:
    """Category id -> label from custodes/data/taxonomy/taxonomy.yaml (empty if
    absent)."""
    path = resources.files("custodes.data").joinpath("taxonomy/taxonomy.yaml")
    if not path.is_file():
        return {}
    doc = yaml.safe_load(path.read_text()) or {}
    cats = doc.get("categories", []) if isinstance(doc, dict) else []
    return {str(c["id"]): str(c.get("label", c["id"])) for c in cats if "id" in c}


def category_label(category: str) -> str:
    return load_taxonomy_labels().get(category, category)


@dataclass
class Definition:
    classified: bool
    taxonomy_version: str | None = None
    rules_version: str | None = None
    overrides_applied: int | None = None
    classified_awards: int | None = None
    categories_included: list[str] = field(default_factory=list)
    categories_excluded: list[str] = field(default_factory=list)
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def report_filters(src: Source, filters: Filters, all_spending: bool) -> Filters:
    """Default report scope: every taxonomy category except 'none' and unclassified."""
    if all_spending or filters.categories or not src.has("classification"):
        return filters
    excluded = set(filters.exclude_categories) | {NOT_SURVEILLANCE, UNCLASSIFIED}
    return Filters(
        filters.sub_agencies,
        filters.fy_from,
        filters.fy_to,
        (),
        tuple(sorted(excluded)),
    )


def build_definition(src: Source, filters: Filters) -> Definition:
    """What was counted, stated so a reader can reproduce or challenge it."""
    if not src.has("classification"):
        return Definition(
            False,
            text=(
                "No classification in the store (`custodes classify` has not run): "
                "figures are "
                "all contract obligations in scope, not only surveillance."
            ),
        )
    d = Definition(True)
    if src.has("classification_run"):
        run = (
            src.table("classification_run")
            .order_by(src.table("classification_run").run_at.desc())
            .limit(1)
            .to_pyarrow()
            .to_pylist()
        )
        if run:
            d.taxonomy_version = run[0].get("taxonomy_version")
            d.rules_version = run[0].get("rules_version")
            d.overrides_applied = run[0].get("overrides_applied")
            d.classified_awards = run[0].get("awards")
    seen = src.table("classification").category.value_counts().to_pyarrow().to_pylist()
    present = sorted({r["category"] for r in seen if r["category"] is not None})
    if filters.categories:
        d.categories_included = sorted(filters.categories)
    else:
        d.categories_included = [
            c for c in present if c not in set(filters.exclude_categories)
        ]
    d.categories_excluded = sorted(
        set(filters.exclude_categories) | (set(present) - set(d.categories_included))
    )
    d.text = _definition_text(d)
    return d


def _definition_text(d: Definition) -> str:
    included = ", ".join(
        c if category_label(c) == c else f"{category_label(c)} ({c})"
        for c in d.categories_included
    )
    return (
        f"Counted as surveillance: awards that custodes classify labelled with "
        f"{included or 'no category'}. Taxonomy version {d.taxonomy_version or '?'}, "
        f"rules version {d.rules_version or '?'}, "
        f"{d.overrides_applied if d.overrides_applied is not None else '?'} manual "
        f"override(s). Excluded: {', '.join(d.categories_excluded) or 'nothing'}. "
        "Change this with --categories / --exclude-categories."
    )
