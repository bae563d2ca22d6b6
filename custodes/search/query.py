"""What a search asks: its text, its filters and the page of results wanted.

`Query.from_params` reads the web app's query parameters (and the `custodes search`
options, passed the same way) with every bound checked; anything out of bounds is an
InputError with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from custodes.search.facets import FILTERS
from custodes.serve import params as P


@dataclass(frozen=True)
class Query:
    text: str | None = None
    agency: str | None = None  # sub-agency code (ICE and CBP are read as theirs)
    fiscal_year: int | None = None
    category: str | None = None
    vendor: str | None = None
    maker: str | None = None
    page: int = 1
    size: int = 25

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Query:
        page, size = P.page(params)
        query = cls(
            text=P.text(params, "q"),
            agency=P.agency(params),
            fiscal_year=P.fiscal_year(params),
            category=P.identifier(params, "category"),
            vendor=P.identifier(params, "vendor"),
            maker=P.text(params, "maker", 100),
            page=page,
            size=size,
        )
        P.search_terms(query.text)  # bounds the number of words
        return query

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def chosen(self) -> dict[str, Any]:
        """The search parameters by name, as the page and its JSON show them."""
        return {
            "q": self.text,
            "agency": self.agency,
            "fy": self.fiscal_year,
            "category": self.category,
            "vendor": self.vendor,
            "maker": self.maker,
        }

    def filters(self) -> dict[str, Any]:
        """The chosen facet filters by the column they filter (agency_code, ...)."""
        chosen = self.chosen()
        return {col: chosen[key] for key, col in FILTERS if chosen[key] is not None}

    def words(self) -> list[str]:
        """The upper-cased words of the text (split at spaces), at most 8."""
        return P.search_terms(self.text)
