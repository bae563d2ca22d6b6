"""The surveillance taxonomy, loaded from custodes/data/taxonomy/taxonomy.yaml."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from custodes.errors import ConfigError

NONE = "none"
UNCLEAR = "unclear"


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    definition: str
    includes: tuple[str, ...]
    excludes: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    version: str
    categories: tuple[Category, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """Every category id, `none` last."""
        return tuple(c.id for c in self.categories)

    @property
    def surveillance_ids(self) -> tuple[str, ...]:
        return tuple(i for i in self.ids if i != NONE)

    def label(self, category_id: str) -> str:
        for c in self.categories:
            if c.id == category_id:
                return c.label
        raise KeyError(category_id)


def data_path(name: str) -> Path:
    return Path(str(resources.files("custodes.data").joinpath("taxonomy", name)))


def _category(raw: dict[str, Any], path: Path) -> Category:
    missing = {"id", "label", "definition"} - raw.keys()
    if missing:
        raise ConfigError(
            f"{path}: a category lacks {sorted(missing)}. Add them to the entry."
        )
    return Category(
        id=str(raw["id"]),
        label=str(raw["label"]),
        definition=str(raw["definition"]),
        includes=tuple(raw.get("includes") or ()),
        excludes=tuple(raw.get("excludes") or ()),
    )


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and check the taxonomy file: unique ids, a `none` category, a version."""
    path = path or data_path("taxonomy.yaml")
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"Could not read the taxonomy {path}: {exc}. Fix the file."
        ) from exc
    if not isinstance(raw, dict) or "version" not in raw or "categories" not in raw:
        raise ConfigError(f"{path} needs `version` and `categories`. Fix the file.")
    cats = tuple(_category(c, path) for c in raw["categories"])
    ids = [c.id for c in cats]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: category ids repeat. Make every id unique.")
    if NONE not in ids:
        raise ConfigError(f"{path}: the `none` category is missing. Add it.")
    if UNCLEAR in ids:
        raise ConfigError(f"{path}: `unclear` is for hand labels only, not a category.")
    ordered = tuple(c for c in cats if c.id != NONE) + tuple(
        c for c in cats if c.id == NONE
    )
    return Taxonomy(version=str(raw["version"]), categories=ordered)


def known_categories(present: Iterable[str | None] = ()) -> dict[str, str]:
    """Category id -> label of every category a user may name: the taxonomy's, then
    any other that a store's classification holds (PRESENT; an older taxonomy's id,
    labelled by itself). `--categories` and category watches check names against it."""
    labels = {c.id: c.label for c in load_taxonomy().categories}
    for category in present:
        if category:
            labels.setdefault(str(category), str(category))
    return labels
