"""What counts as surveillance: the one Definition every figure is computed under.

Every figure custodes shows is a sum of contract obligations. Which obligations count
is decided here, once, for the command line (`analyse`, `report`, `vendor show`), the
web app, watch digests and exports:

- by default, awards that `custodes classify` put in a surveillance category: every
  category except `none` (outside the taxonomy) and `unclassified` (no label yet);
- `all_spending`: every contract, whatever its category;
- `categories`: only these categories; `exclude_categories`: leave these out as well;
- `include_components`: an award whose category is `none` but that buys a
  surveillance component inside a larger purchase (`classification.component_category`,
  for example cameras inside a border-barrier construction order) counts under that
  component's category. Off by default: such awards are then shown on their own line,
  "not counted" (`custodes.figures.components`).

A Definition also records what it rested on in the store it was applied to
(`Definition.stated`): the taxonomy and rules versions of the latest classification
run, the manual overrides applied, and the categories present. `text` is the line
every table, chart, page and export prints, and `change` says how to count otherwise.
Where the store has no classification, nothing can be told apart: every definition
then counts all contract spending in scope, and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Any

from custodes.classify.taxonomy import NONE, known_categories

NOT_SURVEILLANCE = NONE  # classify's label for an award outside the taxonomy
UNCLASSIFIED = "unclassified"  # an award classify has not labelled (yet)
# The categories the default definition leaves out. Nowhere else in custodes may
# write this set out (tests/figures/test_definition.py checks).
NOT_COUNTED = (NOT_SURVEILLANCE, UNCLASSIFIED)

CHANGE = (
    "Count otherwise with --all-spending, --categories / --exclude-categories or "
    "--include-components (custodes analyse, custodes report)."
)
# How to count otherwise on the web app (its pages link to the methodology page).
CHANGE_WEB = (
    "On this site, add components=include to a page's address to count awards that "
    "buy surveillance components inside a larger purchase (components=exclude, the "
    "default, leaves them out); the command line offers every other choice."
)


@cache
def load_taxonomy_labels() -> dict[str, str]:
    """Category id -> label of the shipped taxonomy (custodes/data/taxonomy)."""
    return known_categories()


def category_label(category: str | None) -> str:
    """The taxonomy's label for a category id; 'Unclassified' for no label."""
    if category is None or category == UNCLASSIFIED:
        return "Unclassified"
    return load_taxonomy_labels().get(category, category)


