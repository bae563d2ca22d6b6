"""The natural-person detector on invented names, both directions.

No name here belongs to a real person: every personal name is made up (and
test_fixture_names_are_not_in_the_shared_data checks none of them occurs in the real
data). Organisations are invented in the shapes the real data has, and a few are real
companies.
"""

from __future__ import annotations

import csv
import hashlib

import pytest

from custodes.model import persons
from custodes.model.persons import Evidence, evidence_from_rows, judge_name, judge_names
from tests.conftest import API_SEARCH, BULK, need_shared

PERSONS = [
    # FIRST LAST and FIRST M LAST
    "ZELDA QUARRINGTON",
    "MARGARET T VOLLANDER",
    "ODALRIC M FENWORTHY",  # a given name no list knows, with a middle initial
    "TOVRIK HALLSTEIN",  # a given name only the parser recognises
    "ANSELM T. DELACROIX-VOSS JR.",
    # LAST FIRST M (a registry's order without the comma)
    "QUARRINGTON ZELDA M",
    "VOLLANDER MARGARET",
    "DELACROIX-VOSS ANSELM T",
    "SMITHERTON JOHN A",
    # LAST, FIRST
    "SMITHERTON, JOHN",
    "QUARRINGTON, ZELDA M.",
    "BLEVANSKY-ORTEGA, ROSALIND",
    "MC QUARRIE, ZELDA",
    "FENWORTHY,ODALRIC",
    "HALLSTEIN, IB",  # initials after the comma
    # with titles, credentials and occupations
    "ROSALIND BLEVANSKY ESQ",
    "ROSALIND BLEVANSKY ATTORNEY AT LAW",
    "VOLLANDER, MARGARET T ARBITRATOR AND MEDIATOR",
    "ODALRIC M. FENWORTHY, ARBITRATOR",
    "DR. ANSELM PRUITTHAM PHD",
    "QUARRINGTON, ZELDA FARRIER SERVICE",  # a registry's sole proprietor with a trade
    # a person's registered name with a trade name
    "ZELDA QUARRINGTON DBA QUARRINGTON PAINTING",
    "QUARRINGTON, ZELDA D/B/A ZELDAS KENNELS",
    # the placeholder names the regular expression before this detector was tested on
    "DOE, JANE A",
    "JANE A DOE",
]

ORGANISATIONS = [
    # legal forms, English, also hyphenated and after a comma
    "PENWRIGHT, LIMITED",
    "PEN-WRIGHT, LIMITED",
    "PEN-WRIGHT, LTD.",
    "HALVERSEN INCORPORATED",
    "HALVERSEN, INC., THE",
    "BRIXLEY COMPANY",
    "BRIXLEY CO.",
    "KESTREL HOLDINGS L.L.C.",
    "JANE QUARRINGTON, P.C.",  # a professional corporation named after its owner
    "ROSALIND BLEVANSKY LLC ATTORNEY AT LAW",
    "Q.T. FENWORTHY, INC.",
    # legal forms in other languages
    "ZUGSPITZ GMBH",
    "ZUGSPITZ AG",
    "TALLMADGE BAU GMBH & CO. KG",
    "GRUPO ALMENDRA S.A. DE C.V.",
    "ALMENDRA SERVICIOS S. DE R.L. DE C.V.",
    "ALMENDRA COMERCIO LTDA",
    "ALMENDRA Y ASOCIADOS S.C.",
    "WATTLEBIRD PTY LTD",
    "WATTLEBIRD PTY. LIMITED",
    "KUUSIKKO OY",
    "FJALLBRANT AB",
    "NORDVIK AS",
    "SAKURADA KK",
    "SAKURADA K.K.",
    "VERLAINE SARL",
    "OOSTERHOUT B.V.",
    # trade names without a legal form (sole proprietors' businesses among them)
    "MORROW VALLEY GUNS",
    "TALLMADGE BUILDERS",
    "KESTREL OUTFITTERS",
    "KESTREL & SONS",
    "VOLLANDER & QUARRINGTON",
    "BRIXLEY, R P & SON",
    "ZELDA INTERPRETERS",
    "QUARRINGTON PAINTING",
    "ZELDAS SNACK BAR",
    "BRIXLEY BROS.",
    "HALLSTEIN TRUCKING",
    "QUILLFEATHER",
    "Q.T. POWER",  # initials and one word: not enough to read a person
    # digits
    "4077 LOGISTICS",
    "ZELDA QUARRINGTON 2",
    "24/7 COURIER",
    # public bodies and institutions
    "CITY OF MORROW VALLEY",
    "MORROW VALLEY, COUNTY OF",
    "MUNICIPIO DE ALMENDRA",
    "TALLMADGE UNIVERSITY",
    "FENWORTHY FOUNDATION",
    # DBA with an organisation's registered name
    "BRIXLEY HOLDINGS LLC DBA ZELDAS KITCHEN",
    # the companies the regular expression before this detector was tested on
    "CACI, INC. - FEDERAL",
    "SMITH, INC",
    "PALANTIR USG, INC.",
    "JOHN C SYSTEMS",
    "GEO GROUP, INC., THE",
]


@pytest.mark.parametrize("name", PERSONS)
def test_person_names_are_withheld(name):
    j = judge_name(name)
    assert j.is_person, j.reason
    assert j.reason.startswith("natural person")


