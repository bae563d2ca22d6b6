"""Is a recipient's name a natural person's? Evidence, weighed, with a reason per name.

Public procurement names some natural persons (sole proprietors) as recipients.
Everything custodes publishes withholds a natural person's name and never withholds an
organisation's. This module judges names; it is pure (no store, no files but its own
word list) so that ingest (minimisation) and the figures layer (withholding) share it:

    judge_names(names, evidence=None) -> dict[name, Judgement]
    judge_name(name, evidence=None) -> Judgement
    evidence_from_rows(rows) -> dict[name_key, Evidence]   (bulk flags, identifiers)
    DETECTOR_VERSION                                       (changes with any rule)

The evidence, strongest first (docs/persons.md has the method and the measurements):

1. The name's own words. A legal form (cleanco's terms in many languages, plus
   custodes/data/persons/words.yaml: INC, LIMITED, GMBH, S.A. DE C.V., LTDA, PTY, OY,
   AB, KK ...) or an institution's word (COUNTY, UNIVERSITY, MUNICIPIO ...) settles it:
   organisation. So does the same name found elsewhere with a legal form added (the
   vendor's other names: "FCN" beside "FCN INC.").
2. The name's structure. A personal name read as a registry writes it ("LAST, FIRST M",
   "FIRST M LAST", "LAST FIRST M"), with given names from probablepeople's name
   statistics (census given-name ratios and a given-name list) or, for names those do
   not know, from probablepeople's parser labelling the word a given name. Trade words
   (GUNS, BUILDERS, TRUCKING ...) count against it, except after "LAST, FIRST".
3. The records: bulk rows' business-type flags (an organisation flag vetoes the
   sole-proprietorship flag and counts against), an identifier (UEI/DUNS) that also
   appears under an organisation's name, and probablepeople's overall tag.

Each piece adds a weight; a name is a person's when the sum reaches PERSON_THRESHOLD.
The reason lists every piece with its weight, so a reader can see why.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import metadata, resources
from typing import Any

import yaml

# Bump when the rules below change; the word list, the weights and the libraries'
# versions are part of DETECTOR_VERSION too.
RULES_VERSION = "1"

PERSON_THRESHOLD = 3
CERTAIN, LIKELY, WEAK = 5, 3, 1  # how surely the words read as one person's name
BUSINESS_WORD = -4  # a trade word outside "LAST, FIRST ..."
ORGANISATION_FLAG = -2  # a bulk business-type flag of an organisation
SOLE_PROPRIETOR_FLAG = (
    1  # the bulk sole_proprietorship flag (when no organisation flag)
)
SHARED_IDENTIFIER = -3  # the UEI/DUNS also names an organisation, or a parent company
PARSER_PERSON, PARSER_CORPORATION = 1, -1  # probablepeople's tag of the whole name

# Bulk business-type columns (USAspending contracts schema) that name an organisation.
ORGANISATION_FLAG_COLUMNS = (
    "corporate_entity_not_tax_exempt",
    "corporate_entity_tax_exempt",
    "partnership_or_limited_liability_partnership",
    "limited_liability_corporation",
    "subchapter_scorporation",
    "us_government_entity",
    "us_federal_government",
    "federal_agency",
    "us_state_government",
    "us_local_government",
    "city_local_government",
    "county_local_government",
    "inter_municipal_local_government",
    "municipality_local_government",
    "township_local_government",
    "school_district_local_government",
    "local_government_owned",
    "us_tribal_government",
    "foreign_government",
    "international_organization",
    "educational_institution",
    "hospital_flag",
    "nonprofit_organization",
    "other_not_for_profit_organization",
    "foundation",
    "community_development_corporation",
    "federally_funded_research_and_development_corp",
    "airport_authority",
    "port_authority",
    "transit_authority",
    "housing_authorities_public_tribal",
    "council_of_governments",
    "interstate_entity",
    "planning_commission",
)
# The transaction columns evidence_from_rows reads besides the flags above.
RECIPIENT_COLUMNS = (
    "recipient_name",
    "recipient_uei",
    "recipient_duns",
    "recipient_parent_name",
    "recipient_parent_uei",
    "recipient_parent_duns",
)
SOLE_PROPRIETOR_COLUMN = "sole_proprietorship"
ORGANISATION_TYPE_COLUMN = (
    "organizational_type"  # 'SOLE PROPRIETORSHIP', 'PARTNERSHIP' ...
)
TRUE_TEXTS = frozenset({"t", "true", "y", "yes", "1"})


@dataclass(frozen=True)
class Evidence:
    """What the records say about the recipient behind one name (all optional)."""

    sole_proprietorship: bool = False  # a row flags a sole proprietorship
    organisation_flags: tuple[str, ...] = ()  # business-type flags of an organisation
    other_names: tuple[str, ...] = ()  # names under the same UEI/DUNS, parents' names


@dataclass(frozen=True)
class Judgement:
    name: str
    is_person: bool
    score: int
    reason: str  # every piece of evidence with its weight, "; "-separated


def name_key(name: str) -> str:
    """Upper case, whitespace runs collapsed to one space, trimmed: the form that
    labels and evidence are keyed by."""
    return " ".join(name.upper().split())


def name_hash(name: str) -> str:
    """sha256 (hex) of name_key(name) in UTF-8, no salt: how the labelled set stores a
    natural person's name without holding it."""
    return hashlib.sha256(name_key(name).encode("utf-8")).hexdigest()


