"""Vendor profiles (custodes/data/vendors/profiles.yaml) as `profile` rules.

A profile says what a known vendor sells, each product line with its sources. It becomes
one rule per surveillance category the vendor sells, on the recipient field, weaker than
the award's own text (see the file's header for how it votes and when it stays silent).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from custodes.classify.taxonomy import NONE, Taxonomy
from custodes.errors import ConfigError

PROFILE = "profile"


def profiles_path() -> Path:
    return Path(
        str(resources.files("custodes.data").joinpath("vendors", "profiles.yaml"))
    )


def read_profiles(path: Path, taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """The checked vendor entries of a profiles file; ConfigError says what is wrong."""
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Could not read {path}: {exc}. Fix the file.") from exc
    if not isinstance(raw, dict) or "vendors" not in raw:
        raise ConfigError(f"{path} needs `version` and `vendors`. Fix the file.")
    seen: set[str] = set()
    out = []
    for n, v in enumerate(raw["vendors"] or [], start=1):
        where = f"{path}: vendor {v.get('id', f'#{n}')}"
        vid = str(v.get("id") or "")
        if not vid or vid in seen:
            raise ConfigError(f"{where}: every vendor needs a unique `id`.")
        seen.add(vid)
        if not v.get("recipient_names"):
            raise ConfigError(f"{where}: list its `recipient_names`.")
        lines = v.get("lines") or []
        if not lines:
            raise ConfigError(f"{where}: list what it sells under `lines`.")
        for line in lines:
            cat = line.get("category")
            if cat not in taxonomy.ids:
                raise ConfigError(
                    f"{where}: line {line.get('line')!r} has category {cat!r}, "
                    "which is not in the taxonomy. Use a category id or none."
                )
            sources = line.get("sources") or []
            if not sources or not all(
                str(s).startswith(("https://", "http://")) for s in sources
            ):
                raise ConfigError(
                    f"{where}: line {line.get('line')!r} needs `sources`, each a URL "
                    "(https://...) where the fact can be checked."
                )
            if not str(line.get("line") or "").strip():
                raise ConfigError(f"{where}: a line has no description (`line`).")
            _check_scope(where, line)
        out.append(v)
    return out


def _check_scope(where: str, line: dict[str, Any]) -> None:
    """A line may be scoped by `when` (description patterns) or `offices` (awarding
    office codes, the first six characters of a PIID), not both, and only when it is
    a surveillance line."""
    when, offices = line.get("when"), line.get("offices")
    if when is None and offices is None:
        return
    name = line.get("line")
    if when is not None and offices is not None:
        raise ConfigError(
            f"{where}: line {name!r} has both `when` and `offices`; give it one "
            "(split it into two lines if both are needed)."
        )
    values = when if when is not None else offices
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(x, str) and x.strip() for x in values)
    ):
        key = "when" if when is not None else "offices"
        raise ConfigError(f"{where}: line {name!r}: `{key}` must be a list of strings.")
    if offices is not None and not all(
        re.fullmatch(r"[A-Z0-9]{6}", o) for o in offices
    ):
        raise ConfigError(
            f"{where}: line {name!r}: every office is the six-character code that "
            f"begins the award's PIID (e.g. 70B02C), got {offices}."
        )
    if line.get("category") == NONE:
        raise ConfigError(
            f"{where}: line {name!r} is `none`: only a surveillance line can be "
            "scoped by `when` or `offices`."
        )


def scoped(line: dict[str, Any]) -> bool:
    """A line that counts only where its `when` patterns or `offices` match."""
    return line.get("when") is not None or line.get("offices") is not None


def office_patterns(names: tuple[str, ...], offices: list[str]) -> tuple[str, ...]:
    """Patterns for a vendor's names at these offices: the recipient field ends with the
    award's office (`|PERATON||#70B02C|`, see awards.py), so one pattern matches the
    name and the office together, and no other award gains a matched piece."""
    return tuple(n + r"[^#]*#" + re.escape(o) + r"\|" for n in names for o in offices)


def profile_votes(
    vendor: dict[str, Any], taxonomy: Taxonomy, weight: float, mixed_weight: float
) -> list[tuple[str, float, list[dict[str, Any]]]]:
    """(category, weight, its lines) for each surveillance category the vendor sells.

    One surveillance category and nothing else: full weight. Several categories, or a
    `none` line besides: the mixed weight for each surveillance category. Scoped lines
    (`when`, `offices`) are left out here: each votes on its own (`profile_rules`).
    """
    lines = [x for x in vendor["lines"] if not scoped(x)]
    cats = [
        c for c in taxonomy.surveillance_ids if any(x["category"] == c for x in lines)
    ]
    mixed = len(cats) > 1 or any(x["category"] == NONE for x in lines)
    w = mixed_weight if mixed else weight
    return [(c, w, [x for x in lines if x["category"] == c]) for c in cats]
