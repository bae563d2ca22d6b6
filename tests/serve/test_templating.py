"""Markup written in Python for speed (custodes/serve/templating.py) is the markup the
Jinja loops it replaced wrote, value for value, and escapes what it is given."""

from __future__ import annotations

import random

from custodes.serve.templating import build_templates, facet_items

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
