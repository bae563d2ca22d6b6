-- custodes store schema. Applied idempotently on every write-open; see docs/store.md.
-- Money is DECIMAL(18,2): exact to the cent, never a binary float.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

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
);

CREATE TABLE IF NOT EXISTS source_file (
    run_id      INTEGER,
    path        VARCHAR,
    member      VARCHAR,              -- member name inside a .zip, else NULL
    sha256      VARCHAR,
    format      VARCHAR,              -- 'api_search' | 'bulk_contracts' | NULL if refused
    rows_read   BIGINT,
    status      VARCHAR,              -- 'loaded' | 'refused'
    message     VARCHAR,
    display     VARCHAR,              -- as transaction.source_file names it
    header      VARCHAR[]             -- the header row (names for raw_values)
);

CREATE TABLE IF NOT EXISTS "transaction" (
    transaction_key            VARCHAR NOT NULL,  -- unique; enforced by ingest (no index: fast bulk loads)
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
    raw_values                 VARCHAR    -- the raw source row, minimised, in header order,
                                          -- a JSON array (older stores: VARCHAR[])
);

-- The view source_row (the raw source row of each transaction as a JSON object, header ->
-- value) is created by ingest (custodes/ingest/rawrow.py) before every write: values
-- equal to their canonical column are stored once, in the canonical column.

-- Earlier versions of transactions that a later ingest replaced (for "what changed").
CREATE TABLE IF NOT EXISTS transaction_revision (
    transaction_key  VARCHAR,
    replaced_by_run  INTEGER,
    replaced_at      TIMESTAMP,
    obligation_usd   DECIMAL(18, 2),
    content_hash     VARCHAR,
    raw_json         VARCHAR
);

CREATE TABLE IF NOT EXISTS quarantine (
    run_id      INTEGER,
    source_file VARCHAR,
    line        BIGINT,
    reason      VARCHAR,
    raw_text    VARCHAR
);
