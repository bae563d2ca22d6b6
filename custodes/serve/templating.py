"""Jinja2 environment for the pages: autoescape always on, a few formatting filters."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import ChainableUndefined, Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from custodes.console import money

FIELD_RE = re.compile(r"\{(\w+)\}")


def link_for(row: dict[str, Any], template: str) -> str | None:
    """Fill '/vendor/{vendor_id}' from a row, URL-quoting each value; None if a value
    is missing (then the cell is shown without a link)."""
    values = {}
    for name in FIELD_RE.findall(template):
        value = row.get(name)
        if value in (None, ""):
            return None
        values[name] = quote(str(value), safe="")
    return FIELD_RE.sub(lambda m: values[m.group(1)], template)


def with_query(params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in params.items() if v not in (None, "")}
    for key, value in changes.items():
        if value in (None, ""):
            merged.pop(key, None)
        else:
            merged[key] = value
    return ("?" + urlencode(merged)) if merged else ""


def cell(value: Any, is_money: bool = False, key: str = "") -> str:
    if value is None:
        return ""
    if is_money:
        return money(value)
    if key.endswith(("year", "_line", "step", "path")) or key in ("fy", "run_id"):
        return str(value)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def table_body(t: Any) -> Markup:
    """The rows of a Table as HTML (the body of macros.html's table): written in Python
    because it is the hot loop of every page (a few hundred cells), and a Jinja loop
    took most of the render time. Every value is escaped."""
    if not t.rows:
        return Markup(f'<tr><td colspan="{len(t.columns)}">No rows.</td></tr>\n')
    cols = [(key, key in t.money, t.links.get(key)) for key, _ in t.columns]
    out: list[str] = []
    for row in t.rows:
        out.append("<tr>")
        for key, is_money, link in cols:
            text = escape(cell(row.get(key), is_money, key))
            url = link_for(row, link) if link else None
            td = '<td class="num">' if is_money else "<td>"
            if url:
                out.append(f'{td}<a href="{escape(url)}">{text}</a></td>')
            else:
                out.append(f"{td}{text}</td>")
        out.append("</tr>\n")
    return Markup("".join(out))


def facet_items(
    key: str, items: list[dict[str, Any]], params: dict[str, Any]
) -> Markup:
    """A facet's values as list items, each a link to the search with that value
    chosen (and no page): the same addresses as with_query, written in Python for the
    same reason as table_body (up to 75 links on a search page). Every value is
    escaped."""
    base = {k: v for k, v in params.items() if v not in (None, "")}
    out: list[str] = []
    for f in items:
        chosen = dict(base)
        chosen[key] = f["value"]
        chosen.pop("page", None)
        url = escape("/search?" + urlencode(chosen))
        out.append(
            f'<li><a href="{url}">{escape(f["label"])}</a> '
            f'<span class="count">{escape(cell(f["awards"]))}</span></li>\n'
        )
    return Markup("".join(out))


def build_templates() -> Environment:
    env = Environment(
        loader=PackageLoader("custodes.serve", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # templates ship inside the package: no need to look at their files' times
        # on every page (that check was about 7% of a page's time under load)
        auto_reload=False,
    )
    env.filters["money"] = money
    env.filters["cell"] = cell
    env.globals["link_for"] = link_for
    env.globals["table_body"] = table_body
    env.globals["facet_items"] = facet_items
    env.globals["with_query"] = with_query
    return env
