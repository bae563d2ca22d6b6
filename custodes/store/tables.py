"""The registry of the store's tables: every table any custodes command writes, which
stage owns it, and, for the tables whose columns are a contract, their DDL.

Kinds:
- `schema`: the store's own tables. The store creates them on every write-open.
- `base`: a stage's table with fixed columns; the stage creates it with `Store.create`
  (its DDL is here, so the columns are written down once).
- `derived`: computed from other tables by its owner with `CREATE TABLE ... AS`
  (or from Python rows); the SQL stays with the owner, the name is registered here.
- `view`: a view, created by its owner.

To add a table: add a `Table` below (a `base` one with its DDL, a `derived` one with its
name), create it from the owning stage (`store.create(NAME)` for a base table), and
document its columns in the stage's docs/*.md. `custodes tables` lists the registry and
what a store holds; tests/store/test_tables.py fails on a table written anywhere in
custodes/ that is not registered here, or registered under another owner.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("schema", "base", "derived", "view")


@dataclass(frozen=True)
class Table:
    name: str
    owner: str  # the package (stage) whose code writes it
    kind: str  # one of KINDS
    command: str  # the command that writes it, after `custodes ` (`resolve`)
    what: str  # one line: what a row is
    ddl: str | None = None  # schema and base tables

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"table {self.name}: unknown kind {self.kind!r}")
        if (self.ddl is None) == (self.kind in ("schema", "base")):
            raise ValueError(f"table {self.name}: DDL is for schema and base tables")


META_DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
)"""

INGEST_RUN_DDL = """
CREATE TABLE IF NOT EXISTS ingest_run (
    run_id          INTEGER PRIMARY KEY,
    command         VARCHAR,          -- 'ingest', 'sync', ...
    started_at      TIMESTAMP,
    finished_at     TIMESTAMP,
    files           INTEGER,
    rows_read       BIGINT,
    rows_stored     BIGINT,           -- new transactions
    rows_updated    BIGINT,           -- existing keys whose content changed
    rows_unchanged  BIGINT,           -- already in the store, identical
    duplicates      BIGINT,           -- exact duplicate rows within this run
    quarantined     BIGINT,
    minimised_individual_contacts BIGINT,
    minimised_description_contacts BIGINT,
    summary_json    VARCHAR
)"""

SOURCE_FILE_DDL = """
CREATE TABLE IF NOT EXISTS source_file (
    run_id      INTEGER,
    path        VARCHAR,
    member      VARCHAR,              -- member name inside a .zip, else NULL
    sha256      VARCHAR,
    format      VARCHAR,              -- 'api_search' | 'bulk_contracts' | NULL:
                                     -- refused
    rows_read   BIGINT,
    status      VARCHAR,              -- 'loaded' | 'refused'
    message     VARCHAR,
    display     VARCHAR,              -- as transaction.source_file names it
    header      VARCHAR[]             -- the header row (names for raw_values)
)"""

# Money is DECIMAL(18,2): exact to the cent, never a binary float.
TRANSACTION_DDL = """
CREATE TABLE IF NOT EXISTS "transaction" (
    -- transaction_key is unique, enforced by ingest (no index: fast bulk loads)
    transaction_key            VARCHAR NOT NULL,
    award_key                  VARCHAR NOT NULL,
    award_key_source           VARCHAR NOT NULL,  -- 'source' | 'built' | 'matched'
    piid                       VARCHAR,
    modification_number        VARCHAR,
    transaction_number         VARCHAR,
    parent_award_piid          VARCHAR,
    parent_award_agency_code   VARCHAR,
    award_type                 VARCHAR,
    action_type                VARCHAR,
    action_date                DATE,
    fiscal_year                INTEGER,
    obligation_usd             DECIMAL(18, 2),
    recipient_name             VARCHAR,
    recipient_uei              VARCHAR,
    recipient_duns             VARCHAR,
    recipient_parent_name      VARCHAR,
    recipient_parent_uei       VARCHAR,
    recipient_parent_duns      VARCHAR,
    recipient_is_individual    BOOLEAN,
    awarding_agency_code       VARCHAR,
    awarding_agency_name       VARCHAR,
    awarding_sub_agency_code   VARCHAR,
    awarding_sub_agency_name   VARCHAR,
    awarding_office_code       VARCHAR,
    awarding_office_name       VARCHAR,
    funding_sub_agency_code    VARCHAR,
    funding_sub_agency_name    VARCHAR,
    psc_code                   VARCHAR,
    psc_description            VARCHAR,
    naics_code                 VARCHAR,
    naics_description          VARCHAR,
    description                VARCHAR,
    source_format              VARCHAR,
    source_file                VARCHAR,
    source_line                BIGINT,
    ingest_run_id              INTEGER,
    content_hash               UBIGINT,   -- older stores: VARCHAR (an MD5)
    raw_values                 VARCHAR    -- the raw source row, minimised, in
                                         -- header order, a JSON array (older
                                         -- stores: VARCHAR[])
)"""