@pytest.mark.parametrize("name", ORGANISATIONS)
def test_organisations_are_never_withheld(name):
    j = judge_name(name)
    assert not j.is_person, j.reason
    assert j.reason.startswith("organisation")


@pytest.mark.parametrize(
    "name, evidence, person, because",
    [
        # the sole-proprietorship flag alone does not make a trade name a person's
        ("KESTREL OUTFITTERS", Evidence(sole_proprietorship=True), False, "shape"),
        # ... but tips a name the parser alone finds a person's
        (
            "TOVRIK HALLSTEIN",
            Evidence(sole_proprietorship=True),
            True,
            "sole-proprietorship",
        ),
        # an organisation flag wins over the sole-proprietorship flag ...
        (
            "TOVRIK HALLSTEIN",
            Evidence(
                sole_proprietorship=True,
                organisation_flags=("limited_liability_corporation",),
            ),
            False,
            "limited_liability_corporation",
        ),
        # ... and does not turn a plain personal name into an organisation's
        (
            "ZELDA QUARRINGTON",
            Evidence(organisation_flags=("limited_liability_corporation",)),
            True,
            "FIRST [M] LAST",
        ),
        # the same name elsewhere with a legal form: an organisation, whatever its shape
        (
            "QUILLFEATHER",
            Evidence(other_names=("QUILLFEATHER INC.",)),
            False,
            "legal form elsewhere",
        ),
        (
            "ZELDA QUARRINGTON",
            Evidence(other_names=("ZELDA QUARRINGTON LLC",)),
            False,
            "legal form elsewhere",
        ),
        # its identifier also names another organisation: counts against
        (
            "TOVRIK HALLSTEIN",
            Evidence(other_names=("BRIXLEY HOLDINGS LLC",)),
            False,
            "also names an organisation",
        ),
        # the same words in another order (a parent field) are not another name
        (
            "QUARRINGTON, ZELDA",
            Evidence(other_names=("QUARRINGTON  ZELDA",)),
            True,
            "LAST, FIRST",
        ),
    ],
)
def test_evidence_weights(name, evidence, person, because):
    j = judge_name(name, evidence)
    assert j.is_person is person, j.reason
    assert because in j.reason


def test_judge_names_judges_each_name_once_and_keys_evidence_by_name_key():
    ev = {
        persons.name_key("  quillfeather "): Evidence(
            other_names=("QUILLFEATHER INC.",)
        )
    }
    out = judge_names([" QUILLFEATHER", " QUILLFEATHER", "ZELDA QUARRINGTON"], ev)
    assert set(out) == {" QUILLFEATHER", "ZELDA QUARRINGTON"}
    assert not out[" QUILLFEATHER"].is_person
    assert out["ZELDA QUARRINGTON"].is_person


def test_evidence_from_bulk_rows():
    rows = [
        {"recipient_name": "QUILLFEATHER", "recipient_duns": "012345678"},
        {
            "recipient_name": "QUILLFEATHER INC.",
            "recipient_duns": "12345678",
        },  # zeros lost
        {
            "recipient_name": "ZELDA QUARRINGTON",
            "sole_proprietorship": "t",
            "recipient_parent_name": "QUARRINGTON  ZELDA",
        },
        {
            "recipient_name": "KESTREL OUTFITTERS",
            "sole_proprietorship": "t",
            "limited_liability_corporation": "t",
            "organizational_type": "PARTNERSHIP",
        },
        {"recipient_name": None},
    ]
    ev = evidence_from_rows(rows)
    assert ev["QUILLFEATHER"].other_names == ("QUILLFEATHER INC.",)
    assert not judge_names(["QUILLFEATHER"], ev)["QUILLFEATHER"].is_person
    assert ev["ZELDA QUARRINGTON"] == Evidence(True, (), ("QUARRINGTON  ZELDA",))
    k = ev["KESTREL OUTFITTERS"]
    assert (
        k.sole_proprietorship
        and "limited_liability_corporation" in k.organisation_flags
    )
    assert "organizational_type=PARTNERSHIP" in k.organisation_flags


def test_every_judgement_says_why():
    for name in PERSONS + ORGANISATIONS:
        j = judge_name(name)
        assert j.name == name and j.reason and isinstance(j.score, int)


def test_name_hash_is_sha256_of_the_upper_cased_collapsed_name():
    expected = hashlib.sha256(b"ZELDA QUARRINGTON").hexdigest()
    assert persons.name_hash("  zelda \t quarrington ") == expected
    assert persons.name_key("Zelda  Quarrington ") == "ZELDA QUARRINGTON"


def test_version_names_the_rules_words_and_libraries():
    v = persons.DETECTOR_VERSION
    assert v.startswith(f"persons-{persons.RULES_VERSION};words=")
    assert "probablepeople=" in v and "cleanco=" in v


@pytest.mark.shared
def test_fixture_names_are_not_in_the_shared_data():
    """The invented personal names must stay invented: none is a recipient in the real
    data. (Some organisations here are real companies; that is allowed.)"""
    need_shared()
    real = set()
    for path in sorted(API_SEARCH.glob("*.csv")) + sorted(BULK.glob("*.csv")):
        col = "Recipient Name" if path.parent == API_SEARCH else "recipient_name"
        with open(path, encoding="utf-8", newline="") as fh:
            real.update(persons.name_key(r[col]) for r in csv.DictReader(fh) if r[col])
    invented = {persons.name_key(n) for n in PERSONS}
    assert len(real) > 4000
    assert not invented & real
