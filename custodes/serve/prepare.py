"""`custodes serve --prepare`: the tables the web app reads, rebuilt in one transaction.

The summary tables are computed by the figures layer (custodes/figures/serve_tables.py)
and the search's tables by custodes/search/tables.py, from serve_award; both are built
here together, so the pages and the search always read tables of the same build.
"""

from __future__ import annotations

from custodes.figures import serve_tables
from custodes.search.tables import (
    POPULAR_AWARDS,
    SEARCH_TABLES,
    store_search_tables_sql,
)
from custodes.store.duckdb import Store

SERVE_TABLES = (*serve_tables.SERVE_TABLES, *SEARCH_TABLES)


def build_serve_tables(
    store: Store, popular_awards: int = POPULAR_AWARDS
) -> dict[str, object]:
    """Rebuild every serve_* table in one transaction; returns the serve_build row.
    Words matching at least POPULAR_AWARDS awards get their search results stored."""
    with store.transaction():
        return serve_tables.write_serve_tables(
            store,
            after_awards=store_search_tables_sql(store, popular_awards),
        )


def serve_tables_stale(store: Store) -> str | None:
    """Why the web app's tables need rebuilding, or None when they are current."""
    return serve_tables.serve_tables_stale(store, SERVE_TABLES)