@dataclass(frozen=True)
class Definition:
    """Which obligations count as surveillance, and what that rested on.

    The first four fields are the choice (the same defaults everywhere); the rest are
    filled by `stated` from the store the definition was applied to."""

    all_spending: bool = False
    include_components: bool = False
    categories: tuple[str, ...] = ()  # count only these
    exclude_categories: tuple[str, ...] = ()  # leave these out as well
    # What the store held (None: not looked at yet).
    classified: bool | None = None
    components_available: bool | None = None
    taxonomy_version: str | None = None
    rules_version: str | None = None
    overrides_applied: int | None = None
    classified_awards: int | None = None
    categories_present: tuple[str, ...] = ()

    # -- the rule ------------------------------------------------------------------

    def effective_category(
        self, category: str | None, component_category: str | None = None
    ) -> str:
        """The category an award counts under: its own, or with include_components
        the category of the surveillance component it buys inside a larger purchase."""
        category = category or UNCLASSIFIED
        if self.include_components and category == NOT_SURVEILLANCE:
            return component_category or category
        return category

    def counts(
        self, category: str | None, component_category: str | None = None
    ) -> bool:
        """Whether an award of this category counts (a store without classification
        counts everything)."""
        if self.classified is False:
            return True
        effective = self.effective_category(category, component_category)
        if self.categories:
            return effective in self.categories
        if effective in self.exclude_categories:
            return False
        return self.all_spending or effective not in NOT_COUNTED

    @property
    def restricts(self) -> bool:
        """Whether the rule leaves any category out (False: every contract counts)."""
        if self.classified is False:
            return False
        return not self.all_spending or bool(self.categories or self.exclude_categories)

    def category_sql(
        self, category: str = "category", component: str = "component_category"
    ) -> str:
        """SQL for the category an award counts under (see effective_category)."""
        plain = f"coalesce({category}, '{UNCLASSIFIED}')"
        if not self.include_components:
            return plain
        return (
            f"CASE WHEN {plain} = '{NOT_SURVEILLANCE}' "
            f"THEN coalesce({component}, '{NOT_SURVEILLANCE}') ELSE {plain} END"
        )

    def where_sql(
        self, category: str = "category", component: str = "component_category"
    ) -> tuple[str, list[str]]:
        """A SQL condition (and its parameters) true for the awards that count."""
        if not self.restricts:
            return "TRUE", []
        effective = self.category_sql(category, component)
        if self.categories:
            return _in_sql(effective, self.categories), list(self.categories)
        left_out = self.exclude_categories + (() if self.all_spending else NOT_COUNTED)
        left_out = tuple(dict.fromkeys(left_out))
        return f"NOT ({_in_sql(effective, left_out)})", list(left_out)

    def ibis_category(self, t: Any) -> Any:
        """The Ibis expression of the category each row counts under. T has the
        columns `category` (unclassified filled in) and `component_category`."""
        if not self.include_components:
            return t.category
        return (t.category == NOT_SURVEILLANCE).ifelse(
            t.component_category.fill_null(NOT_SURVEILLANCE), t.category
        )

    def ibis_filter(self, t: Any) -> Any:
        """T without the rows that do not count (T has an effective `category`)."""
        if not self.restricts:
            return t
        if self.categories:
            return t.filter(t.category.isin(list(self.categories)))
        left_out = self.exclude_categories + (() if self.all_spending else NOT_COUNTED)
        return t.filter(~t.category.isin(list(dict.fromkeys(left_out))))

    # -- what it says ---------------------------------------------------------------

    @property
    def name(self) -> str:
        """A few words: 'surveillance', 'all spending', 'categories: a, b', ..."""
        if self.classified is False:
            return "all spending (no classification)"
        if self.categories:
            words = "categories: " + ", ".join(self.categories)
        elif self.all_spending:
            words = "all spending"
        else:
            words = "surveillance"
        if self.exclude_categories and not self.categories:
            words += " except " + ", ".join(self.exclude_categories)
        if self.include_components:
            words += ", with components"
        return words

    @property
    def short(self) -> str:
        """The name with the taxonomy and rules versions: one CSV or JSON cell."""
        if self.classified is False or self.classified is None:
            return self.name
        return (
            f"{self.name} (taxonomy {self.taxonomy_version or '?'}, "
            f"rules {self.rules_version or '?'})"
        )

    @property
    def categories_included(self) -> list[str]:
        if not self.classified:
            return []
        return sorted(c for c in self.categories_present if self.counts(c))

    @property
    def categories_excluded(self) -> list[str]:
        if not self.classified:
            return []
        named = set(self.categories_present) | set(self.exclude_categories)
        if not self.all_spending and not self.categories:
            named |= set(NOT_COUNTED)
        return sorted(named - set(self.categories_included))

    @property
    def text(self) -> str:
        """The one-line statement printed beside every figure."""
        if self.classified is False:
            return (
                "No classification in the store (`custodes classify` has not run): "
                "figures are all contract obligations in scope, not only surveillance."
            )
        included = ", ".join(
            c if category_label(c) == c else f"{category_label(c)} ({c})"
            for c in self.categories_included
        )
        if self.all_spending and not self.categories:
            head = "Counted: every contract in scope, whatever its category"
        else:
            head = (
                "Counted as surveillance: awards that custodes classify labelled with "
                f"{included or 'no category'}"
            )
        overrides = "?" if self.overrides_applied is None else self.overrides_applied
        return (
            f"{head}. Taxonomy version {self.taxonomy_version or '?'}, rules version "
            f"{self.rules_version or '?'}, {overrides} manual override(s). Excluded: "
            f"{', '.join(self.categories_excluded) or 'nothing'}.{self._components()}"
        )

    def _components(self) -> str:
        if self.include_components:
            return (
                " Awards buying a surveillance component inside a larger purchase "
                "count under the component's category."
            )
        if self.components_available and not self.all_spending:
            return (
                " Awards buying surveillance components inside a larger purchase are "
                "not counted (shown on their own line)."
            )
        return ""

    @property
    def change(self) -> str:
        return CHANGE

    def cli_args(self) -> list[str]:
        """The options that choose this definition again on the command line."""
        args = ["--all-spending"] if self.all_spending else []
        if self.categories:
            args += ["--categories", ",".join(self.categories)]
        if self.exclude_categories:
            args += ["--exclude-categories", ",".join(self.exclude_categories)]
        if self.include_components:
            args.append("--include-components")
        return args

    def to_dict(self) -> dict[str, Any]:
        """The `definition` field of --json output, report.json and the web API."""
        d = asdict(self)
        d["categories"] = list(self.categories)
        d["exclude_categories"] = list(self.exclude_categories)
        d.pop("categories_present")
        return {
            **d,
            "name": self.name,
            "short": self.short,
            "categories_included": self.categories_included,
            "categories_excluded": self.categories_excluded,
            "text": self.text,
            "change": self.change,
            "change_web": CHANGE_WEB,
        }

    # -- what it rested on ----------------------------------------------------------

    def stated(
        self,
        classified: bool,
        run: dict[str, Any] | None,
        present: Iterable[str],
        components_available: bool,
    ) -> Definition:
        """This definition with the facts of the store it is applied to: whether it
        has a classification, its latest classification_run row, the categories (and
        component categories) present, and whether it has the component columns."""
        run = run or {}
        return replace(
            self,
            classified=classified,
            components_available=components_available if classified else False,
            taxonomy_version=run.get("taxonomy_version"),
            rules_version=run.get("rules_version"),
            overrides_applied=run.get("overrides_applied"),
            classified_awards=run.get("awards"),
            categories_present=tuple(sorted({c for c in present if c is not None})),
        )


