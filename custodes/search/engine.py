"""The search engine: `SearchEngine(reader, settings).search(Query) -> Results`.

One object per open store, used by the web app (the /search page and its JSON and
CSV) and by `custodes search`. It holds the in-memory index (custodes/search/index.py,
built in the background by `start()`) and picks, for each search, the quickest way to
the same answer:

1. a one-word search for a common word, from that word's prepared results held in
   memory (common.py), once the index is ready;
2. any other search with words, from the index;
3. a one-word search for a common word, from its prepared tables in SQL (popular.py);
4. a search whose rarest word has few word rows, fetched and counted in Python
   (sql.py, facets.py);
5. anything else in SQL (sql.py).

A search that filters by a vendor paid on an award of more than one payee takes 4 or
5 (its filter adds those awards by id), and every search counts such awards in the
vendor facet under each vendor paid on them (payees.py).

Every way gives the same Results (tests/serve/test_index.py, test_facets.py and
test_popular.py compare them search by search). SearchOptions turns ways off, for a
server short of memory (Settings.serve_search_index) and for those tests.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import duckdb

from custodes.figures.definition import category_label
from custodes.model.agencies import load_agencies
from custodes.search.awardrows import load_award_rows
from custodes.search.directory import load_vendor_directory
from custodes.search.facets import FACET_ROWS, SMALL
from custodes.search.index import SearchIndex, common_search, index_search
from custodes.search.indexbuild import build_search_index
from custodes.search.payees import correct_facets, load_payees, matched
from custodes.search.popular import popular_search
from custodes.search.query import Query
from custodes.search.sql import Found, counted_in_python, counted_in_sql, filter_sql
from custodes.search.terms import (
    Alternative,
    Clause,
    Plan,
    Term,
    describe_plan,
    read_query,
)
from custodes.search.tokens import TokenCounts, load_token_counts
from custodes.settings import Settings

LOG = logging.getLogger(__name__)

FACETS = ("agency", "category", "vendor", "maker")
PLANS_KEPT = 4096  # readings of search texts kept per open store
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SearchOptions:
    """Which ways of answering a search the engine may take (all give the same
    answers; see the module's docstring)."""

    index: bool = True  # hold the in-memory index (about 450 MB at 10M transactions)
    common: bool = True  # a common word from its prepared results in memory
    prepared: bool = True  # a common word from its prepared tables in SQL
    small: int = (
        SMALL  # count in Python when the rarest word has at most this many rows
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchOptions:
        return cls(index=settings.serve_search_index)


@dataclass
class Results:
    query: Query
    total: int = 0
    obligation_usd: Decimal | None = None  # of every matching award
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    awards: list[dict[str, Any]] = field(default_factory=list)  # the page, in order
    vendors: list[dict[str, Any]] = field(default_factory=list)  # names that match
    words: list[str] = field(default_factory=list)
    plan: Plan = field(default_factory=Plan)  # how the text was read
    # common, index, prepared, prepared-sql, python or sql (see the module docstring)
    answered_by: str = "none"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.size))

    def as_dict(self) -> dict[str, Any]:
        """The results as `custodes search --json` prints them."""
        return {
            "query": {
                **self.query.chosen(),
                "page": self.query.page,
                "size": self.query.size,
            },
            "total": self.total,
            "obligation_usd": self.obligation_usd,
            "pages": self.pages,
            "facets": self.facets,
            "awards": self.awards,
            "vendors": self.vendors,
            "reading": describe_plan(self.plan),
        }


