"""The OpenAPI document of the JSON/CSV API. Every page is also an API endpoint: the
same path with .json (the whole result) or .csv (one table, ?table=NAME)."""

from __future__ import annotations

from typing import Any

from custodes import __version__
from custodes.serve.params import MAX_PAGE, MAX_PAGE_SIZE, MAX_TEXT

ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,200}$"
AMOUNT = r"^-?\$?[0-9][0-9,]{0,17}(\.[0-9]{1,2})?$"  # dollars, as search.query reads


def _q(name: str, desc: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": desc,
        "schema": schema,
    }


TEXT = {"type": "string", "maxLength": MAX_TEXT}
META = "csv-metadata.json"  # a .csv answer's sidecar (custodes/serve/views.py)
PAGE = [
    _q(
        "page",
        "Page number, from 1.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
    ),
    _q(
        "size",
        "Rows per page.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    ),
]
AGENCY = _q(
    "agency",
    "ICE, CBP or a four-digit sub-agency code.",
    {"type": "string", "pattern": r"^(ICE|CBP|ice|cbp|\d{4})$"},
)
COMPONENTS = _q(
    "components",
    "exclude (the default): awards buying surveillance components inside a larger "
    "purchase are not counted and are shown on their own line; include: they count "
    "under the component's category.",
    {"type": "string", "enum": ["exclude", "include"]},
)
TABLE = _q(
    "table",
    "CSV only: which of the view's tables to export.",
    {"type": "string", "maxLength": 40},
)

# (path, summary, query parameters, path parameter description or None)
ENDPOINTS: list[tuple[str, str, list[dict[str, Any]], str | None]] = [
    (
        "/dashboard",
        "Surveillance spending by fiscal year and category, and by vendor "
        "(table by_vendor) for one agency and fiscal year.",
        [
            AGENCY,
            COMPONENTS,
            _q(
                "fy",
                "Fiscal year of the vendor table (by_vendor); every year without it.",
                {"type": "integer", "minimum": 1990, "maximum": 2100},
            ),
        ],
        None,
    ),
    (
        "/search",
        "Search awards, vendors and data-web systems, with facets.",
        [
            _q("q", "Search words (all must match).", TEXT),
            AGENCY,
            _q(
                "fy",
                "Fiscal year.",
                {"type": "integer", "minimum": 1990, "maximum": 2100},
            ),
            _q(
                "category",
                "Taxonomy category id.",
                {"type": "string", "pattern": ID_PATTERN},
            ),
            _q(
                "vendor",
                "Vendor id: every award that vendor was paid on (an award that "
                "changed hands is found under each of its vendors); the total "
                "obligation is then that vendor's own part.",
                {"type": "string", "pattern": ID_PATTERN},
            ),
            _q("maker", "Maker name.", {"type": "string", "maxLength": 100}),
            _q(
                "sort",
                "Order of the awards: largest (obligations, the default), smallest, "
                "newest or oldest (first action date).",
                {"type": "string", "enum": ["largest", "smallest", "newest", "oldest"]},
            ),
            _q(
                "min",
                "Awards with obligations of at least this many dollars.",
                {
                    "type": "string",
                    "pattern": r"^-?\$?[0-9][0-9,]{0,17}(\.[0-9]{1,2})?$",
                },
            ),
            _q(
                "max",
                "Awards with obligations of at most this many dollars.",
                {
                    "type": "string",
                    "pattern": r"^-?\$?[0-9][0-9,]{0,17}(\.[0-9]{1,2})?$",
                },
            ),
            _q(
                "from",
                "Awards with actions on or after this day (YYYY-MM-DD or YYYY): "
                "their last action is not before it.",
                {"type": "string", "pattern": r"^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$"},
            ),
            _q(
                "to",
                "Awards with actions on or before this day (YYYY-MM-DD or YYYY): "
                "their first action is not after it.",
                {"type": "string", "pattern": r"^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$"},
            ),
            *PAGE,
        ],
        None,
    ),
    (
        "/new",
        "What's new: the latest surveillance awards and modifications by action "
        "date (its Atom feed: /feeds/new.atom with the same parameters).",
        [
            _q(
                "from",
                "Actions signed on or after this day (YYYY-MM-DD or YYYY); default "
                "90 days before the newest action in the store.",
                {"type": "string", "pattern": r"^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$"},
            ),
            _q(
                "to",
                "Actions signed on or before this day (YYYY-MM-DD or YYYY).",
                {"type": "string", "pattern": r"^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$"},
            ),
            _q(
                "days",
                "Without from: the days before the newest action in the store.",
                {"type": "integer", "minimum": 1, "maximum": 36600},
            ),
            _q(
                "min",
                "Actions of at least this many dollars, either way (an obligation or "
                "a deobligation).",
                {
                    "type": "string",
                    "pattern": r"^-?\$?[0-9][0-9,]{0,17}(\.[0-9]{1,2})?$",
                },
            ),
            _q(
                "include_zero",
                "1: also list $0 actions (administrative modifications).",
                {"type": "string", "enum": ["0", "1"]},
            ),
            AGENCY,
            _q(
                "category",
                "Taxonomy category id.",
                {"type": "string", "pattern": ID_PATTERN},
            ),
            _q(
                "kind",
                "The kind of action.",
                {
                    "type": "string",
                    "enum": ["new award", "modification", "deobligation"],
                },
            ),
            *PAGE,
            COMPONENTS,
        ],
        None,
    ),
    (
        "/categories",
        "The taxonomy categories with their spending (all agencies, or one).",
        [AGENCY, COMPONENTS],
        None,
    ),
    (
        "/category/{ident}",
        "One category: spending by year, largest awards and vendors, of one agency "
        "or all.",
        [*PAGE, AGENCY, COMPONENTS],
        "Category id.",
    ),
    (
        "/award/{ident}",
        "One award: transaction timeline and classification evidence.",
        [COMPONENTS],
        "Award key (USAspending generated award id).",
    ),
    (
        "/vendor/{ident}",
        "One vendor: aliases, family, resellers, spending and awards.",
        PAGE,
        "Vendor id.",
    ),
    ("/dataweb", "The data web: nodes and edges as tables.", [], None),
    ("/dataweb/graph", "The data web graph with sources (for the explorer).", [], None),
    (
        "/dataweb/node/{ident}",
        "One node or edge of the data web with its sources.",
        [],
        "Node or edge id.",
    ),
    (
        "/reach",
        "Who can reach a data category: paths with citations.",
        [_q("category", "Data category.", {"type": "string", "pattern": ID_PATTERN})],
        None,
    ),
    (
        "/review",
        "The review queue (read-only): awards by dollars at risk, and the latest "
        "review decisions.",
        [
            AGENCY,
            _q(
                "fy",
                "Fiscal year: money in this year only.",
                {"type": "integer", "minimum": 1990, "maximum": 2100},
            ),
            _q(
                "category",
                "Taxonomy category id (the award's, or its component's).",
                {"type": "string", "pattern": ID_PATTERN},
            ),
            *PAGE,
        ],
        None,
    ),
    ("/methodology", "Taxonomy, rule files, overrides and data freshness.", [], None),
]


def _params_of(path: str) -> list[dict[str, Any]]:
    """The query parameters of the endpoint PATH, without its paging."""
    for endpoint, _, query, _ in ENDPOINTS:
        if endpoint == path:
            return [q for q in query if q["name"] not in ("page", "size")]
    raise KeyError(path)


# Atom feeds (custodes/serve/pages/feeds.py): path, summary, query, path id.
FEED_FILTERS = [q for q in _params_of("/new") if q["name"] not in ("category", "kind")]
FEEDS: list[tuple[str, str, list[dict[str, Any]], str | None]] = [
    (
        "/feeds/new.atom",
        "What's new as an Atom feed: the latest surveillance awards and "
        "modifications by action date, the 50 newest (the parameters of /new).",
        _params_of("/new"),
        None,
    ),
    (
        "/feeds/vendor/{ident}.atom",
        "A vendor's Atom feed: the actions paid to it (its own, on any award: an "
        "award that changed hands is in both vendors' feeds), and the actions of "
        "awards paid to resellers that name it as the maker.",
        FEED_FILTERS,
        "Vendor id.",
    ),
    (
        "/feeds/maker/{ident}.atom",
        "A maker's Atom feed: its vendor id, or its name as awards name it (a "
        "URL-encoded name with spaces works too).",
        FEED_FILTERS,
        "The maker's vendor id or name.",
    ),
    (
        "/feeds/category/{ident}.atom",
        "A category's Atom feed: actions on its awards, each marked counted or not.",
        FEED_FILTERS,
        "Category id.",
    ),
    (
        "/feeds/search.atom",
        "A saved search as an Atom feed: the newest actions of the newest awards "
        "the search finds (the parameters of /search).",
        _params_of("/search"),
        None,
    ),
    (
        "/feeds/watch.atom",
        "The watches' digest as an Atom feed (custodes watch add ...; by ingest run).",
        [],
        None,
    ),
]

VIEW_SCHEMA = {
    "type": "object",
    "required": ["title", "data", "tables", "notices"],
    "properties": {
        "title": {"type": "string"},
        "data": {"type": "object"},
        "tables": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "object"}},
        },
        "notices": {"type": "array", "items": {"type": "string"}},
    },
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
            },
        }
    },
}