def _in_sql(expr: str, values: Sequence[str]) -> str:
    return f"{expr} IN ({', '.join('?' for _ in values)})"


DEFAULT = Definition()
ALL_SPENDING = Definition(all_spending=True)


def split_list(values: Iterable[str]) -> tuple[str, ...]:
    """('a,b', 'c') -> ('a', 'b', 'c')."""
    return tuple(v.strip() for text in values for v in text.split(",") if v.strip())


def chosen(
    all_spending: bool = False,
    include_components: bool = False,
    categories: Iterable[str] = (),
    exclude_categories: Iterable[str] = (),
) -> Definition:
    """The Definition the command-line options name."""
    return Definition(
        all_spending=all_spending,
        include_components=include_components,
        categories=split_list(categories),
        exclude_categories=split_list(exclude_categories),
    )


# Reading the facts from a store through plain SQL (the web app's reader, a Store).
RUN_SQL = """
    SELECT taxonomy_version, rules_version, overrides_applied, awards
    FROM classification_run ORDER BY run_at DESC LIMIT 1"""


def has_components_sql() -> str:
    return (
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = 'classification' AND column_name = 'component_category'"
    )


def stated_from_sql(
    definition: Definition,
    rows: Callable[[str], list[dict[str, Any]]],
    has: Callable[[str], bool],
) -> Definition:
    """DEFINITION stated against a store read through ROWS(sql) and HAS(table)."""
    if not has("classification"):
        return definition.stated(False, None, (), False)
    components = bool(next(iter(rows(has_components_sql())[0].values())))
    run = rows(RUN_SQL) if has("classification_run") else []
    column = "component_category" if components else "NULL"
    present = rows(
        "SELECT DISTINCT category AS c FROM classification UNION "
        f"SELECT DISTINCT {column} FROM classification"
    )
    return definition.stated(
        True, run[0] if run else None, [r["c"] for r in present], components
    )


def stated_from_source(src: Any, definition: Definition) -> Definition:
    """DEFINITION stated against an analysis source (any engine; see
    custodes/figures/source.py)."""
    if not src.has("classification"):
        return definition.stated(False, None, (), False)
    cls = src.table("classification")
    components = "component_category" in cls.columns
    run = None
    if src.has("classification_run"):
        runs = src.table("classification_run")
        found = runs.order_by(runs.run_at.desc()).limit(1).to_pyarrow().to_pylist()
        run = found[0] if found else None
    present = {r["category"] for r in _distinct(cls.category)}
    if components:
        present |= {r["component_category"] for r in _distinct(cls.component_category)}
    return definition.stated(True, run, present, components)


def _distinct(column: Any) -> list[dict[str, Any]]:
    return column.as_table().distinct().to_pyarrow().to_pylist()