# --- word lists ---------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    legal: frozenset[tuple[str, ...]]  # legal forms found anywhere in a name
    legal_at_end: frozenset[tuple[str, ...]]  # legal forms that must end the name
    institutions: frozenset[tuple[str, ...]]
    business: frozenset[tuple[str, ...]]
    joining: frozenset[str]
    suffixes: frozenset[str]
    titles: frozenset[str]
    occupations: frozenset[tuple[str, ...]]
    particles: frozenset[str]
    trade_markers: frozenset[tuple[str, ...]]
    digest: str


def _phrases(value: Any) -> frozenset[tuple[str, ...]]:
    items = value if isinstance(value, list) else [w for v in value.values() for w in v]
    return frozenset(tuple(read(str(w)).tokens) for w in items)  # read as names are


@cache
def load_words() -> Words:
    """custodes/data/persons/words.yaml, with cleanco's legal-form terms: its one-word
    terms ("AB", "KOOP", "SE") only where they end a name, its phrases anywhere."""
    from cleanco.clean import prepare_default_terms  # type: ignore[import-untyped]

    text = resources.files("custodes.data").joinpath("persons/words.yaml").read_text()
    doc = yaml.safe_load(text)
    cleanco = {tuple(read(" ".join(p)).tokens) for _, p in prepare_default_terms()}
    cleanco.discard(())
    ours = _phrases(doc["legal_forms"])
    short = _phrases(doc["short_legal_forms_at_end_only"])
    return Words(
        legal=frozenset((ours - short) | {t for t in cleanco if len(t) > 1}),
        legal_at_end=frozenset(short | {t for t in cleanco if len(t) == 1}),
        institutions=_phrases(doc["institutions"]),
        business=_phrases(doc["business_words"]),
        joining=frozenset(str(w) for w in doc["joining_words"]),
        suffixes=frozenset(doc["person_suffixes"]),
        titles=frozenset(doc["person_titles"]),
        occupations=_phrases(doc["occupations"]),
        particles=frozenset(doc["surname_particles"]),
        trade_markers=_phrases(doc["trade_name_markers"]),
        digest=hashlib.sha256(text.encode()).hexdigest()[:8],
    )


def _version() -> str:
    libs = ";".join(f"{d}={metadata.version(d)}" for d in ("probablepeople", "cleanco"))
    return f"persons-{RULES_VERSION};words={load_words().digest};{libs}"


# --- reading a name -----------------------------------------------------------------


def _plain(text: str) -> str:
    """Upper case without accents; dots removed ("L.L.C." -> "LLC")."""
    text = unicodedata.normalize("NFKD", text.upper())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace(".", "")


@dataclass
class Reading:
    tokens: list[str]  # words, dots removed, "&" and "/" as their own words
    comma_after: int | None  # index of the word a first comma follows
    dotted: set[str]  # words written with dots in the name ("P.C.", "S.A.")


def read(name: str) -> Reading:
    upper = unicodedata.normalize("NFKD", name.upper())
    dotted = {_plain(m) for m in re.findall(r"\b(?:[A-Z]\.){2,}", upper)}
    spaced = re.sub(r"([&/+@])", r" \1 ", _plain(name))
    tokens: list[str] = []
    comma_after = None
    for part in re.split(r"(,)|\s+", spaced):
        if part == ",":
            if comma_after is None and tokens:
                comma_after = len(tokens) - 1
            continue
        word = (part or "").strip(" ;:()\"'-")
        if word:
            tokens.append(word)
    return Reading(tokens, comma_after, dotted)


@cache
def _longest(phrases: frozenset[tuple[str, ...]]) -> int:
    return max((len(p) for p in phrases), default=0)


