"""The data web as the web app sees it: the explorer's graph, entry pages and "who can
reach" paths, with sources on everything (custodes.dataweb.explore does the shaping).

`DatawebSource(provider)` takes any object with the Explorer's functions (graph,
reach, show, data_categories); by default the shipped data web. Statuses are as of
`as_of` (today unless a test pins a day). When the data web cannot be loaded,
`available` is False and the pages say so.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import date
from typing import Any

NOT_BUILT = (
    "The data web could not be loaded (custodes/data/dataweb/ is missing or broken). "
    "Run `custodes check` to see why."
)


def plain(value: Any) -> Any:
    """Dataclasses, lists, tuples and dicts -> plain data."""
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return value


class DatawebSource:
    def __init__(self, provider: Any | None = None, as_of: date | None = None):
        if provider is None:
            provider = _default_provider()
        self.provider: Any = provider  # None when the data web cannot be loaded
        self.pinned = as_of
        self._graph: tuple[date, dict[str, Any]] | None = None
        # for the day: each node's text, and which nodes hold each word looked for
        self._texts: (
            tuple[date, list[tuple[str, dict[str, Any]]], dict[str, frozenset[int]]]
            | None
        ) = None

    @property
    def available(self) -> bool:
        return self.provider is not None and callable(
            getattr(self.provider, "graph", None)
        )

    def as_of(self) -> date:
        return self.pinned or date.today()

    def graph(self) -> dict[str, Any]:
        """{as_of, layers, categories, nodes, edges}; cached for the day (the curated
        data does not change while serving, the statuses change with the date)."""
        day = self.as_of()
        if self._graph is None or self._graph[0] != day:
            raw = plain(self.provider.graph(day)) if self.available else {}
            raw.setdefault("nodes", [])
            raw.setdefault("edges", [])
            raw.setdefault("as_of", day.isoformat())
            self._graph = (day, raw)
        return self._graph[1]

    def show(self, node_id: str) -> dict[str, Any] | None:
        """A curated entry (any id, sources included), else a graph node or edge
        (awards, relations)."""
        found = (
            plain(self.provider.show(node_id, self.as_of())) if self.available else None
        )
        if found:
            return dict(found)
        graph = self.graph()
        for item in graph["nodes"] + graph["edges"]:
            if item["id"] == node_id:
                return dict(item)
        return None

    def edges_of(self, node_id: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.graph()["edges"]
            if node_id in (e["source"], e["target"])
            or node_id == e.get("flow")
            or node_id == e.get("entry")
        ]

    def data_categories(self) -> list[str]:
        if not self.available:
            return []
        return sorted(str(c) for c in plain(self.provider.data_categories()))

    def reach(self, category: str) -> list[dict[str, Any]]:
        """Paths to those who can reach `category`: {summary, steps, segments}."""
        if not self.available:
            return []
        return list(plain(self.provider.reach(category, self.as_of())))

    def search(self, words: list[str], limit: int = 20) -> list[dict[str, Any]]:
        """Nodes whose id, label, kind and description hold every (upper-cased) word;
        each node's text is put together once a day."""
        return self.search_any([[[w]] for w in words], limit)

    def search_any(
        self, clauses: list[list[list[str]]], limit: int = 20
    ) -> list[dict[str, Any]]:
        """Nodes whose text holds, for every clause, all the (upper-cased) words of
        one of its alternatives (a search's words with their other spellings and
        synonyms, custodes/search/terms.py)."""
        day = self.as_of()
        if self._texts is None or self._texts[0] != day:
            self._texts = (
                day,
                [
                    (
                        " ".join(
                            str(node.get(k, ""))
                            for k in ("id", "label", "kind", "description")
                        ).upper(),
                        node,
                    )
                    for node in self.graph()["nodes"]
                ],
                {},
            )
        _, texts, holding = self._texts
        everything = frozenset(range(len(texts)))
        found = everything
        for clause in clauses:
            matching: set[int] = set()
            for alternative in clause:
                hits = everything
                for word in alternative:
                    hits = hits & _nodes_holding(word, texts, holding)
                matching |= hits
            found = found & matching
        return [texts[i][1] for i in sorted(found)[:limit]]


def _nodes_holding(
    word: str,
    texts: list[tuple[str, dict[str, Any]]],
    holding: dict[str, frozenset[int]],
) -> frozenset[int]:
    """The nodes (by position in TEXTS) whose text holds WORD: looked for once a day
    per word (kept in HOLDING), not once per search, since a search with synonyms
    looks for dozens."""
    hits = holding.get(word)
    if hits is None:
        if len(holding) >= 4096:
            holding.clear()
        hits = frozenset(i for i, (hay, _) in enumerate(texts) if word in hay)
        holding[word] = hits
    return hits


def _default_provider() -> Any | None:
    """The shipped data web, or None when it cannot be loaded."""
    from custodes.dataweb.explore import Explorer
    from custodes.errors import InputError

    explorer = Explorer()
    try:
        explorer.web  # noqa: B018 - load now, so a broken folder shows the notice
    except (OSError, InputError):
        return None
    return explorer
