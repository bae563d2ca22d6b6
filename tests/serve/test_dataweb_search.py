"""The data-web search of the search page (DatawebSource.search_any) finds the nodes
whose text holds, for every clause, all the words of one of its alternatives: the
same nodes, in the same order, as looking through every node's text."""

from __future__ import annotations

import random
from typing import Any

from custodes.serve.dataweb_source import DatawebSource


def looked_through(
    source: DatawebSource, clauses: list[list[list[str]]], limit: int
) -> list[dict[str, Any]]:
    nodes = source.graph()["nodes"]
    keys = ("id", "label", "kind", "description")
    texts = [(" ".join(str(n.get(k, "")) for k in keys).upper(), n) for n in nodes]
    hits = [
        node
        for hay, node in texts
        if all(any(all(w in hay for w in alt) for alt in c) for c in clauses)
    ]
    return hits[:limit]


def test_search_any_finds_what_looking_through_every_node_finds():
    source = DatawebSource()
    assert source.available
    nodes = source.graph()["nodes"]
    assert len(nodes) > 20
    words = sorted(
        {w for n in nodes for w in str(n.get("label", "")).upper().split() if w}
    )
    words += ["ZZZNOTHERE", "A", "ICE", "LICENSE", "PLATE", "DATA"]
    rng = random.Random(3)
    found_some = 0
    for _ in range(400):
        clauses = [
            [
                [rng.choice(words) for _ in range(rng.randint(0, 2))]
                for _ in range(rng.randint(0, 3))
            ]
            for _ in range(rng.randint(0, 3))
        ]
        limit = rng.choice([1, 5, 20, 1000])
        want = looked_through(source, clauses, limit)
        assert source.search_any(clauses, limit) == want, clauses
        found_some += bool(want) and len(want) < len(nodes)
    assert found_some > 20  # the searches tried do tell nodes apart
    assert source.search(["ZZZNOTHERE"]) == []
