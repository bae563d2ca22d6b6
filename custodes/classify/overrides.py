"""Curated corrections: custodes/data/taxonomy/overrides.csv (award, label, reason).

An override wins over the rules on every run. It must name a taxonomy category (or
`none`)
and give a reason, so that a reader can see why a person overruled the evidence.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from custodes.classify.taxonomy import Taxonomy, data_path
from custodes.errors import ConfigError


@dataclass(frozen=True)
class Override:
    award_key: str
    label: str
    reason: str
    method: str = "override"  # classification.method: override, or review
    item: str | None = None  # its evidence item as JSON (None: from the reason)


def overrides_path() -> Path:
    return data_path("overrides.csv")


def load_overrides(taxonomy: Taxonomy, path: Path | None = None) -> list[Override]:
    """Read and check the overrides file; an absent file means no overrides."""
    if path is not None and not path.exists():
        raise ConfigError(f"No overrides file at {path}. Check the path.")
    path = path or overrides_path()
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"award", "label", "reason"} <= set(
            reader.fieldnames
        ):
            raise ConfigError(
                f"{path} needs the columns award,label,reason. Fix its header."
            )
        rows = [r for r in reader if (r.get("award") or "").strip()]
    out: dict[str, Override] = {}
    for n, r in enumerate(rows, start=2):
        award, label, reason = (
            r["award"].strip(),
            (r["label"] or "").strip(),
            (r["reason"] or "").strip(),
        )
        if label not in taxonomy.ids:
            raise ConfigError(
                f"{path} line {n}: label {label!r} is not a taxonomy category. "
                "Use an id from taxonomy.yaml or `none`."
            )
        if not reason:
            raise ConfigError(
                f"{path} line {n}: the override of {award} gives no reason. "
                "Say why the rules are wrong."
            )
        if award in out:
            raise ConfigError(
                f"{path} line {n}: {award} is overridden twice. Keep one row."
            )
        out[award] = Override(award, label, reason)
    return list(out.values())
