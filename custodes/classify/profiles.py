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


def literal_names(names: list[str]) -> tuple[str, ...]:
    """Recipient names match whole names only: the recipient field is `|NAME|NAME|`."""
    return tuple(r"\|" + re.escape(n.upper()) + r"\|" for n in names)


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
        out.append(v)
    return out


def profile_votes(
    vendor: dict[str, Any], taxonomy: Taxonomy, weight: float, mixed_weight: float
) -> list[tuple[str, float, list[dict[str, Any]]]]:
    """(category, weight, its lines) for each surveillance category the vendor sells.

    One surveillance category and nothing else: full weight. Several categories, or a
    `none` line besides: the mixed weight for each surveillance category.
    """
    lines = vendor["lines"]
    cats = [
        c for c in taxonomy.surveillance_ids if any(x["category"] == c for x in lines)
    ]
    mixed = len(cats) > 1 or any(x["category"] == NONE for x in lines)
    w = mixed_weight if mixed else weight
    return [(c, w, [x for x in lines if x["category"] == c]) for c in cats]
