"""Jinja2 environment for the pages: autoescape always on, a few formatting filters."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

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


def percent(value: Any) -> str:
    """A share (0.1234) as a page states it: 12.3%; a share above nothing that would
    read 0.0% as <0.1%."""
    if not isinstance(value, (int, float, Decimal)) or isinstance(value, bool):
        return str(value)
    if 0 < value < 0.0005:
        return "<0.1%"
    return f"{100 * float(value):.1f}%"


def change_percent(value: Any) -> str:
    """A change in per cent (6.6, -2.4) as a page states it: +6.6%, -2.4%."""
    if not isinstance(value, (int, float, Decimal)) or isinstance(value, bool):
        return str(value)
    return f"{value:+,.1f}%"


def cell(value: Any, is_money: bool = False, key: str = "") -> str:
    if value is None:
        return ""
    if is_money:
        return money(value)
    if key.endswith("_share"):
        return percent(value)
    if key.endswith("_pct"):
        return change_percent(value)
    if key == "confidence" and isinstance(value, float):
        return f"{value:.2f}"  # as the command line prints it (0.64, not 0.635)
    if key.endswith(("year", "_line", "step", "path")) or key in ("fy", "run_id"):
        return str(value)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


_PLAIN_ENDS = ("year", "_line", "step", "path")


def _escaped(text: str) -> str:
    """What markupsafe.escape does to text, without making a Markup object per cell
    (five replaces, each a fast scan that returns the text itself when it has no such
    character, cost a third of one str.translate)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def _number_or_text(value: Any) -> str:
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _cell_format(key: str, is_money: bool) -> Any:
    """What cell(value, is_money, key) does to a value other than None, chosen once
    per column instead of once per cell."""
    if is_money:
        return money
    if key.endswith("_share"):
        return percent
    if key.endswith("_pct"):
        return change_percent
    if key == "confidence":
        return lambda v: f"{v:.2f}" if isinstance(v, float) else _number_or_text(v)
    if key.endswith(_PLAIN_ENDS) or key in ("fy", "run_id"):
        return str
    return _number_or_text


@cache
def _link_parts(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """'/vendor/{vendor_id}' -> (('/vendor/', ''), ('vendor_id',)): the literal text
    around each field and the fields, split once per template."""
    pieces = FIELD_RE.split(template)
    return tuple(pieces[0::2]), tuple(pieces[1::2])


@lru_cache(maxsize=16384)
def _quoted(value: str) -> str:
    """quote(VALUE, safe=""), remembered: link values (award keys, vendor ids,
    categories) come back page after page."""
    return quote(value, safe="")


def _link(row: dict[str, Any], template: str) -> str | None:
    """link_for(row, template), with the template split once."""
    texts, names = _link_parts(template)
    out = [texts[0]]
    for name, text in zip(names, texts[1:], strict=True):
        value = row.get(name)
        if value in (None, ""):
            return None
        out.append(_quoted(str(value)))
        out.append(text)
    return "".join(out)


def table_body(t: Any) -> Markup:
    """The rows of a Table as HTML (the body of macros.html's table): written in Python
    because it is the hot loop of every page (a few hundred cells), and a Jinja loop
    took most of the render time. Every value is escaped; each cell as
    `escape(cell(value, is_money, key))`, how a column is formatted and its link
    template worked out once per column (tests/serve/test_templating.py)."""
    if not t.rows:
        return Markup(f'<tr><td colspan="{len(t.columns)}">No rows.</td></tr>\n')
    cols = []
    for key, _ in t.columns:
        is_money = key in t.money
        cols.append(
            (
                key,
                _cell_format(key, is_money),
                t.links.get(key),
                '<td class="num">' if is_money else "<td>",
            )
        )
    out: list[str] = []
    add = out.append
    for row in t.rows:
        add("<tr>")
        for key, fmt, link, td in cols:
            value = row.get(key)
            text = "" if value is None else _escaped(fmt(value))
            url = _link(row, link) if link else None
            if url:
                add(f'{td}<a href="{_escaped(url)}">{text}</a></td>')
            else:
                add(f"{td}{text}</td>")
        add("</tr>\n")
    return Markup("".join(out))


def facet_items(
    key: str, items: list[dict[str, Any]], params: dict[str, Any]
) -> Markup:
    """A facet's values as list items, each a link to the search with that value
    chosen (and no page): the same addresses as with_query, written in Python for the
    same reason as table_body (up to 75 links on a search page). The other parameters
    are encoded once per facet, not once per value. KEY is a facet, never `page`.
    Every value is escaped."""
    chosen = {k: v for k, v in params.items() if v not in (None, "") and k != "page"}
    pairs = [
        (k, f"{quote_plus(str(k))}={quote_plus(str(v))}") for k, v in chosen.items()
    ]
    names = [k for k, _ in pairs]
    at = names.index(key) if key in chosen else len(pairs)
    head = "/search?" + "".join(p + "&" for _, p in pairs[:at])
    tail = "".join("&" + p for _, p in pairs[at + 1 :])
    name = quote_plus(key) + "="
    out: list[str] = []
    for f in items:
        url = _escaped(f"{head}{name}{quote_plus(str(f['value']))}{tail}")
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
