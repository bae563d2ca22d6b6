"""Query parameters, each checked and bounded. Anything out of bounds is a 400 error."""

from __future__ import annotations

import re
from collections.abc import Mapping

from custodes.errors import InputError

MAX_PAGE_SIZE = 100
MAX_PAGE = 1000
MAX_TEXT = 200
ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,200}$")
AGENCIES = {"ICE": "7012", "CBP": "7014"}


def text(params: Mapping[str, str], name: str, max_len: int = MAX_TEXT) -> str | None:
    value = params.get(name)
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > max_len:
        raise InputError(
            f"Parameter {name!r} is longer than {max_len} characters. Shorten it."
        )
    if any(ord(c) < 32 for c in value):
        raise InputError(
            f"Parameter {name!r} contains control characters. Remove them."
        )
    return value


def integer(
    params: Mapping[str, str], name: str, default: int | None, low: int, high: int
) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    if not re.fullmatch(r"-?\d{1,9}", value):
        raise InputError(
            f"Parameter {name!r} must be a whole number, not {value[:40]!r}."
        )
    number = int(value)
    if not low <= number <= high:
        raise InputError(f"Parameter {name!r} must be between {low} and {high}.")
    return number


def page(params: Mapping[str, str]) -> tuple[int, int]:
    """(page, size): page from 1, size at most MAX_PAGE_SIZE."""
    return (
        integer(params, "page", 1, 1, MAX_PAGE) or 1,
        integer(params, "size", 25, 1, MAX_PAGE_SIZE) or 25,
    )


def fiscal_year(params: Mapping[str, str]) -> int | None:
    return integer(params, "fy", None, 1990, 2100)


def agency(params: Mapping[str, str]) -> str | None:
    """A sub-agency code: accepts ICE, CBP or a four-digit code."""
    value = text(params, "agency", 20)
    if value is None:
        return None
    if value.upper() in AGENCIES:
        return AGENCIES[value.upper()]
    if re.fullmatch(r"\d{4}", value):
        return value
    raise InputError(
        f"Parameter 'agency' must be ICE, CBP or a four-digit sub-agency "
        f"code, not {value[:40]!r}."
    )


def identifier(params: Mapping[str, str], name: str) -> str | None:
    value = text(params, name, 200)
    if value is not None and not ID_RE.fullmatch(value):
        raise InputError(
            f"Parameter {name!r} may hold only letters, digits and . _ : -"
        )
    return value


def path_id(value: str, what: str) -> str:
    if not ID_RE.fullmatch(value):
        raise InputError(
            f"That is not a valid {what} id: letters, digits and . _ : - only."
        )
    return value


def choice(
    params: Mapping[str, str], name: str, options: tuple[str, ...], default: str
) -> str:
    value = params.get(name) or default
    if value not in options:
        raise InputError(f"Parameter {name!r} must be one of: {', '.join(options)}.")
    return value


def search_terms(q: str | None) -> list[str]:
    """Upper-cased words of a search text (at most 8), for substring matching."""
    if not q:
        return []
    words = [w for w in re.split(r"\s+", q.upper()) if w]
    if len(words) > 8:
        raise InputError("Use at most 8 words in a search.")
    return words


def search_tokens(q: str | None) -> list[str]:
    """The letters-and-digits runs of a search text, upper-cased (at most 8): each must
    start a word of the award's text (prefix match), as the serve_word table holds."""
    if not q:
        return []
    tokens = list(dict.fromkeys(re.findall(r"[A-Z0-9]+", q.upper())))
    if len(tokens) > 8:
        raise InputError("Use at most 8 words in a search.")
    return tokens
