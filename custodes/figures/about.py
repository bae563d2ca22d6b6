"""What every figure carries beside its number: the Definition it was counted under,
the coverage of the years it rests on, the awards it leaves out as components of
larger purchases, the share a person has reviewed, and when its data end.

`about` gathers them on an analysis source (any engine: analyses, reports);
`about_store` on a store opened directly (classify --export, review export). CSV
exports write the result as their sidecar (custodes/csvfile.py write_metadata),
--json and report.json carry it, and pages show the same lines.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from custodes import sources
from custodes.figures import components, coverage, review
from custodes.figures.definition import Definition, stated_from_source, stated_from_sql
from custodes.store.queries import modifications_only_sql

AWARD_LINK = (
    "usaspending_url: each award's page on usaspending.gov "
    "(https://www.usaspending.gov/award/<generated award id>)"
)


def _reviewed(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total = sum((r.get("obligation_usd") or Decimal(0) for r in rows), Decimal(0))
    done = sum((r.get("reviewed_usd") or Decimal(0) for r in rows), Decimal(0))
    return {
        "obligation_usd": total,
        "reviewed_usd": done,
        "share": review.share(total, done),
        "line": review.line(total, done),
    }


def about(
    src: Any,
    filters: Any,
    rows: list[dict[str, Any]] | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """For a figure on SRC in FILTERS' scope: definition, coverage, not counted,
    reviewed (from ROWS, figure rows with obligation_usd and reviewed_usd; computed
    from the totals when None), data through, generated at."""
    from custodes.figures import analyses

    stated = stated_from_source(src, filters.definition)
    if rows is None:
        rows = analyses.totals(src, "fiscal_year", filters)
    cover = coverage.summary(
        coverage.per_year(coverage.coverage_rows(src, filters)),
        today or date.today(),
        ",".join(filters.sub_agencies) or None,
        coverage.modifications_only_awards(src, filters),
    )
    left_out = components.not_counted(src, filters)
    return {
        "definition": stated.to_dict(),
        "coverage": cover,
        "not_counted": left_out,
        "reviewed": _reviewed(rows),
        "data_through": cover["data_through"],
        "generated_at": datetime.now(UTC).replace(microsecond=0, tzinfo=None),
        "links": AWARD_LINK,
    }


def about_store(
    store: Any, definition: Definition, today: date | None = None
) -> dict[str, Any]:
    """The same for a whole store read with SQL (a Store: rows(sql), has_table)."""
    stated = stated_from_sql(definition, store.rows, store.has_table)
    rows = store.rows(coverage.coverage_select_sql())
    cover = coverage.summary(
        coverage.per_year(rows),
        today or date.today(),
        None,
        store.rows(
            modifications_only_sql(
                reason=sources.history_reason_of_transactions(
                    store.has_table("sync_history")
                )
            )
        )[0],
    )
    done = {"obligation_usd": Decimal(0), "reviewed_usd": Decimal(0)}
    if store.has_table("classification"):
        where, params = stated.where_sql("c.category", "c.component_category")
        found = store.rows(
            "SELECT coalesce(sum(t.obligation_usd), 0) AS obligation_usd, "
            "coalesce(sum(t.obligation_usd) FILTER (WHERE "
            f"{review.reviewed_sql('c.method')}), 0) AS reviewed_usd "
            'FROM "transaction" t JOIN classification c USING (award_key) '
            f"WHERE {where}",
            params,
        )
        done = found[0]
    return {
        "definition": stated.to_dict(),
        "coverage": cover,
        "reviewed": _reviewed([done]),
        "data_through": cover["data_through"],
        "generated_at": datetime.now(UTC).replace(microsecond=0, tzinfo=None),
        "links": AWARD_LINK,
    }


def lines(info: dict[str, Any]) -> list[str]:
    """The sentences a command prints under a figure (definition, components,
    reviewed share, coverage)."""
    out = [f"{info['definition']['text']} {info['definition']['change']}"]
    left_out = info.get("not_counted")
    if left_out and left_out.get("awards"):
        out.append(left_out["line"][:1].upper() + left_out["line"][1:] + ".")
    out.append(info["reviewed"]["line"])
    out.append(info["coverage"]["text"])
    return out
