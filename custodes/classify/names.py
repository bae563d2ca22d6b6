"""Recipient names as the rules read them: upper-cased, punctuation made single
spaces, a leading "THE" and the trailing legal forms dropped ("PEN-LINK, LTD." becomes
`PEN LINK`, "PENLINK LIMITED" becomes `PENLINK`). The award's recipient field holds its
names in this form (`|A||B|`, see awards.py); maker and profile rules match whole names
in it, with an optional space between words, so that a later year's spelling of a known
vendor is still recognised. The SQL and the Python forms must agree (tests/classify
check both).
"""

from __future__ import annotations

import re

from custodes.store.sql import literal

_FORMS = (
    "LIMITED LIABILITY COMPANY|L L C|LLC|INCORPORATED|INC|CORPORATION|CORP|COMPANY|CO"
    "|LIMITED|LTD|L P|LP|LLP|PLC|PTY|GMBH"
)
_PUNCT = r"[^A-Z0-9]+"
# a leading "THE " and the trailing run of legal forms, removed in one pass
_ENDS = rf"^THE |( ({_FORMS}))+$"


def normal_name(name: str) -> str:
    """The form of a recipient name the rules match (see the module docstring)."""
    return re.sub(_ENDS, "", re.sub(_PUNCT, " ", name.upper()).strip())


def normal_name_sql(column: str) -> str:
    """The same as `normal_name`, in DuckDB SQL."""
    s = f"trim(regexp_replace(upper({column}), {literal(_PUNCT)}, ' ', 'g'))"
    return f"regexp_replace({s}, {literal(_ENDS)}, '', 'g')"


def literal_names(names: list[str]) -> tuple[str, ...]:
    """Patterns that match these names, whole, in the recipient field (`|A||B|`), with
    or without a space between their words: "PEN-LINK, LTD." matches `|PEN LINK|` and
    `|PENLINK|`, never `|PEN LINK SERVICES|`.
    """
    out = []
    for n in names:
        words = normal_name(n).split()
        if words:
            out.append(r"\|" + " ?".join(re.escape(w) for w in words) + r"\|")
    return tuple(dict.fromkeys(out))
