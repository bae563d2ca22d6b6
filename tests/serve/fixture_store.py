"""A small store for the web app tests: the shared test fixtures, rows with script and
HTML payloads in their descriptions, and stage tables (vendors, makers, categories)
written here from hand-made fixtures so the pages can be tested before or without
`custodes resolve` / `custodes classify`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner

from custodes.cli import main
from custodes.serve.prepare import build_serve_tables
from custodes.settings import Settings
from custodes.store import open_store

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURE_CSVS = [
    ROOT / "tests/fixtures/usaspending/api_search_small.csv",
    ROOT / "tests/fixtures/usaspending/bulk_fy18_small.csv",
    HERE / "fixtures/xss_api_search.csv",
    # Babel Street paid directly, and bought through the resellers PanAmerica and
    # ThunderCat (real rows; issue 17: a maker watch missed the reseller's order)
    ROOT / "tests/fixtures/usaspending/babel_street_channels.csv",
]

# (pattern in description, category); first match wins, else 'none'.
CATEGORY_RULES = [
    ("CLEARVIEW", "face_recognition"),
    ("CELLEBRITE", "phone_forensics_spyware"),
    ("BABEL STREET", "social_media_monitoring"),
    ("LEXIS", "data_brokers"),
    ("PAYLOADMARKER", "data_brokers"),
]
# recipient name -> parent recipient name (a hand-made corporate family)
PARENTS = {"RELX INC.": None, "LEXISNEXIS RISK SOLUTIONS INC": "RELX INC."}
# award PIID -> (maker, maker recipient name or None: the maker's own vendor)
MAKERS = {
    "70B06C21F00001052": ("Cellebrite", None),
    "70B03C21F00001121": ("Babel Street", "BABEL STREET, INC."),
    "70B03C23F00001053": ("Babel Street", "BABEL STREET, INC."),
    "70CMSD18FR0000226": ("Babel Street", "BABEL STREET, INC."),
    "70B02C22P00000509": ("Cellebrite", None),
}


def vendor_id(name: str) -> str:
    return "vendor-" + hashlib.sha1(name.upper().encode()).hexdigest()[:10]


def ingest(db: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["--db", str(db), "ingest", *map(str, FIXTURE_CSVS)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output


def write_stage_tables(db: Path) -> None:
    """vendor, vendor_alias, transaction_vendor, award_maker, classification(_run)."""
    with open_store(Settings(db=db), write=True, command="test") as store:
        names = [
            r["recipient_name"]
            for r in store.rows(
                'SELECT DISTINCT recipient_name FROM "transaction" '
                "WHERE NOT recipient_is_individual ORDER BY 1"
            )
        ]
        vendors = [
            (
                vendor_id(n),
                n,
                vendor_id(PARENTS[n]) if PARENTS.get(n) else None,
                vendor_id(PARENTS[n]) if PARENTS.get(n) else vendor_id(n),
                "company",
            )
            for n in names
        ] + [
            (
                vendor_id("Cellebrite"),
                "CELLEBRITE",
                None,
                vendor_id("Cellebrite"),
                "maker",
            ),
        ]
        with store.transaction():
            store.execute(
                "CREATE OR REPLACE TABLE vendor (vendor_id VARCHAR, name VARCHAR, "
                "parent_id VARCHAR, family_id VARCHAR, kind VARCHAR)"
            )
            store.con.executemany("INSERT INTO vendor VALUES (?, ?, ?, ?, ?)", vendors)
            store.execute(
                "CREATE OR REPLACE TABLE vendor_alias AS SELECT DISTINCT "
                "NULL::VARCHAR AS vendor_id, recipient_name, recipient_uei, "
                "recipient_duns, 'identifier' AS method, 1.0::DOUBLE AS score, "
                "'same name' AS reason FROM \"transaction\" "
                "WHERE NOT recipient_is_individual"
            )
            store.execute(
                "CREATE OR REPLACE TABLE transaction_vendor AS SELECT "
                "transaction_key, CASE WHEN recipient_is_individual THEN NULL "
                "ELSE 'vendor-' || left(sha1(upper(recipient_name)), 10) END "
                'AS vendor_id FROM "transaction"'
            )
            store.execute(
                "UPDATE vendor_alias SET vendor_id = 'vendor-' || "
                "left(sha1(upper(recipient_name)), 10)"
            )
            store.execute(
                "CREATE OR REPLACE TABLE award_maker (award_key VARCHAR, "
                "maker VARCHAR, maker_vendor_id VARCHAR, product_id VARCHAR, "
                "evidence VARCHAR)"
            )
            for piid, (maker, own) in MAKERS.items():
                store.execute(
                    "INSERT INTO award_maker SELECT DISTINCT award_key, ?, ?, ?, "
                    '? FROM "transaction" WHERE piid = ?',
                    [
                        maker,
                        vendor_id(own or maker),
                        maker.lower().replace(" ", "_"),
                        maker.upper(),
                        piid,
                    ],
                )
            write_classification(store)
        build_serve_tables(store)


def write_classification(store) -> None:
    case = " ".join(f"WHEN upper(d) LIKE '%{p}%' THEN '{c}'" for p, c in CATEGORY_RULES)
    store.execute(f"""CREATE OR REPLACE TABLE classification AS
        WITH a AS (SELECT award_key, string_agg(description, ' ') AS d
                   FROM "transaction" GROUP BY 1)
        SELECT award_key, CASE {case} ELSE 'none' END AS category,
            0.9::DOUBLE AS confidence,
               to_json([{{'signal': 'keyword', 'rule': 'fixture',
                          'text': left(d, 120)}}])::VARCHAR AS evidence,
               NULL::VARCHAR AS maker, 'rules' AS method, '1.0' AS taxonomy_version,
               'fixture' AS rules_version FROM a""")
    store.execute(
        "CREATE OR REPLACE TABLE classification_run AS SELECT now()::TIMESTAMP "
        "AS run_at, '1.0' AS taxonomy_version, 'fixture' AS rules_version, "
        "0 AS overrides_applied, (SELECT count(*) FROM classification) AS awards"
    )


def build_fixture_store(db: Path, stage_tables: bool = True) -> Path:
    ingest(db)
    if stage_tables:
        write_stage_tables(db)
    else:
        with open_store(Settings(db=db), write=True, command="test") as store:
            build_serve_tables(store)
    return db