# Earlier versions of transactions that a later ingest replaced (for "what changed").
TRANSACTION_REVISION_DDL = """
CREATE TABLE IF NOT EXISTS transaction_revision (
    transaction_key  VARCHAR,
    replaced_by_run  INTEGER,
    replaced_at      TIMESTAMP,
    obligation_usd   DECIMAL(18, 2),
    content_hash     VARCHAR,
    raw_json         VARCHAR
)"""

QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS quarantine (
    run_id      INTEGER,
    source_file VARCHAR,
    line        BIGINT,
    reason      VARCHAR,
    raw_text    VARCHAR
)"""

# Dropped and created again by every classify run (in its transaction).
CLASSIFICATION_DDL = """
CREATE TABLE classification (
    award_key        VARCHAR NOT NULL,   -- one row per award
    category         VARCHAR NOT NULL,   -- taxonomy id or 'none'
    confidence       DOUBLE,
    evidence         VARCHAR,            -- JSON list of {signal, rule, text, ...}
    maker            VARCHAR,
    method           VARCHAR,            -- rules | override | review
    taxonomy_version VARCHAR,
    rules_version    VARCHAR,
    recipient        VARCHAR,            -- latest recipient name of the award
    rules_category   VARCHAR,  -- what the rules said (differs when overridden)
    score            DOUBLE,
    component_category VARCHAR,  -- surveillance part of a larger purchase (none)
    component_evidence VARCHAR,  -- JSON list of the component's evidence, like evidence
    profile_only     BOOLEAN,    -- the category rests only on who sold it
    conflict         BOOLEAN     -- evidence for 2+ categories, or strong and cancelled
)"""

CLASSIFICATION_RUN_DDL = """
CREATE TABLE IF NOT EXISTS classification_run (
    run_at            TIMESTAMP,
    taxonomy_version  VARCHAR,
    rules_version     VARCHAR,
    overrides_applied INTEGER,
    awards            INTEGER
)"""

# A person's decision on an award's label (`custodes review accept|correct`), kept
# for ever: the latest per award is applied by every classify run, like an override.
REVIEW_DECISION_DDL = """
CREATE TABLE IF NOT EXISTS review_decision (
    decision_id    INTEGER NOT NULL,   -- 1, 2, ... in the order made
    award_key      VARCHAR NOT NULL,
    decision       VARCHAR NOT NULL,   -- accept | correct
    label          VARCHAR NOT NULL,   -- the category the reviewer says is right
    was_category   VARCHAR,            -- the award's category when reviewed
    was_method     VARCHAR,            -- rules | override | review
    was_component  VARCHAR,            -- its component_category then
    rules_version  VARCHAR,
    obligation_usd DECIMAL(18, 2),     -- the award's net obligations then
    at_risk_usd    DECIMAL(18, 2),     -- its dollars at risk then (the queue's order)
    reviewer       VARCHAR NOT NULL,   -- who
    decided_at     TIMESTAMP NOT NULL, -- when (UTC)
    note           VARCHAR NOT NULL    -- why
)"""

RESOLVE_RUN_DDL = """
CREATE TABLE IF NOT EXISTS resolve_run (run_at TIMESTAMP,
                   matcher VARCHAR, vendors INTEGER, alias_records INTEGER,
                   award_makers INTEGER)"""

SYNC_RUN_DDL = """
CREATE TABLE IF NOT EXISTS sync_run (
    sync_id        INTEGER,
    kind           VARCHAR,    -- 'search' | 'bulk' | 'history'
    started_at     TIMESTAMP,
    finished_at    TIMESTAMP,
    status         VARCHAR,    -- 'complete' | 'incomplete' | 'failed'
    api_url        VARCHAR,
    plan_json      VARCHAR,
    since          DATE,
    until          DATE,
    windows        INTEGER,
    windows_done   INTEGER,
    expected       BIGINT,
    fetched        BIGINT,
    requests       INTEGER,
    retries        INTEGER,
    ingest_run_id  INTEGER,    -- NULL when nothing was written
    missing_json   VARCHAR,
    log_line       VARCHAR
)"""

WATCH_DDL = """
CREATE TABLE IF NOT EXISTS watch (
    watch_id    INTEGER,
    kind        VARCHAR,   -- vendor | maker | category | keyword
    value       VARCHAR,
    created_at  TIMESTAMP
)"""

# sync --history: the awards whose earlier transactions were fetched completely
SYNC_HISTORY_DDL = """
CREATE TABLE IF NOT EXISTS sync_history (
    award_key   VARCHAR,    -- the award (its source key when the answer gave one)
    piid        VARCHAR,
    sync_id     INTEGER,    -- the sync_run (kind 'history') that asked
    asked_at    TIMESTAMP,
    first_date  DATE,       -- its earliest action in the store when asked
    status      VARCHAR,    -- 'complete' (its base came) | 'no_base'
    earlier     INTEGER     -- earlier transactions the source served for it
)"""

AWARD_FIRST_SEEN_DDL = """
CREATE TABLE IF NOT EXISTS award_first_seen (award_key VARCHAR, run_id INTEGER)"""

# custodes refresh (docs/refresh.md): stable award numbers and what the last refresh
# saw, so that the next one knows what changed.
AWARD_NUMBER_DDL = """
CREATE TABLE IF NOT EXISTS award_number (
    award_key VARCHAR NOT NULL,   -- one row per award key ever seen
    award_no  INTEGER NOT NULL    -- its number, never changed, never reused
)"""

REFRESH_TRANSACTION_DDL = """
CREATE TABLE IF NOT EXISTS refresh_transaction (
    khash  UBIGINT,   -- hash(transaction_key)
    ahash  UBIGINT,   -- hash(award_key)
    rec    UBIGINT,   -- hash of the recipient record (name, UEI, DUNS)
    fp     UBIGINT    -- the fingerprint of the columns derived tables read
)"""

REFRESH_RECORD_DDL = """
CREATE TABLE IF NOT EXISTS refresh_record (
    rec          UBIGINT,   -- hash of the recipient record
    fp_sum       HUGEINT,   -- the sum of its transactions' fingerprints
    transactions BIGINT
)"""

REFRESH_RUN_DDL = """
CREATE TABLE IF NOT EXISTS refresh_run (
    run_id          INTEGER,
    started_at      TIMESTAMP,
    finished_at     TIMESTAMP,
    full_rebuild    BOOLEAN,
    reason          VARCHAR,      -- why tables were rebuilt whole ('' for none)
    last_ingest_run INTEGER,      -- the latest ingest run it saw
    transactions_changed BIGINT,
    awards          BIGINT,       -- awards recomputed
    seconds         DOUBLE,
    state_json      VARCHAR,      -- what the next refresh compares with
    steps_json      VARCHAR       -- what it did, step by step, with timings
)"""

REFRESH_OVERRIDE_DDL = """
CREATE TABLE IF NOT EXISTS refresh_override (
    award_key VARCHAR,
    label     VARCHAR,
    reason    VARCHAR,
    method    VARCHAR,   -- override, or review (a review decision)
    item      VARCHAR    -- a review's evidence item (JSON); NULL for an override
)"""

DDL = {
    "meta": META_DDL,
    "ingest_run": INGEST_RUN_DDL,
    "source_file": SOURCE_FILE_DDL,
    "transaction": TRANSACTION_DDL,
    "transaction_revision": TRANSACTION_REVISION_DDL,
    "quarantine": QUARANTINE_DDL,
    "classification": CLASSIFICATION_DDL,
    "classification_run": CLASSIFICATION_RUN_DDL,
    "review_decision": REVIEW_DECISION_DDL,
    "resolve_run": RESOLVE_RUN_DDL,
    "sync_run": SYNC_RUN_DDL,
    "watch": WATCH_DDL,
    "award_first_seen": AWARD_FIRST_SEEN_DDL,
    "sync_history": SYNC_HISTORY_DDL,
    "award_number": AWARD_NUMBER_DDL,
    "refresh_transaction": REFRESH_TRANSACTION_DDL,
    "refresh_record": REFRESH_RECORD_DDL,
    "refresh_run": REFRESH_RUN_DDL,
    "refresh_override": REFRESH_OVERRIDE_DDL,
}


def _group(owner: str, kind: str, command: str, **what: str) -> list[Table]:
    """Tables of one owner, kind and command: name=what a row is."""
    return [Table(n, owner, kind, command, w, DDL.get(n)) for n, w in what.items()]


# The command that writes a table (after `custodes `).
INGEST, CLASSIFY, RESOLVE = "ingest", "classify", "resolve"
ANALYSE, SERVE = "analyse prepare", "serve --prepare"
REFRESH = "refresh"

_ALL: tuple[Table, ...] = (
    # the store's own tables, created on every write-open (docs/store.md)
    *_group("store", "schema", INGEST, meta="key, value: the schema version"),
    *_group(
        "ingest",
        "schema",
        INGEST,
        ingest_run="one committed ingest (or sync write): times and counts",
        source_file="one file a run read: path, SHA-256, format, status, header",
        transaction="one contract transaction",
        transaction_revision="an earlier version of a transaction, since replaced",
        quarantine="a row or file that could not be used, with reason and raw text",
    ),
    *_group(
        "ingest",
        "view",
        INGEST,
        source_row="the raw source row of each transaction as JSON (header: value)",
    ),
    # classify (docs/classify.md)
    *_group(
        "classify",
        "base",
        CLASSIFY,
        classification="one award's category, confidence and evidence",
        classification_run="one classify run",
    ),
    *_group(
        "classify",
        "base",
        "review accept",
        review_decision="a reviewer's decision on an award's label: who, when, why",
    ),
    # resolve (docs/resolve.md): the vendor tables are written from Python rows
    *_group(
        "resolve",
        "derived",
        RESOLVE,
        vendor="a vendor: name, parent, family, kind",
        vendor_alias="a recipient record, its vendor and the evidence",
        transaction_vendor="the vendor of each transaction",
        award_maker="a maker whose product an award bought, with the matching text",
    ),
    *_group("resolve", "base", RESOLVE, resolve_run="one resolve run"),
    # sync and watches (docs/sync.md)
    *_group(
        "sync",
        "base",
        "sync",
        sync_run="one sync run: windows, counts, status, log line",
        award_first_seen="the ingest run in which each award first appeared",
        sync_history="an award whose earlier transactions `sync --history` fetched",
    ),
    *_group("sync", "base", "watch add", watch="a watch: kind and value"),
    # the analysis frame (docs/analyse.md)
    *_group(
        "figures",
        "derived",
        ANALYSE,
        analyse_frame="one transaction with its award, vendor and category",
        analyse_award_maker="the award makers of the frame's awards",
        analyse_award="one award of the frame",
        analyse_build="when the frame was built and from which runs",
    ),
    # the web app's summary tables (docs/serve.md), built by the figures layer
    *_group(
        "figures",
        "derived",
        SERVE,
        serve_transaction="transactions as the web app lists them",
        serve_award="one award as the web app shows it",
        serve_award_year="an award's money by fiscal year",
        serve_award_maker="award makers with each vendor paid on the award",
        serve_spending="spending by year, agency and category",
        serve_vendor_year="a vendor's money by fiscal year",
        serve_vendor_award="a vendor's own part of an award by fiscal year",
        serve_vendor="one vendor as the web app lists it",
        serve_vendor_page="what a vendor page shows",
        serve_coverage="what each fiscal year holds",
        serve_withheld_name="names withheld as natural persons",
        serve_build="when the summary tables were built and from what",
        serve_action="one contract action, newest first (what's new, feeds)",
        serve_contract_action="an action's contract details (ceiling, period)",
        serve_maker_channel="a maker's awards, direct and through each reseller",
    ),
    # custodes refresh (docs/refresh.md)
    *_group(
        "figures",
        "base",
        REFRESH,
        award_number="an award's stable number (award_id, award_no)",
        refresh_transaction="a transaction as the last refresh saw it (hashes)",
        refresh_record="a recipient record as the last refresh saw it",
        refresh_run="one refresh: what it did and the state it left",
    ),
    *_group(
        "classify",
        "base",
        REFRESH,
        refresh_override="an override or review as the last refresh applied it",
    ),
    # the search index (docs/serve.md)
    *_group(
        "search",
        "derived",
        SERVE,
        serve_word="a search word and an award that holds it, in word order",
        serve_token_pair_short=(
            "two neighbouring words of an award, one of one character, joined "
            "(a row per place)"
        ),
        serve_token_count="how many awards hold each word",
        serve_popular="common search words",
        serve_popular_facet="facet counts of common words",
        serve_popular_top="the top awards of common words",
    ),
    *_group(
        "search",
        "view",
        SERVE,
        serve_token_pair=(
            "deprecated: two neighbouring words of an award, joined (a row per "
            "place), split from the texts when read"
        ),
        serve_token=(
            "deprecated: serve_word's rows with the award's facet columns "
            "(serve_award's), joined when read"
        ),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in _ALL}


def table(name: str) -> Table:
    """The registered table NAME; KeyError names the registry when it is not there."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(
            f"table {name!r} is not registered in custodes/store/tables.py"
        ) from None


def ddl(name: str) -> str:
    """The DDL of schema or base table NAME."""
    found = table(name).ddl
    if found is None:
        raise KeyError(f"table {name!r} is {table(name).kind}: its owner builds it")
    return found


def schema_sql() -> str:
    """The store's own tables, applied on every write-open (idempotent)."""
    return ";\n".join(t.ddl for t in _ALL if t.kind == "schema" and t.ddl) + ";\n"
