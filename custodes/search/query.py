"""What a search asks: its text, its filters and the page of results wanted.

`Query.from_params` reads the web app's query parameters (and the `custodes search`
options, passed the same way) with every bound checked; anything out of bounds is an
InputError with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from custodes.errors import InputError
from custodes.search.facets import FILTERS
from custodes.serve import params as P

# the orders a search can be sorted in (the first is the default), with their labels
SORTS = {
    "largest": "largest obligations first",
    "smallest": "smallest obligations first",
    "newest": "newest first action first",
    "oldest": "oldest first action first",
}
MAX_AMOUNT = Decimal(10) ** 13  # dollars; obligations are far smaller
EPOCH = date(1970, 1, 1)


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
    sort: str = "largest"  # one of SORTS
    min_usd: Decimal | None = None  # the award's obligations, at least
    max_usd: Decimal | None = None  # and at most
    date_from: date | None = None  # an award with actions from this day ...
    date_to: date | None = None  # ... to this one (its first action on or before)
    # with `vendor`: the awards of more than one payee that paid it, found by id as
    # well as by their latest vendor (custodes/search/payees.py; set by the engine)
    vendor_awards: tuple[int, ...] = ()

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
            sort=P.choice(params, "sort", tuple(SORTS), "largest"),
            min_usd=amount(params, "min"),
            max_usd=amount(params, "max"),
            date_from=day(params, "from"),
            date_to=day(params, "to"),
        )
        P.search_terms(query.text)  # bounds the number of words
        if query.min_usd is not None and query.max_usd is not None:
            if query.min_usd > query.max_usd:
                raise InputError("Parameter 'min' is larger than 'max'. Swap them.")
        if query.date_from and query.date_to and query.date_from > query.date_to:
            raise InputError("Parameter 'from' is after 'to'. Swap them.")
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
            "sort": self.sort,
            "min": self.min_usd,
            "max": self.max_usd,
            "from": self.date_from,
            "to": self.date_to,
        }

    @property
    def min_cents(self) -> int | None:
        return None if self.min_usd is None else int(self.min_usd * 100)

    @property
    def max_cents(self) -> int | None:
        return None if self.max_usd is None else int(self.max_usd * 100)

    def day_range(self) -> tuple[int | None, int | None]:
        """DATE_FROM and DATE_TO as days since 1970-01-01."""
        return (
            None if self.date_from is None else (self.date_from - EPOCH).days,
            None if self.date_to is None else (self.date_to - EPOCH).days,
        )

    def has_ranges(self) -> bool:
        """An amount or date range is chosen."""
        return any(
            v is not None
            for v in (self.min_usd, self.max_usd, self.date_from, self.date_to)
        )

    def needs_days(self) -> bool:
        """The dates of the awards are needed (a date range or a date order)."""
        return (
            self.date_from is not None
            or self.date_to is not None
            or (self.sort in ("newest", "oldest"))
        )

    def plain(self) -> bool:
        """Only facet filters and the default order (what the prepared common-word
        results can answer)."""
        return self.sort == "largest" and not self.has_ranges()

    def filters(self) -> dict[str, Any]:
        """The chosen facet filters by the column they filter (agency_code, ...)."""
        chosen = self.chosen()
        return {col: chosen[key] for key, col in FILTERS if chosen[key] is not None}

    def words(self) -> list[str]:
        """The upper-cased words of the text (split at spaces), at most 8."""
        return P.search_terms(self.text)


def amount(params: Mapping[str, str], name: str) -> Decimal | None:
    """A dollar amount such as 250000, 1,000,000.50 or $5000 (a minus sign allowed)."""
    value = P.text(params, name, 30)
    if value is None:
        return None
    text = value.replace(",", "").replace("$", "").strip()
    if not re.fullmatch(r"-?\d{1,14}(\.\d{1,2})?", text):
        raise InputError(
            f"Parameter {name!r} must be an amount in dollars such as 250000 or "
            f"1,000,000.50, not {value[:40]!r}."
        )
    found = Decimal(text)
    if abs(found) >= MAX_AMOUNT:
        raise InputError(f"Parameter {name!r} is out of range.")
    return found


def day(params: Mapping[str, str], name: str) -> date | None:
    """A day written YYYY-MM-DD (a year alone, YYYY, is its first or last day)."""
    value = P.text(params, name, 10)
    if value is None:
        return None
    try:
        if re.fullmatch(r"\d{4}", value):
            found = (
                date(int(value), 1, 1) if name == "from" else date(int(value), 12, 31)
            )
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            found = date.fromisoformat(value)
        else:
            raise ValueError(value)
    except ValueError:
        raise InputError(
            f"Parameter {name!r} must be a date such as 2023-10-01, not {value[:40]!r}."
        ) from None
    if not 1990 <= found.year <= 2100:
        raise InputError(f"Parameter {name!r} must be a date from 1990 to 2100.")
    return found
