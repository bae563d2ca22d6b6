"""Server-drawn SVG bar charts: no chart library and no script, so they work under the
strict Content-Security-Policy. Each chart carries its text alternative and a caption
(what it counts and its coverage); the page shows the table of the same numbers next
to it.

A bar can carry a coverage status (custodes/figures/coverage.py): `sample` bars are
hatched, `partial` bars pale, and a `missing` year keeps its row with no bar and the
words "no data", so that a gap is never read as a zero.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from custodes.console import money

WIDTH = 640
BAR_GAP = 4
LABEL_W = 220
STATUS_WORDS = {
    "sample": "sample",
    "partial": "partial year",
    "missing": "no data",
}

Item = tuple[str, Decimal | int | None] | tuple[str, Decimal | int | None, str]


def build_bar_chart(
    chart_id: str,
    title: str,
    items: list[Item],
    unit: str = "usd",
    caption: str = "",
) -> dict[str, Any]:
    """Horizontal bars, one per (label, value[, status]); negative values drawn as
    zero-length; a None value (a missing year) as no bar."""
    full = [_full(it) for it in items]
    values = [None if it[1] is None else Decimal(it[1]) for it in full]
    top = max([v for v in values if v is not None and v > 0], default=Decimal(1))
    bar_h = 22
    plot_w = WIDTH - LABEL_W - 150
    bars = []
    for i, (item, value) in enumerate(zip(full, values, strict=True)):
        status = item[2]
        width = 0 if value is None else int(plot_w * max(value, Decimal(0)) / top)
        parts = [p for p in status.split("+") if p in STATUS_WORDS]
        words = ", ".join(STATUS_WORDS[p] for p in parts)
        text = "no data" if value is None else _fmt(value, unit)
        if words and value is not None:
            text += f" ({words})"
        bars.append(
            {
                "label": str(item[0]),
                "text": text,
                "x": LABEL_W,
                "y": i * (bar_h + BAR_GAP),
                "w": 0 if value is None else max(width, 1),
                "h": bar_h,
                "negative": value is not None and value < 0,
                "status": status,
                "classes": " ".join(f"status-{p}" for p in status.split("+")),
                "missing": value is None,
            }
        )
    height = max(len(bars), 1) * (bar_h + BAR_GAP)
    marked = {p for b in bars for p in str(b["status"]).split("+")} & set(STATUS_WORDS)
    return {
        "id": chart_id,
        "title": title,
        "width": WIDTH,
        "height": height,
        "bars": bars,
        "label_w": LABEL_W,
        "desc": describe(title, items, unit),
        "caption": caption,
        "legend": [
            {"status": s, "words": LEGEND[s]} for s in ("sample", "partial", "missing")
            if s in marked
        ],
    }  # fmt: skip


LEGEND = {
    "sample": "hatched bars: the year's data are a sample, not every transaction",
    "partial": "pale bars: a partial year (not over, or the data stop early)",
    "missing": "no bar: no data for the year (a gap, not a zero)",
}


def year_items(
    year_rows: list[dict[str, Any]], years: list[dict[str, Any]]
) -> list[Item]:
    """(label, value, status) for every fiscal year of the coverage YEARS (a missing
    year included, with no value), the values from YEAR_ROWS; years with data but no
    counted spending are zero."""
    values = {r["fiscal_year"]: r["obligation_usd"] for r in year_rows}
    if not years:
        return [(f"FY{y}", v, "complete") for y, v in sorted(values.items())]
    items: list[Item] = []
    for y in years:
        fy = y["fiscal_year"]
        value = None if y["missing"] else values.get(fy, Decimal(0))
        flags = [f for f in ("sample", "partial") if y[f]]
        status = "+".join(flags) if flags else y["status"]
        items.append((f"FY{fy}", value, status))
    return items


def _full(item: Item) -> tuple[str, Decimal | int | None, str]:
    """(label, value, status): items without a status are complete."""
    if len(item) == 3:
        return item[0], item[1], str(item[2])
    return item[0], item[1], "complete"


def describe(title: str, items: list[Item], unit: str) -> str:
    """A sentence for screen readers: the largest and smallest bar and the count."""
    drawn = [(it[0], it[1]) for it in items if it[1] is not None]
    if not drawn:
        return f"{title}: no data."
    ranked = sorted(drawn, key=lambda it: Decimal(it[1] or 0), reverse=True)
    hi, lo = ranked[0], ranked[-1]
    text = (
        f"{title}: {len(drawn)} bars. "
        f"Largest {hi[0]} at {_fmt(Decimal(hi[1] or 0), unit)}"
        f"; smallest {lo[0]} at {_fmt(Decimal(lo[1] or 0), unit)}."
    )
    gaps = [str(it[0]) for it in items if it[1] is None]
    full = [_full(it) for it in items]
    marked = [
        f"{label} ({', '.join(STATUS_WORDS[p] for p in status.split('+'))})"
        for label, value, status in full
        if value is not None and set(status.split("+")) <= set(STATUS_WORDS)
    ]
    if marked:
        text += " Read with care: " + ", ".join(marked) + "."
    if gaps:
        text += " No data for " + ", ".join(gaps) + "."
    return text + " The table below the chart lists every value."


def _fmt(value: Decimal, unit: str) -> str:
    if unit == "usd":
        if abs(value) >= 1_000_000:
            return f"${value / 1_000_000:,.1f}M"
        return money(value)
    return f"{value:,}"