def _find(
    tokens: list[str], phrases: frozenset[tuple[str, ...]]
) -> tuple[str, ...] | None:
    """The longest phrase of `phrases` found in `tokens` (first by position)."""
    for n in range(min(_longest(phrases), len(tokens)), 0, -1):
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i : i + n]) in phrases:
                return tuple(tokens[i : i + n])
    return None


def legal_form(r: Reading) -> str | None:
    """The legal form the name holds, if any."""
    w = load_words()
    tokens = list(r.tokens)
    while tokens and tokens[-1] == "THE":
        tokens.pop()
    found = _find(tokens, w.legal)
    if found:
        return " ".join(found)
    if len(tokens) > 1 and (tokens[-1],) in w.legal_at_end:
        return tokens[-1]
    dotted = [t for t in tokens if t in r.dotted and (t,) in w.legal_at_end]
    return dotted[0] if dotted else None


def institution(r: Reading) -> str | None:
    found = _find(r.tokens, load_words().institutions)
    return " ".join(found) if found else None


# --- the name's structure -----------------------------------------------------------


@cache
def _lexicon() -> tuple[dict[str, float], frozenset[str]]:
    """probablepeople's name statistics: word -> share of uses as a given name (US
    census names), and its list of given names."""
    from probablepeople.gender import gender_names  # type: ignore[import-untyped]
    from probablepeople.ratios import ratios  # type: ignore[import-untyped]

    return ratios, frozenset(n.upper() for n in gender_names)


@lru_cache(maxsize=65536)
def _parser_labels(text: str) -> tuple[dict[str, str], str]:
    """probablepeople's label for each word, and its tag for the whole name."""
    import probablepeople  # type: ignore[import-untyped]

    labels = {
        _plain(tok).strip(",;"): label for tok, label in probablepeople.parse(text)
    }
    try:
        kind = probablepeople.tag(text)[1]
    except probablepeople.RepeatedLabelError:
        kind = ""
    return labels, kind


GIVEN_RATIO = 0.3  # a word used as a given name at least this often is one


def _known_given(word: str) -> bool:
    ratios, given = _lexicon()
    return len(word) > 1 and (ratios.get(word, 0) >= GIVEN_RATIO or word in given)


def _initial(word: str) -> bool:
    return len(word) == 1 and word.isalpha()


@dataclass
class Structure:
    weight: int
    note: str


def _strip(
    tokens: list[str], comma: int | None
) -> tuple[list[str], int | None, list[str]]:
    """The name without a trade name after DBA, titles before it, and suffixes,
    credentials and occupations after it. Returns the words, where the first comma
    now falls, and what was removed."""
    w = load_words()
    removed: list[str] = []
    for i in range(1, len(tokens)):
        for marker in w.trade_markers:
            if tuple(tokens[i : i + len(marker)]) == marker:
                removed.append("trade name after " + " ".join(marker))
                tokens = tokens[:i]
                break
    while len(tokens) > 2 and tokens[0] in w.titles:
        removed.append(tokens.pop(0))
        comma = None if comma is None else comma - 1
    changed = True
    while changed and len(tokens) > 2:
        changed = False
        for phrase in sorted(w.occupations, key=len, reverse=True):
            if (
                tuple(tokens[-len(phrase) :]) == phrase
                and len(tokens) > len(phrase) + 1
            ):
                removed.append(" ".join(phrase))
                del tokens[-len(phrase) :]
                changed = True
        if tokens[-1] in w.suffixes:
            removed.append(tokens.pop())
            changed = True
    if comma is not None and comma >= len(tokens) - 1:
        comma = None  # it only set off what was removed ("ODALRIC M KEW, ARBITRATOR")
    return tokens, comma, removed


def _namelike(word: str) -> bool:
    w = load_words()
    return (
        re.fullmatch(r"[A-Z][A-Z'-]*", word) is not None
        and word not in w.joining
        and (word,) not in w.business
        and (word,) not in w.legal_at_end
    )


def _given(word: str, labels: dict[str, str]) -> str:
    if _known_given(word):
        return "known"
    if len(word) > 2 and labels.get(word) == "GivenName" and _namelike(word):
        return "parsed"
    return ""


