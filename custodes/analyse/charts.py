"""Publishable charts: Vega-Lite through Altair, rendered offline to PNG and SVG.

Charts are 340 px wide so they read on a phone without zooming; every chart has a title,
labelled axes, and a source line naming USAspending.gov and the custodes versions.
Amounts are converted to float only to draw bars; every printed figure stays exact.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from custodes.errors import ConfigError

WIDTH = 340
MAX_BARS = 15
LABEL_LIMIT = 280  # pixels: "Electronic monitoring of people under supervision"


def _altair() -> Any:
    try:
        import altair as alt
    except ImportError as exc:  # pragma: no cover
        raise ConfigError(
            "Charts need Altair: pip install 'custodes[charts]'."
        ) from exc
    return alt


def _millions(value: Decimal | None) -> float:
    return float((value or Decimal(0)) / Decimal(1_000_000))


def bar_chart(
    rows: list[dict[str, Any]],
    label_key: str,
    title: str,
    subtitle: str,
    source_line: str,
    horizontal: bool = True,
    group_title: str = "",
) -> Any:
    """One bar per row: rows need `label_key` and `obligation_usd`."""
    alt = _altair()
    data = [
        {
            "label": str(r[label_key]),
            "usd_m": _millions(r["obligation_usd"]),
            "usd": f"${r['obligation_usd']:,.2f}",
        }
        for r in rows[:MAX_BARS]
    ]
    amount = alt.X if horizontal else alt.Y
    group = alt.Y if horizontal else alt.X
    order = "-x" if horizontal else None
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color="#3b5b92")
        .encode(
            amount(
                "usd_m:Q",
                title="Net obligations (US$ millions)",
                axis=alt.Axis(format=",.0f"),
            ),
            group(
                "label:N",
                title=None if horizontal else group_title,
                sort=order,
                axis=alt.Axis(labelLimit=LABEL_LIMIT, labelAngle=0),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Group"),
                alt.Tooltip("usd:N", title="Net"),
            ],
        )
        .properties(
            width=WIDTH - 80 if horizontal else WIDTH,
            height=max(120, 22 * len(data)) if horizontal else 220,
            title=alt.Title(title, subtitle=subtitle, anchor="start"),
        )
    )
    return _with_source(chart, source_line)


STATUS_LABELS = {
    "complete": "complete year",
    "partial": "partial year",
    "sample": "sample (not every transaction)",
    "sample+partial": "sample, partial year",
    "missing": "no data (gap)",
}


def year_chart(
    rows: list[dict[str, Any]],
    years: list[dict[str, Any]],
    title: str,
    subtitle: str,
    source_line: str,
) -> Any:
    """Net obligations by fiscal year as vertical bars, one per year of the coverage
    YEARS (custodes/figures/coverage.py): a sample year hatched-looking (a light fill
    with a dark outline), a partial year pale, a missing year left empty with "no
    data" written where its bar would be, so that a gap is never read as a zero. The
    legend names each status present. ROWS: fiscal_year, obligation_usd."""
    alt = _altair()
    values = {r["fiscal_year"]: r["obligation_usd"] for r in rows}
    if not years:
        years = [{"fiscal_year": y, "missing": False, "sample": False,
                  "partial": None} for y in sorted(values)]  # fmt: skip
    data = []
    for y in years:
        fy = y["fiscal_year"]
        flags = [f for f in ("sample", "partial") if y.get(f)]
        status = "missing" if y["missing"] else ("+".join(flags) or "complete")
        value = values.get(fy)
        data.append(
            {
                "label": f"FY{fy}",
                "usd_m": None if y["missing"] else _millions(value),
                "usd": "no data" if y["missing"] else f"${value or 0:,.2f}",
                "status": STATUS_LABELS[status],
                "note": "no data" if y["missing"] else "",
                "zero": 0.0,
            }
        )
    present = [STATUS_LABELS[k] for k in STATUS_LABELS
               if STATUS_LABELS[k] in {d["status"] for d in data}]  # fmt: skip
    colors = {
        STATUS_LABELS["complete"]: "#3b5b92",
        STATUS_LABELS["partial"]: "#a9bbd9",
        STATUS_LABELS["sample"]: "#e8eef7",
        STATUS_LABELS["sample+partial"]: "#e8eef7",
        STATUS_LABELS["missing"]: "#ffffff",
    }
    base = alt.Chart(alt.Data(values=data))
    order = [d["label"] for d in data]
    x = alt.X("label:N", title="Fiscal year", sort=order,
              axis=alt.Axis(labelAngle=0))  # fmt: skip
    y_title = "Net obligations (US$ millions)"
    bars = base.mark_bar(stroke="#3b5b92", strokeWidth=1.2).encode(
        x,
        alt.Y("usd_m:Q", title=y_title, axis=alt.Axis(format=",.0f")),
        alt.Color(
            "status:N",
            title="Coverage",
            scale=alt.Scale(domain=present, range=[colors[p] for p in present]),
            legend=alt.Legend(orient="bottom", direction="vertical"),
        ),
        alt.StrokeDash(
            "status:N",
            scale=alt.Scale(
                domain=present,
                range=[[4, 2] if "sample" in p or "partial" in p else [1, 0]
                       for p in present],
            ),
            legend=None,
        ),
        tooltip=[alt.Tooltip("label:N", title="Year"),
                 alt.Tooltip("usd:N", title="Net"),
                 alt.Tooltip("status:N", title="Coverage")],
    )  # fmt: skip
    gaps = base.transform_filter("datum.note != ''").mark_text(
        baseline="middle", dx=4, fontSize=10, color="#555", angle=270, align="left"
    ).encode(x, alt.Y("zero:Q", title=y_title), text="note:N")  # fmt: skip
    chart = alt.layer(bars, gaps).properties(
        width=WIDTH,
        height=220,
        title=alt.Title(title, subtitle=subtitle, anchor="start"),
    )
    return _with_source(chart, source_line)


def month_chart(
    rows: list[dict[str, Any]], title: str, subtitle: str, source_line: str
) -> Any:
    """Net obligations per calendar month as a line with points (rows need `label`
    as YYYY-MM and `obligation_usd`); every month in the rows is drawn, in order."""
    alt = _altair()
    biggest = max((abs(r["obligation_usd"] or 0) for r in rows), default=0)
    scale, unit = (
        (Decimal(1_000_000), "millions")
        if biggest >= 1_000_000
        else (Decimal(1_000), "thousands")
    )
    data = [
        {
            "month": f"{r['label']}-01",
            "usd_m": float((r["obligation_usd"] or Decimal(0)) / scale),
            "usd": f"${r['obligation_usd']:,.2f}",
            "label": r["label"],
        }
        for r in sorted(rows, key=lambda r: r["label"])
    ]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_line(color="#3b5b92", point=alt.OverlayMarkDef(color="#3b5b92", size=18))
        .encode(
            alt.X(
                "month:T",
                title="Month of the action date",
                axis=alt.Axis(format="%b %Y", labelAngle=-45, tickCount=8),
            ),
            alt.Y(
                "usd_m:Q",
                title=f"Net obligations (US$ {unit})",
                axis=alt.Axis(format=",.1f"),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Month"),
                alt.Tooltip("usd:N", title="Net"),
            ],
        )
        .properties(
            width=WIDTH,
            height=220,
            title=alt.Title(title, subtitle=subtitle, anchor="start"),
        )
    )
    return _with_source(chart, source_line)


def _with_source(chart: Any, source_line: str) -> Any:
    """Put the source line under the chart (a bottom title of a one-chart group)."""
    alt = _altair()
    footer = alt.Title(
        source_line.split("|"),
        orient="bottom",
        anchor="start",
        fontSize=10,
        fontWeight="normal",
        color="#555",
        offset=12,
    )
    return (
        alt.vconcat(chart, title=footer)
        .configure_view(stroke=None)
        .configure_title(fontSize=15, subtitleFontSize=11)
    )


def wrap_source(text: str, width: int = 60) -> str:
    """Break the source line into '|'-separated lines (Vega's lineBreak) for phone
    width."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "|".join([*lines, line])


def write_chart(chart: Any, stem: Path) -> list[Path]:
    """Render CHART to STEM.png (2x, for sharp phone screens) and STEM.svg."""
    import vl_convert as vlc

    spec = chart.to_dict()
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    png.write_bytes(vlc.vegalite_to_png(spec, scale=2))
    svg.write_text(vlc.vegalite_to_svg(spec))
    return [png, svg]