class SearchEngine:
    def __init__(
        self,
        reader: Any,
        settings: Settings | None = None,
        options: SearchOptions | None = None,
    ):
        self.reader = reader
        if options is None:
            options = (
                SearchOptions.from_settings(settings) if settings else SearchOptions()
            )
        self.options = options
        self._index: SearchIndex | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.build_seconds: float | None = None  # once built (see status)
        self._plans: dict[str, Plan] = {}  # text -> its reading (see plan)
        self._plans_lock = threading.Lock()
        if not options.index:
            self._ready.set()

    # -- the in-memory index ------------------------------------------------------

    def start(self) -> SearchEngine:
        """Build the index in a background thread (searches take the SQL paths until
        it is ready); nothing when the options leave it out."""
        if self.options.index and self._thread is None:
            self._thread = threading.Thread(
                target=self._build, name="custodes-search-index", daemon=True
            )
            self._thread.start()
        return self

    def with_options(self, options: SearchOptions) -> SearchEngine:
        """An engine on the same store and index that answers with OPTIONS."""
        other = type(self)(self.reader, options=options)
        other._index = self._index if options.index else None
        other._ready.set()
        return other

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the index is built or known to be impossible; True when done."""
        return self._ready.wait(timeout)

    @property
    def ready(self) -> bool:
        """The index is built, or known to be impossible (or left out)."""
        return self._ready.is_set()

    @property
    def index(self) -> SearchIndex | None:
        return self._index

    def status(self) -> dict[str, Any]:
        """The index's state for /healthz: off, building, ready or not built (the
        store lacks its tables or holds values it cannot hold; searches use SQL),
        and the seconds its build took."""
        if not self.options.index:
            state = "off"
        elif not self.ready:
            state = "building"
        else:
            state = "ready" if self._index is not None else "not built"
        return {"state": state, "build_seconds": self.build_seconds}

    def _build(self) -> None:
        started = time.perf_counter()
        try:
            self._index = build_search_index(self.reader)
        except duckdb.Error:  # the store was closed meanwhile; nothing to serve
            LOG.info("The search index was not built (the store was closed).")
            self._index = None
        except Exception:  # searches keep the SQL paths; say why once
            LOG.exception("The search index was not built; searches use SQL.")
            self._index = None
        finally:
            self.build_seconds = round(time.perf_counter() - started, 2)
            self._ready.set()

    # -- searching -------------------------------------------------------------------

    def search(self, query: Query) -> Results:
        """The awards matching QUERY: total and obligations, facets with labels, the
        page of award rows (in the query's order) and the vendors whose name
        matches. A text with nothing to search for matches nothing (and says so)."""
        counts = load_token_counts(self.reader)
        plan = self.plan(query.text, counts)
        results = Results(query, words=query.words(), plan=plan)
        if not self.reader.has("serve_award"):
            return results
        if query.text and plan.empty:
            return results  # only characters the search drops: nothing searched
        payees = load_payees(self.reader)
        if query.vendor is not None and payees.parts:
            query = replace(query, vendor_awards=payees.awards_of(query.vendor))
        (facet_rows, years, top), results.answered_by = self._find(query, plan, counts)
        # the awards of more than one payee it found, under each vendor paid
        index = self._index if self.options.index else None
        found = matched(self.reader, index, plan, query, facet_rows)
        if found:
            correct_facets(facet_rows, found, payees, query.vendor)
        self._add_labels(facet_rows)
        results.total, results.obligation_usd, results.facets = build_facets(facet_rows)
        results.facets["fy"] = [
            {
                "value": r["fiscal_year"],
                "label": f"FY{r['fiscal_year']}",
                "awards": r["awards"],
            }
            for r in years
        ]
        # in the order of the page (see Query.sort), as the way that answered gave it
        results.awards = load_award_rows(self.reader).get(self.reader, top)
        for r in results.awards:
            r["category_label"] = category_label(r["category"])
        if results.words:
            results.vendors = load_vendor_directory(self.reader).matching(results.words)
        return results

    def plan(self, text: str | None, counts: TokenCounts | None) -> Plan:
        """TEXT read (read_query) with its clauses rarest first (order_plan), kept for
        the open store: a search's text is read once however it is sorted, filtered
        and paged (the reading depends only on the text, the store's word counts and
        the lexicon)."""
        key = text or ""
        with self._plans_lock:
            found = self._plans.get(key)
        if found is None:
            found = order_plan(read_query(text, counts), counts)
            with self._plans_lock:
                self._plans[key] = found
                while len(self._plans) > PLANS_KEPT:
                    del self._plans[next(iter(self._plans))]  # the oldest
        return found

    def _find(
        self, query: Query, plan: Plan, counts: TokenCounts | None
    ) -> tuple[Found, str]:
        """Facet rows, year facet and the page's award ids, and which way answered.
        The plan's clauses come rarest first."""
        words = plan.simple()
        one = words[0] if words is not None and len(words) == 1 else None
        index = self._index if self.options.index else None
        if query.vendor_awards:  # filtered by id as well: ways 4 and 5 only
            index, one = None, None
        if index is not None and plan.clauses:
            if one is not None and self.options.common:
                found = common_search(index, one, query)
                if found is not None:
                    return found, "common"
            found = index_search(index, plan, query)
            if found is not None:
                return found, "index"
        if one is not None and self.options.prepared and query.plain():
            where, args = filter_sql(query, dates=False)
            popular = popular_search(
                self.reader,
                one,
                where,
                args,
                query.size,
                query.page,
                self.options.small,
            )
            if popular is not None:
                popular_facets, popular_years, popular_top, in_python = popular
                if popular_top is not None:
                    way = "prepared" if in_python else "prepared-sql"
                    return (popular_facets, popular_years, popular_top), way
        if plan.clauses and counts is not None:
            if plan_rows(plan, counts) <= self.options.small:
                return counted_in_python(self.reader, plan, query), "python"
        return counted_in_sql(self.reader, plan, query), "sql"

    def _add_labels(self, rows: list[dict[str, Any]]) -> None:
        """Agency and vendor names for the facet rows (kept out of the word table)."""
        _, subtier = load_agencies()
        names = load_vendor_directory(self.reader).names
        for r in rows:
            code = r["agency_code"]
            r["agency_name"] = subtier[code].name if code in subtier else code
            r["vendor_name"] = names.get(r["vendor_id"], r["vendor_id"])


def build_facets(
    rows: list[dict[str, Any]],
) -> tuple[int, Decimal | None, dict[str, list[dict[str, Any]]]]:
    """(total awards, their obligations, facets by name) from the facet rows."""
    total, money = 0, None
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in FACETS}
    for r in rows:
        if r["g"] == 15:
            total, money = r["awards"], r["obligation_usd"]
            if money is not None:  # the same digits from every way (0.00, not 0E-2)
                money = Decimal(money).quantize(CENT)
        elif r["g"] == 7 and r["agency_code"] is not None:
            out["agency"].append(
                {
                    "value": r["agency_code"],
                    "label": r["agency_name"],
                    "awards": r["awards"],
                }
            )
        elif r["g"] == 11:
            out["category"].append(
                {
                    "value": r["category"],
                    "label": category_label(r["category"]),
                    "awards": r["awards"],
                }
            )
        elif r["g"] == 13 and r["vendor_id"] is not None:
            out["vendor"].append(
                {
                    "value": r["vendor_id"],
                    "label": r["vendor_name"],
                    "awards": r["awards"],
                }
            )
        elif r["g"] == 14 and r["maker"] is not None:
            out["maker"].append(
                {"value": r["maker"], "label": r["maker"], "awards": r["awards"]}
            )
    for key in out:
        # ties by value: a stable order, and for vendors the same 15 add_labels named
        out[key].sort(key=lambda f: (-f["awards"], str(f["value"])))
        out[key] = out[key][:FACET_ROWS]
    return total, money, out