def _responses(fmt: str) -> dict[str, Any]:
    ok = {
        "json": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}},
        "csv": {"text/csv": {"schema": {"type": "string"}}},
        META: {"application/csvm+json": {"schema": {"type": "object"}}},
    }[fmt]
    err = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "200": {"description": "The view.", "content": ok},
        "400": {"description": "A parameter is out of bounds.", "content": err},
        "404": {"description": "No such record.", "content": err},
        "503": {"description": "The query took too long.", "content": err},
    }


def _feed_responses() -> dict[str, Any]:
    """A feed answers Atom; its errors are the site's HTML error page."""
    html = {"text/html": {"schema": {"type": "string"}}}
    return {
        "200": {
            "description": "The feed (Atom, RFC 4287).",
            "content": {"application/atom+xml": {"schema": {"type": "string"}}},
        },
        "400": {"description": "A parameter is out of bounds.", "content": html},
        "404": {"description": "No such vendor, maker or category.", "content": html},
        "503": {"description": "The query took too long.", "content": html},
    }


def _ident_param(description: str) -> dict[str, Any]:
    """The path parameter of an endpoint that names one thing (award, vendor, ...)."""
    return {
        "name": "ident",
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "pattern": ID_PATTERN},
    }


def build_openapi(server: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, summary, query, ident in ENDPOINTS:
        for fmt in ("json", "csv", META):
            params = list(query) + ([TABLE] if fmt != "json" else [])
            if ident:
                params.append(_ident_param(ident))
            full = (
                path.replace("{ident}", "{ident}." + fmt) if ident else f"{path}.{fmt}"
            )
            paths[full] = {
                "get": {
                    "summary": summary,
                    "parameters": params,
                    "operationId": _op_id(path, fmt),
                    "responses": _responses(fmt),
                }
            }
    for path, summary, query, ident in FEEDS:
        params = list(query)
        if ident:
            params.append(_ident_param(ident))
        paths[path] = {
            "get": {
                "summary": summary,
                "parameters": params,
                "operationId": _op_id(path.removesuffix(".atom"), "atom"),
                "responses": _feed_responses(),
            }
        }
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "custodes API",
            "version": __version__,
            "description": "Read-only. Money is a decimal string in US dollars. "
            "Every HTML page has the same data at .json and .csv; a .csv answer's "
            "sidecar (what its figures count and cover) is at .csv-metadata.json, "
            "named in its Link header.",
        },
        "paths": paths,
        "components": {"schemas": {"View": VIEW_SCHEMA, "Error": ERROR_SCHEMA}},
    }
    if server:
        doc["servers"] = [{"url": server}]
    return doc


def _op_id(path: str, fmt: str) -> str:
    words = [w for w in path.replace("{ident}", "by_id").split("/") if w]
    return "_".join(words + [fmt.replace("-", "_").replace(".", "_")])
