"""How many word rows each search word has, held in memory for the search page.

serve_token_count (built at prepare) holds, for every word, how many rows of the word
table it has. A search word matches every word that starts with it, so the rows it
reads are a sum over a range of sorted words: with running totals, two binary searches
give it without a query. The search page uses it to read the rarest word's rows first
and to know, before reading them, whether few enough awards can match to count them in
Python (custodes/search/facets.py).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TokenCounts:
    tokens: tuple[str, ...]  # sorted as DuckDB sorts them (bytes; A-Z and 0-9 only)
    running: tuple[int, ...]  # running[i]: word rows of tokens[:i]

    def span(self, prefix: str) -> tuple[int, int]:
        """The positions [lo, hi) of the words that start with PREFIX ('~' sorts
        after them)."""
        lo = bisect_left(self.tokens, prefix)
        return lo, bisect_left(self.tokens, prefix + "~", lo)

    def rows(self, prefix: str) -> int:
        """Word rows of every word that starts with PREFIX."""
        lo, hi = self.span(prefix)
        return self.running[hi] - self.running[lo]

    def bounded(self, low: str, high: str) -> tuple[int, int]:
        """The positions [lo, hi) of the words from LOW up to, not including, HIGH."""
        lo = bisect_left(self.tokens, low)
        return lo, bisect_left(self.tokens, high, lo)

    def rows_between(self, low: str, high: str) -> int:
        lo, hi = self.bounded(low, high)
        return self.running[hi] - self.running[lo]

    def has(self, word: str) -> bool:
        """WORD is a word of the store (a whole word, not only the start of one)."""
        i = bisect_left(self.tokens, word)
        return i < len(self.tokens) and self.tokens[i] == word

    def rarest_first(self, tokens: list[str]) -> list[str]:
        """TOKENS ordered by their word rows, fewest first (ties keep their order)."""
        return sorted(tokens, key=self.rows)


def load_token_counts(reader: Any) -> TokenCounts | None:
    """The open store's counts, read on first use; None without the table."""
    return reader.derived("token_counts", _read_token_counts)


def _read_token_counts(reader: Any) -> TokenCounts | None:
    if not reader.has("serve_token_count"):
        return None
    rows = reader.rows("SELECT token, word_rows FROM serve_token_count", cache=False)
    rows.sort(key=lambda r: r["token"])
    running = [0]
    for r in rows:
        running.append(running[-1] + r["word_rows"])
    return TokenCounts(tuple(r["token"] for r in rows), tuple(running))