def _comma_form(
    left: list[str], right: list[str], labels: dict[str, str]
) -> Structure | None:
    """LAST, FIRST M [trade words]: how registries write a sole proprietor."""
    particles = sum(t in load_words().particles for t in left)
    if not 1 <= len(left) <= 2 + particles or not all(_namelike(t) for t in left):
        return None
    head: list[str] = []
    for word in right:
        if len(head) == 3 or not (_namelike(word) or _initial(word)):
            break
        head.append(word)
    if not head:
        return None
    rest = right[len(head) :]
    first = head[0]
    given = _given(first, labels) or ("initials" if len(first) <= 2 else "")
    form = f"personal name as LAST, FIRST ({len(left)}+{len(head)} words)"
    if not rest:
        return Structure(CERTAIN, form)
    if any(t in load_words().joining for t in rest):
        return Structure(WEAK, form + " joined to another party ('& SON')")
    if given:
        return Structure(LIKELY, form + " followed by a trade or occupation")
    return Structure(WEAK, form + " followed by other words")


def _forward_form(tokens: list[str], labels: dict[str, str]) -> Structure | None:
    """FIRST [M] LAST [LAST2]."""
    if not 2 <= len(tokens) <= 4 or not all(
        _namelike(t) or _initial(t) for t in tokens
    ):
        return None
    if _initial(tokens[0]) or _initial(tokens[-1]):
        return None
    given = _given(tokens[0], labels)
    middle_initial = len(tokens) == 3 and _initial(tokens[1])
    if given == "known" or middle_initial:
        return Structure(CERTAIN, "personal name as FIRST [M] LAST")
    if given:
        return Structure(
            LIKELY, "personal name as FIRST LAST (given name from the parser)"
        )
    return None


def _reversed_form(tokens: list[str], labels: dict[str, str]) -> Structure | None:
    """LAST FIRST [M]: a registry's order without the comma."""
    if not 2 <= len(tokens) <= 4 or not all(
        _namelike(t) or _initial(t) for t in tokens
    ):
        return None
    if _initial(tokens[0]) or _initial(tokens[1]):
        return None
    rest = tokens[2:]
    unknown = [t for t in rest if not (_initial(t) or _known_given(t))]
    trailing_initial = len(tokens) == 3 and _initial(tokens[2])
    if (_known_given(tokens[1]) and len(unknown) <= 1) or trailing_initial:
        return Structure(CERTAIN, "personal name as LAST FIRST [M]")
    return None


def structure(name: str) -> tuple[Structure, list[str], int | None]:
    """How surely the name's words read as one person's name; the words that were read
    (without a trade name, titles, suffixes and occupations) and where their first
    comma falls."""
    r = read(name)
    tokens, comma, removed = _strip(list(r.tokens), r.comma_after)
    labels, _ = _parser_labels(name)
    found: list[Structure] = []
    if any(any(c.isdigit() for c in t) for t in tokens):
        return Structure(0, "digits in the name"), tokens, comma
    if len(tokens) < 2:
        return Structure(0, "one word"), tokens, comma
    if comma is not None:
        s = _comma_form(tokens[: comma + 1], tokens[comma + 1 :], labels)
        found += [s] if s else []
    else:
        found += [
            s
            for s in (_forward_form(tokens, labels), _reversed_form(tokens, labels))
            if s
        ]
    if not found:
        return Structure(0, "not a personal name's shape"), tokens, comma
    best = max(found, key=lambda s: s.weight)
    if removed:
        best = Structure(
            best.weight, best.note + " (read without " + ", ".join(removed) + ")"
        )
    return best, tokens, comma


# --- judging ------------------------------------------------------------------------


def _business_words(tokens: list[str], comma: int | None) -> str | None:
    """A trade word or a joining word, outside the head of LAST, FIRST ..."""
    w = load_words()
    words = tokens if comma is None else tokens[: comma + 1]
    joined = [t for t in words if t in w.joining]
    found = _find(words, w.business)
    if found:
        return " ".join(found)
    ratios, _ = _lexicon()
    trades = [t for t in words if len(t) >= 7 and t.endswith("ING") and t not in ratios]
    return trades[0] if trades else (joined[0] if joined else None)


def _other_names(r: Reading, ev: Evidence) -> tuple[bool, str | None]:
    """(decisive, note): the vendor's other names. The same name with a legal form
    added settles it; any other organisation's name under its identifiers counts."""
    mine = r.tokens
    shared = None
    for other in ev.other_names:
        o = read(other)
        if sorted(o.tokens) == sorted(mine):
            continue  # the same words in another order (a parent "KEW  ODALRIC M")
        if not (legal_form(o) or institution(o)):
            continue
        if o.tokens[: len(mine)] == mine:
            return True, f"the same name with a legal form elsewhere: {other!r}"
        shared = shared or other
    note = (
        f"its identifier or parent also names an organisation: {shared!r}"
        if shared
        else None
    )
    return False, note


