"""A picture of part of the data web for reports: hand-written SVG; PNG via vl-convert.

Layout: the chosen entry in the centre, entries one step away on the first ring, two
steps on the second, and so on; entries of the same kind sit together on a ring. Data
flows are drawn bold with their data categories; other relations thin and grey.
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import escape

import networkx as nx

from custodes.dataweb.graph import build_graph, neighbourhood
from custodes.dataweb.model import DataWeb
from custodes.dataweb.queries import entry_or_404
from custodes.errors import InputError

COLOURS = {
    "organisation": "#4e79a7",
    "system": "#f28e2b",
    "data_source": "#e15759",
    "agreement": "#76b7b2",
    "figure": "#bab0ac",
    "award": "#59a14f",
}
KIND_ORDER = list(COLOURS)
RING = 190
MARGIN = 140


def _rings(graph: nx.MultiDiGraph, centre: str) -> list[list[str]]:
    distance = nx.single_source_shortest_path_length(
        graph.to_undirected(as_view=True), centre
    )
    depth = max(distance.values(), default=0)
    rings: list[list[str]] = [[] for _ in range(depth + 1)]
    for node in graph.nodes:
        rings[distance.get(node, depth)].append(node)
    for ring in rings:
        ring.sort(
            key=lambda n: (KIND_ORDER.index(graph.nodes[n].get("kind", "figure")), n)
        )
    return rings


def layout(graph: nx.MultiDiGraph, centre: str) -> dict[str, tuple[float, float]]:
    """Concentric rings around `centre`; coordinates start at (0, 0) top left."""
    rings = _rings(graph, centre)
    radii, radius = [], 0.0
    for ring in rings[
        1:
    ]:  # a ring grows so that its labels have room (about 30 px each)
        radius = max(radius + RING, len(ring) * 30 / (2 * math.pi))
        radii.append(radius)
    mid = (radii[-1] if radii else 0) + MARGIN
    pos = {centre: (mid, mid)}
    for depth, (ring, radius) in enumerate(zip(rings[1:], radii, strict=True), start=1):
        nodes = [n for n in ring if n != centre]
        for i, node in enumerate(nodes):
            angle = 2 * math.pi * i / max(len(nodes), 1) + depth * 0.35
            pos[node] = (mid + radius * math.cos(angle), mid + radius * math.sin(angle))
    return pos


def _edge_svg(graph: nx.MultiDiGraph, pos: dict, u: str, v: str, attrs: dict) -> str:
    (x1, y1), (x2, y2) = pos[u], pos[v]
    flow = attrs.get("relation") == "flow"
    style = (
        'stroke="#c0392b" stroke-width="2.2"'
        if flow
        else 'stroke="#999" stroke-width="1" stroke-dasharray="4 3"'
    )
    label = (
        ", ".join(attrs.get("data_categories", [])[:3])
        if flow
        else attrs.get("relation", "")
    )
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {style} '
        f'marker-end="url(#arrow)"/>'
        f'<text x="{mx:.1f}" y="{my:.1f}" class="edge">{escape(label)}</text>'
    )


def _node_svg(graph: nx.MultiDiGraph, pos: dict, node: str, centre: str) -> str:
    x, y = pos[node]
    attrs = graph.nodes[node]
    colour = COLOURS.get(attrs.get("kind", ""), "#888")
    radius = 16 if node == centre else 10
    label = str(attrs.get("label", node))
    label = label if len(label) <= 34 else label[:32] + "…"
    return (
        f"<g><title>{escape(node)}</title>"
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}" '
        'stroke="#333"/>'
        f'<text x="{x:.1f}" y="{y + radius + 12:.1f}" class="node">'
        f"{escape(label)}</text></g>"
    )


def _legend(kinds: set[str]) -> str:
    """The colour key of the kinds of entry the picture shows (no others)."""
    shown = [(k, c) for k, c in COLOURS.items() if k in kinds]
    items = [
        f'<circle cx="20" cy="{40 + 18 * i}" r="6" fill="{c}"/>'
        f'<text x="32" y="{44 + 18 * i}" class="legend">{k.replace("_", " ")}</text>'
        for i, (k, c) in enumerate(shown)
    ]
    return "".join(items)


def svg(web: DataWeb, centre: str, depth: int = 1) -> str:
    """An SVG document of the entries within `depth` steps of `centre`."""
    entry_or_404(web, centre)
    if depth < 1:
        raise InputError("--depth must be 1 or more.")
    sub = neighbourhood(build_graph(web), centre, depth)
    pos = layout(sub, centre)
    size = (
        max(max(x for x, _ in pos.values()), max(y for _, y in pos.values())) + MARGIN
    )
    cited = {s for _, attrs in sub.nodes(data=True) for s in attrs.get("sources", [])}
    cited |= {
        s for _, _, attrs in sub.edges(data=True) for s in attrs.get("sources", [])
    }
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{size:.0f}" height="{size:.0f}" '
        f'viewBox="0 0 {size:.0f} {size:.0f}" font-family="DejaVu Sans, sans-serif">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="18" refY="5" '
        'markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#666"/></marker></defs>',
        "<style>.node{font-size:11px;text-anchor:middle;fill:#222}"
        ".edge{font-size:9px;text-anchor:middle;fill:#a33}"
        ".legend{font-size:11px;fill:#222}.title{font-size:15px;font-weight:bold}</style>",
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="12" y="22" class="title">'
        f"custodes data web: {escape(web.label(centre))}"
        f" ({escape(centre)}), depth {depth}</text>",
        _legend({str(a.get("kind", "")) for _, a in sub.nodes(data=True)}),
    ]
    parts += [_edge_svg(sub, pos, u, v, a) for u, v, a in sub.edges(data=True)]
    parts += [_node_svg(sub, pos, n, centre) for n in sub.nodes]
    parts.append(
        f'<text x="12" y="{size - 12:.0f}" class="legend">{sub.number_of_nodes()} '
        f"entries, {sub.number_of_edges()} relations, {len(cited)} cited sources. "
        f"Details and citations: custodes graph show {escape(centre)}</text></svg>"
    )
    return "\n".join(parts)


def write_picture(web: DataWeb, centre: str, out: Path, depth: int = 1) -> None:
    """Write an .svg or .png picture of the subgraph around `centre`."""
    suffix = out.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise InputError(
            f"Cannot render to {out.name}: use a file name ending in .svg or .png."
        )
    document = svg(web, centre, depth)
    if suffix == ".svg":
        out.write_text(document, encoding="utf-8")
        return
    try:
        import vl_convert
    except ImportError as exc:
        raise InputError(
            "PNG output needs vl-convert-python (pip install 'custodes[charts]'); "
            "or write .svg instead."
        ) from exc
    out.write_bytes(vl_convert.svg_to_png(document, scale=1.0))
