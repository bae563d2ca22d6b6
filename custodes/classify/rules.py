"""Classification rules: rules.yaml plus the product gazetteer, checked and flattened.

A rule set is data. This module only reads it, checks it (every category exists, every
pattern compiles) and turns it into `Rule` objects the matcher and the decider share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from custodes.classify.taxonomy import NONE, Taxonomy, data_path
from custodes.errors import ConfigError

FIELDS = ("text", "recipient", "psc", "naics")
SIGNALS = ("term", "product", "maker", "psc", "naics", "negative")


@dataclass(frozen=True)
class Rule:
    id: str
    signal: str
    field: str
    patterns: tuple[str, ...]
    weight: float
    category: str | None = None  # positive rules
    cancels: tuple[str, ...] = ()  # negative rules
    unless: tuple[str, ...] = ()
    maker: str | None = None  # gazetteer rules: the product's maker
    note: str = ""

    @property
    def negative(self) -> bool:
        return self.signal == "negative"


@dataclass(frozen=True)
class RuleSet:
    version: str
    threshold: float
    rules: tuple[Rule, ...]
    gazetteer_path: Path

    def by_id(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def gazetteer_path() -> Path:
    return Path(
        str(resources.files("custodes.data").joinpath("gazetteer", "products.yaml"))
    )


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Could not read {path}: {exc}. Fix the file.") from exc


def _literal_names(names: list[str]) -> tuple[str, ...]:
    """Recipient names match whole names only: the recipient field is `|NAME|NAME|`."""
    return tuple(r"\|" + re.escape(n.upper()) + r"\|" for n in names)


def _rule(raw: dict[str, Any], path: Path) -> Rule:
    rid = raw.get("id", "?")
    patterns = tuple(raw.get("patterns") or ()) + _literal_names(raw.get("names") or [])
    if not patterns:
        raise ConfigError(f"{path}: rule {rid} has no patterns or names. Add some.")
    return Rule(
        id=str(rid),
        signal=str(raw.get("signal", "term")),
        field=str(raw.get("field", "text")),
        patterns=patterns,
        weight=float(raw.get("weight", 1.0)),
        category=raw.get("category"),
        cancels=tuple(raw.get("cancels") or ()),
        unless=tuple(raw.get("unless") or ()),
        note=str(raw.get("note", "")),
    )


def _gazetteer_rules(path: Path, settings: dict[str, Any]) -> list[Rule]:
    """Each product: a `product` rule on the text; each maker's own names: a `maker`
    rule.
    """
    entries = _read_yaml(path) or []
    product_w = float(settings.get("product_weight", 2.0))
    maker_w = float(settings.get("maker_weight", 1.5))
    multi = {m.lower() for m in settings.get("multi_line_makers", [])}
    rules: list[Rule] = []
    for e in entries:
        category = str(e.get("category") or NONE)
        negative = category == NONE
        rules.append(
            Rule(
                id=f"gazetteer:{e['id']}",
                signal="negative" if negative else "product",
                field="text",
                patterns=tuple(e.get("patterns") or ()),
                weight=product_w,
                category=None if negative else category,
                cancels=("all",) if negative else (),
                unless=tuple(e.get("not_patterns") or ()),
                maker=e.get("maker"),
                note=f"product gazetteer entry {e['id']}",
            )
        )
        names = e.get("maker_names") or []
        if names and not negative and str(e.get("maker", "")).lower() not in multi:
            rules.append(
                Rule(
                    id=f"gazetteer-maker:{e['id']}",
                    signal="maker",
                    field="recipient",
                    patterns=_literal_names(names),
                    weight=maker_w,
                    category=category,
                    maker=e.get("maker"),
                    note=f"recipient is the maker of {e['id']}",
                )
            )
    return rules


def check_rule(rule: Rule, taxonomy: Taxonomy) -> None:
    where = f"rule {rule.id}"
    if rule.signal not in SIGNALS:
        raise ConfigError(
            f"{where}: unknown signal {rule.signal!r}; use one of {SIGNALS}."
        )
    if rule.field not in FIELDS:
        raise ConfigError(
            f"{where}: unknown field {rule.field!r}; use one of {FIELDS}."
        )
    if rule.negative:
        bad = [c for c in rule.cancels if c != "all" and c not in taxonomy.ids]
        if not rule.cancels or bad:
            raise ConfigError(
                f"{where}: `cancels` must list taxonomy ids or `all` (got {bad})."
            )
    elif rule.category not in taxonomy.surveillance_ids:
        raise ConfigError(
            f"{where}: category {rule.category!r} is not in the taxonomy. "
            "Use a category id from taxonomy.yaml."
        )
    for p in rule.patterns + rule.unless:
        if "(?<" in p or "(?=" in p or "(?!" in p:
            raise ConfigError(
                f"{where}: pattern {p!r} uses a look-around, which RE2 lacks."
            )
        try:
            re.compile(p)
        except re.error as exc:
            raise ConfigError(
                f"{where}: pattern {p!r} does not compile: {exc}."
            ) from exc


def load_rules(
    taxonomy: Taxonomy, path: Path | None = None, gazetteer: Path | None = None
) -> RuleSet:
    """Read rules.yaml and the gazetteer; raise ConfigError on anything inconsistent."""
    path = path or data_path("rules.yaml")
    raw = _read_yaml(path)
    if not isinstance(raw, dict) or "version" not in raw or "rules" not in raw:
        raise ConfigError(f"{path} needs `version` and `rules`. Fix the file.")
    gaz = gazetteer or gazetteer_path()
    rules = [_rule(r, path) for r in raw["rules"]]
    rules += _gazetteer_rules(gaz, raw.get("gazetteer") or {})
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise ConfigError(f"{path}: rule ids repeat: {dupes}. Make every id unique.")
    for r in rules:
        check_rule(r, taxonomy)
    return RuleSet(
        version=str(raw["version"]),
        threshold=float(raw.get("threshold", 1.0)),
        rules=tuple(rules),
        gazetteer_path=gaz,
    )