def term_rows(term: Term, counts: TokenCounts) -> int:
    """Word rows the words of TERM match (an upper bound on its awards)."""
    total = 0
    for word in term.words:
        for low, high in word.bounds():
            total += counts.rows_between(low, high)
    return total


def alternative_rows(alternative: Alternative, counts: TokenCounts) -> int:
    return min((term_rows(t, counts) for t in alternative), default=0)


def clause_rows(clause: Clause, counts: TokenCounts) -> int:
    return sum(alternative_rows(a, counts) for a in clause.alternatives)


def plan_rows(plan: Plan, counts: TokenCounts) -> int:
    """At most how many word rows a search reads first (its rarest clause's)."""
    return min((clause_rows(c, counts) for c in plan.clauses), default=0)


def order_plan(plan: Plan, counts: TokenCounts | None) -> Plan:
    """PLAN with its clauses rarest first and, in each alternative, its terms rarest
    first (ties keep their order)."""
    if counts is None or not plan.clauses:
        return plan
    clauses = []
    for clause in plan.clauses:
        alternatives = tuple(
            tuple(sorted(a, key=lambda t: term_rows(t, counts)))
            for a in clause.alternatives
        )
        clauses.append(Clause(alternatives, clause.text))
    clauses.sort(key=lambda c: clause_rows(c, counts))
    return replace(plan, clauses=tuple(clauses))
