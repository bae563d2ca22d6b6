"""Server-drawn SVG bar charts: no chart library and no script, so they work under the
strict Content-Security-Policy. Each chart carries its text alternative and a caption
(what it counts and its coverage); the page shows the table of the same numbers next
to it.

A bar can carry a coverage status (custodes/figures/coverage.py): `sample` bars are
hatched, `partial` bars pale, and a `missing` year keeps its row with no bar and the
words "no data", so that a gap is never read as a zero.
"""

from __future__ import annotations

from datetime import date, timedelta
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
            sign = "-" if value < 0 else ""
            return f"{sign}${abs(value) / 1_000_000:,.1f}M"
        return money(value)
    return f"{value:,}"


TIMELINE_H = 300
PAD_L, PAD_R, PAD_T, PAD_B = 90, 20, 24, 66


def build_timeline_chart(
    chart_id: str,
    title: str,
    actions: list[tuple[date, str, Decimal | int | None]],
    ceiling: list[tuple[date, Decimal]] | None = None,
    period: dict[str, date | None] | None = None,
) -> dict[str, Any]:
    """An award's modification timeline on a time axis: the running total of net
    obligations as a step line with a point per action (ACTIONS: date, label such as
    'mod P00001', amount), the ceiling as it changed (CEILING: date, ceiling as of it)
    as a dashed step line, and the period of performance (PERIOD: start, current_end,
    potential_end) as marked dates. Drawn on the server: no script, CSP-safe."""
    points: list[tuple[date, str, Decimal, Decimal]] = []
    running = Decimal(0)
    for day, label, amount in sorted(actions, key=lambda a: a[0]):
        running += Decimal(amount or 0)
        points.append((day, label, Decimal(amount or 0), running))
    ceiling = [(d, Decimal(v)) for d, v in (ceiling or [])]
    marks = [
        (name, day)
        for name, day in (
            ("start", (period or {}).get("start")),
            ("current end", (period or {}).get("current_end")),
            ("potential end", (period or {}).get("potential_end")),
        )
        if day is not None
    ]
    days = [p[0] for p in points] + [d for d, _ in ceiling] + [d for _, d in marks]
    if not days:
        return {"id": chart_id, "title": title, "points": []}
    first, last = min(days), max(days)
    if (last - first).days < 60:  # a short contract: a little room on each side
        first, last = first - timedelta(days=30), last + timedelta(days=30)
    span = max((last - first).days, 1)
    values = [p[3] for p in points] + [v for _, v in ceiling] + [Decimal(0)]
    top, bottom = max(values), min(values)
    if top == bottom:
        top = bottom + 1
    plot_w = WIDTH - PAD_L - PAD_R
    plot_h = TIMELINE_H - PAD_T - PAD_B

    def x(day: date) -> float:
        return round(PAD_L + plot_w * (day - first).days / span, 1)

    def y(value: Decimal) -> float:
        return round(PAD_T + float(plot_h * (top - value) / (top - bottom)), 1)

    def steps(series: list[tuple[date, Decimal]]) -> str:
        parts, prev = [], None
        for day, value in series:
            if prev is None:
                parts.append(f"M{x(day)},{y(value)}")
            else:
                parts.append(f"H{x(day)} V{y(value)}")
            prev = value
        return " ".join(parts)

    running_path = steps([(p[0], p[3]) for p in points])
    if points:
        running_path += f" H{x(last)}"
    ceiling_path = steps(ceiling) + (f" H{x(last)}" if ceiling else "")
    return {
        "id": chart_id,
        "title": title,
        "width": WIDTH,
        "height": TIMELINE_H,
        "plot": {
            "left": PAD_L,
            "right": WIDTH - PAD_R,
            "top": PAD_T,
            "bottom": TIMELINE_H - PAD_B,
        },
        "zero_y": y(Decimal(0)),
        "running_path": running_path,
        "ceiling_path": ceiling_path if ceiling else "",
        "points": [
            {
                "x": x(day),
                "y": y(total),
                "negative": amount < 0,
                "title": f"{day} {label}: {_fmt(amount, 'usd')} "
                f"(running total {_fmt(total, 'usd')})",
            }
            for day, label, amount, total in points
        ],
        "marks": [
            {
                "name": name,
                "x": x(day),
                "y": TIMELINE_H - PAD_B + 28 + 12 * i,
                "anchor": "start" if x(day) < PAD_L + plot_w / 2 else "end",
                "text": f"{name} {day}",
            }
            for i, (name, day) in enumerate(marks)
        ],
        "x_ticks": _year_ticks(first, last, x),
        "y_ticks": [
            {"y": y(v), "text": _fmt(v, "usd")}
            for v in sorted({bottom, Decimal(0), top})
        ],
        "desc": describe_timeline(title, points, ceiling, marks),
    }


def _year_ticks(first: date, last: date, x: Any) -> list[dict[str, Any]]:
    """A tick at each 1 January inside the range (at most 12, evenly thinned)."""
    years = list(range(first.year + 1, last.year + 1))
    step = max(1, -(-len(years) // 12))
    ticks = [{"x": x(date(yr, 1, 1)), "text": str(yr)} for yr in years[::step]]
    return ticks or [{"x": x(first), "text": str(first)}]


def describe_timeline(
    title: str,
    points: list[tuple[date, str, Decimal, Decimal]],
    ceiling: list[tuple[date, Decimal]],
    marks: list[tuple[str, date]],
) -> str:
    """The chart in words, for screen readers and as its caption."""
    if not points:
        text = f"{title}: no actions."
    else:
        text = (
            f"{title}: {len(points)} action(s) from {points[0][0]} to "
            f"{points[-1][0]}; net obligations reached "
            f"{_fmt(points[-1][3], 'usd')}."
        )
    if ceiling:
        text += f" Ceiling (base and all options) {_fmt(ceiling[-1][1], 'usd')}."
    if marks:
        text += (
            " Period of performance: "
            + ", ".join(f"{name} {day}" for name, day in marks)
            + "."
        )
    return text + " The table below the chart lists every action."
