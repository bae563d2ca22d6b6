"""Name normalisation: the rule-based step between identifiers and fuzzy matching.

`name_key` turns a recipient name into a comparison key: upper case, '&' -> AND,
punctuation removed, a leading or trailing THE dropped, registry numbers in brackets
dropped, legal-form suffixes dropped, common abbreviations expanded. Two names with the
same key are merged by rule; everything else needs stronger evidence.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import OSA

# Legal forms, longest first so that multi-word forms win over their parts.
LEGAL_FORMS = (
    "LIMITED LIABILITY COMPANY",
    "LIMITED LIABILITY PARTNERSHIP",
    "LIMITED PARTNERSHIP",
    "PROFESSIONAL LIMITED LIABILITY COMPANY",
    "PROFESSIONAL CORPORATION",
    "INCORPORATED",
    "CORPORATION",
    "COMPANY",
    "LIMITED",
    "L L C",
    "L L P",
    "L P",
    "P L L C",
    "P C",
    "LLC",
    "LLP",
    "RLLP",
    "PLLC",
    "INC",
    "CORP",
    "CO",
    "LTD",
    "LP",
    "PLC",
    "PC",
    "NA",
    "N A",
    "SA",
    "AG",
    "GMBH",
    "BV",
    "NV",
    "PTY",
    "ULC",
)
# Words that may be rewritten without changing which company is meant.
ABBREVIATIONS = {
    "INTL": "INTERNATIONAL",
    "INT'L": "INTERNATIONAL",
    "TECH": "TECHNOLOGY",
    "TECHNOLOGIES": "TECHNOLOGY",
    "SVCS": "SERVICES",
    "SVC": "SERVICES",
    "SERVICE": "SERVICES",
    "SYS": "SYSTEMS",
    "MGMT": "MANAGEMENT",
    "ASSOC": "ASSOCIATES",
    "ASSN": "ASSOCIATION",
    "GOVT": "GOVERNMENT",
    "NATL": "NATIONAL",
    "MFG": "MANUFACTURING",
    "BROS": "BROTHERS",
    "SOLN": "SOLUTIONS",
    "SOLNS": "SOLUTIONS",
    "CTR": "CENTER",
    "DEPT": "DEPARTMENT",
}
_FORM_TOKENS = [f.split() for f in LEGAL_FORMS]
LONG_FORMS = ("INCORPORATED", "CORPORATION", "COMPANY", "LIMITED")
_BRACKET_NUMBER = re.compile(r"\([^)]*\)")  # "(3626)", "(NLETS)", "(US)"
_NON_ALNUM = re.compile(r"[^A-Z0-9 ]+")
_SPACES = re.compile(r"\s+")
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")  # U.S.A. -> USA
_SINGLE_LETTERS = re.compile(r"\b(?:[A-Z] ){1,}[A-Z]\b")  # U S A -> USA


def _ascii_upper(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return text.upper().replace("\u2019", "'")


def _strip_forms(tokens: list[str], truncated: bool) -> list[str]:
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for form in _FORM_TOKENS:
            if len(tokens) > len(form) and tokens[-len(form) :] == form:
                tokens = tokens[: -len(form)]
                changed = True
                break
        if not changed and len(tokens) > 1 and _is_misspelt_form(tokens[-1]):
            tokens = tokens[:-1]
            changed = True
        elif not changed and truncated and len(tokens) > 2 and _is_cut_form(tokens[-1]):
            tokens = tokens[
                :-1
            ]  # "SPECTRUM SECURITY SERVICES, IN" was cut at 30 characters
            changed = True
    return tokens


def _is_misspelt_form(token: str) -> bool:
    """A long legal form with one typo ("CORPORATOIN", "INCORPORTED")."""
    return len(token) >= 6 and any(
        OSA.distance(token, form, score_cutoff=1) <= 1 for form in LONG_FORMS
    )


def _is_cut_form(token: str) -> bool:
    return len(token) >= 2 and any(
        f.startswith(token) and f != token
        for f in ("INCORPORATED", "CORPORATION", "COMPANY", "LIMITED")
    )


def name_tokens(name: str) -> list[str]:
    """The tokens of a name's key (see module doc)."""
    text = _ascii_upper(name or "")
    truncated = len(text.strip()) >= 30
    text = _BRACKET_NUMBER.sub(" ", text)
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)
    text = text.replace("&", " AND ").replace("'", "")
    text = _NON_ALNUM.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    text = _SINGLE_LETTERS.sub(lambda m: m.group(0).replace(" ", ""), text)
    tokens = [ABBREVIATIONS.get(t, t) for t in text.split()]
    if tokens[:1] == ["THE"] and len(tokens) > 1:
        tokens = tokens[1:]
    if tokens[-1:] == ["THE"] and len(tokens) > 1:
        tokens = tokens[:-1]
    tokens = _strip_forms(tokens, truncated)
    if tokens[-1:] == ["THE"] and len(tokens) > 1:  # "GEO GROUP, INC., THE"
        tokens = _strip_forms(tokens[:-1], truncated)
    return tokens


def name_key(name: str) -> str:
    """The rule key of a recipient name: equal keys mean the same vendor."""
    return " ".join(name_tokens(name))


def sorted_key(key: str) -> str:
    """The key with its words in alphabetical order (word-order variants meet here)."""
    return " ".join(sorted(key.split()))


def slug(text: str) -> str:
    """A lower-case, hyphenated id part: 'PARAGON SYSTEMS' -> 'paragon-systems'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


def display_name(name: str) -> str:
    """A recipient name tidied for display (spacing only; the source spelling is
    kept)."""
    return _SPACES.sub(" ", (name or "").strip())
