"""Markup written in Python for speed (custodes/serve/templating.py) is the markup the
Jinja loops it replaced wrote, value for value, and escapes what it is given."""

from __future__ import annotations

import random
from decimal import Decimal

from markupsafe import escape

from custodes.serve.templating import (
    build_templates,
    cell,
    facet_items,
    link_for,
    table_body,
)
from custodes.serve.views import Table

# The search page's facet loop before facet_items replaced it.
FACET_LOOP = """{% for f in items %}
<li><a href="/search{{ with_query(params, **{key: f.value, 'page': None}) }}">\
{{ f.label }}</a> <span class="count">{{ f.awards | cell }}</span></li>
{% endfor %}"""


def test_facet_items_write_what_the_jinja_loop_wrote():
    loop = build_templates().from_string(FACET_LOOP)
    rng = random.Random(1)
    texts = ["", "x&y", "<b>", "ICE", "2022", None, "é&\"'", "a b"]
    for _ in range(300):
        keys = rng.sample(["q", "agency", "fy", "page", "vendor", "size"], 3)
        params = {k: rng.choice(texts) for k in keys}
        items = [
            {
                "value": rng.choice(["a b", "<script>", "7012", 2021, "é&\"'"]),
                "label": rng.choice(["L<1>", "Ünï", '"q"', "<img src=x>"]),
                "awards": rng.randint(0, 10**7),
            }
            for _ in range(rng.randint(0, 6))
        ]
        key = rng.choice(["agency", "fy", "vendor", "maker"])
        want = loop.render(items=items, params=params, key=key)
        assert str(facet_items(key, items, params)) == want


def test_facet_items_escape_labels_and_values():
    html = str(
        facet_items(
            "vendor",
            [
                {
                    "value": '"><script>',
                    "label": "<script>alert(1)</script>",
                    "awards": 3,
                }
            ],
            {"q": "<b>"},
        )
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def table_body_by_cell(t: Table) -> str:
    """table_body as it was written before it worked out each column once: every
    cell through cell(), link_for() and escape()."""
    if not t.rows:
        return f'<tr><td colspan="{len(t.columns)}">No rows.</td></tr>\n'
    out = []
    for row in t.rows:
        out.append("<tr>")
        for key, _ in t.columns:
            is_money = key in t.money
            text = escape(cell(row.get(key), is_money, key))
            link = t.links.get(key)
            url = link_for(row, link) if link else None
            td = '<td class="num">' if is_money else "<td>"
            if url:
                out.append(f'{td}<a href="{escape(url)}">{text}</a></td>')
            else:
                out.append(f"{td}{text}</td>")
        out.append("</tr>\n")
    return "".join(out)


def test_table_body_writes_what_escaping_each_cell_wrote():
    rng = random.Random(2)
    keys = ["fiscal_year", "fy", "run_id", "vendor_id", "label", "awards",
            "obligation_usd", "share", "path", "counted"]  # fmt: skip
    values = [None, "", 0, 7, -12345678, True, False, 0.123456, 2.5e-7,
              Decimal("1234.5"), Decimal("-0.004"), "x&y", "<b>\"q\"</b>", "é'",
              "a/b c", 2024]  # fmt: skip
    for _ in range(200):
        columns = [(k, k.title()) for k in rng.sample(keys, rng.randint(1, 6))]
        chosen = [k for k, _ in columns]
        money_keys = tuple(k for k in chosen if rng.random() < 0.3)
        links = {
            k: rng.choice(
                ["/vendor/{vendor_id}", "/x/{label}?y={awards}", "/{" + k + "}"]
            )
            for k in chosen
            if rng.random() < 0.4
        }
        rows = [
            {k: rng.choice(values) for k in keys if rng.random() < 0.9}
            for _ in range(rng.randint(0, 5))
        ]
        for r in rows:  # money columns hold amounts, as the pages' tables do
            for k in money_keys:
                if k in r and not isinstance(r[k], (int, Decimal, type(None))):
                    r[k] = Decimal("3.25")
        t = Table(columns, rows, "caption", money=money_keys, links=links)
        assert str(table_body(t)) == table_body_by_cell(t)


def test_table_body_escapes_values_and_links():
    t = Table(
        [("label", "Label")],
        [{"label": '"><script>alert(1)</script>'}],
        links={"label": "/x/{label}?a=1&b=2"},
    )
    html = str(table_body(t))
    assert "<script>" not in html
    assert "&amp;b=2" in html and "&lt;script&gt;" in html
