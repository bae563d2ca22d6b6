"""Server-drawn SVG bar charts: no chart library and no script, so they work under the
strict Content-Security-Policy. Each chart carries its text alternative; the page shows
the table of the same numbers next to it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from custodes.console import money

WIDTH = 640
BAR_GAP = 4
LABEL_W = 220


def build_bar_chart(
    chart_id: str, title: str, items: list[tuple[str, Decimal | int]], unit: str = "usd"
) -> dict[str, Any]:
    """Horizontal bars, one per (label, value); negative values drawn as zero-length."""
    values = [Decimal(v or 0) for _, v in items]
    top = max([v for v in values if v > 0], default=Decimal(1))
    bar_h = 22
    plot_w = WIDTH - LABEL_W - 150
    bars = []
    for i, ((label, _), value) in enumerate(zip(items, values, strict=True)):
        width = int(plot_w * max(value, Decimal(0)) / top) if top else 0
        bars.append(
            {
                "label": str(label),
                "text": _fmt(value, unit),
                "x": LABEL_W,
                "y": i * (bar_h + BAR_GAP),
                "w": max(width, 1),
                "h": bar_h,
                "negative": value < 0,
            }
        )
    height = max(len(bars), 1) * (bar_h + BAR_GAP)
    return {
        "id": chart_id,
        "title": title,
        "width": WIDTH,
        "height": height,
        "bars": bars,
        "label_w": LABEL_W,
        "desc": describe(title, items, unit),
    }


def describe(title: str, items: list[tuple[str, Decimal | int]], unit: str) -> str:
    """A sentence for screen readers: the largest and smallest bar and the count."""
    if not items:
        return f"{title}: no data."
    ranked = sorted(items, key=lambda it: Decimal(it[1] or 0), reverse=True)
    hi, lo = ranked[0], ranked[-1]
    text = (
        f"{title}: {len(items)} bars. "
        f"Largest {hi[0]} at {_fmt(Decimal(hi[1] or 0), unit)}"
        f"; smallest {lo[0]} at {_fmt(Decimal(lo[1] or 0), unit)}."
    )
    return text + " The table below the chart lists every value."


def _fmt(value: Decimal, unit: str) -> str:
    if unit == "usd":
        if abs(value) >= 1_000_000:
            return f"${value / 1_000_000:,.1f}M"
        return money(value)
    return f"{value:,}"