def judge_name(name: str, evidence: Evidence | None = None) -> Judgement:
    ev = evidence or Evidence()
    r = read(name)
    for what, found in (
        ("legal form", legal_form(r)),
        ("institution's word", institution(r)),
    ):
        if found:
            return Judgement(name, False, -100, f"organisation: {what} {found!r}")
    decisive, other_note = _other_names(r, ev)
    if decisive:
        return Judgement(name, False, -100, f"organisation: {other_note}")
    shape, tokens, comma = structure(name)
    parts: list[tuple[int, str]] = [(shape.weight, shape.note)]
    if shape.weight:
        business = _business_words(tokens, comma)
        if business:
            parts.append((BUSINESS_WORD, f"trade or joining word {business!r}"))
    if ev.organisation_flags:
        parts.append(
            (
                ORGANISATION_FLAG,
                "business-type flags of an organisation: "
                + ", ".join(sorted(ev.organisation_flags)),
            )
        )
    elif ev.sole_proprietorship:
        parts.append((SOLE_PROPRIETOR_FLAG, "sole-proprietorship flag"))
    if other_note:
        parts.append((SHARED_IDENTIFIER, other_note))
    _, kind = _parser_labels(name)
    if kind == "Person":
        parts.append((PARSER_PERSON, "probablepeople: Person"))
    elif kind == "Corporation":
        parts.append((PARSER_CORPORATION, "probablepeople: Corporation"))
    score = sum(w for w, _ in parts)
    is_person = score >= PERSON_THRESHOLD
    verdict = "natural person" if is_person else "organisation"
    reason = f"{verdict} ({score:+d}): " + "; ".join(f"{n} {w:+d}" for w, n in parts)
    return Judgement(name, is_person, score, reason)


def judge_names(
    names: Iterable[str], evidence: Mapping[str, Evidence] | None = None
) -> dict[str, Judgement]:
    """Judge each distinct name once. `evidence` is keyed by name_key() (as
    evidence_from_rows returns it) or by the name as given."""
    evidence = evidence or {}
    out: dict[str, Judgement] = {}
    for name in names:
        if name not in out:
            ev = evidence.get(name) or evidence.get(name_key(name))
            out[name] = judge_name(name, ev)
    return out


# --- evidence from records ----------------------------------------------------------


def _true(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return value is not None and str(value).strip().lower() in TRUE_TEXTS


def evidence_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, Evidence]:
    """Evidence per name_key from transaction rows (dicts with recipient_name and any
    of recipient_uei, recipient_duns, recipient_parent_name/_uei/_duns, the bulk
    business-type columns and organizational_type). Rows without a name are skipped."""
    flags: dict[str, set[str]] = {}
    sole: set[str] = set()
    ids: dict[str, set[str]] = {}
    names_by_id: dict[str, set[str]] = {}
    parents: dict[str, set[str]] = {}
    shown: dict[str, str] = {}
    for row in rows:
        name = row.get("recipient_name")
        if not name or not str(name).strip():
            continue
        key = name_key(str(name))
        shown.setdefault(key, str(name))
        mine = flags.setdefault(key, set())
        mine.update(c for c in ORGANISATION_FLAG_COLUMNS if _true(row.get(c)))
        kind = str(row.get(ORGANISATION_TYPE_COLUMN) or "").strip().upper()
        if kind == "SOLE PROPRIETORSHIP" or _true(row.get(SOLE_PROPRIETOR_COLUMN)):
            sole.add(key)
        if kind not in ("", "SOLE PROPRIETORSHIP", "OTHER"):
            mine.add(f"{ORGANISATION_TYPE_COLUMN}={kind}")
        for col in ("recipient_uei", "recipient_duns"):
            if row.get(col):
                ident = f"{col}={str(row[col]).strip().lstrip('0')}"
                ids.setdefault(key, set()).add(ident)
                names_by_id.setdefault(ident, set()).add(key)
        parent = row.get("recipient_parent_name")
        if parent and name_key(str(parent)) != key:
            parents.setdefault(key, set()).add(str(parent))
    out = {}
    for key in shown:
        others = {
            shown[k] for i in ids.get(key, ()) for k in names_by_id[i] if k != key
        }
        out[key] = Evidence(
            sole_proprietorship=key in sole,
            organisation_flags=tuple(sorted(flags.get(key, ()))),
            other_names=tuple(sorted(others | parents.get(key, set()))),
        )
    return out


DETECTOR_VERSION = _version()
