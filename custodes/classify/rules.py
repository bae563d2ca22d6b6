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

from custodes.classify.names import literal_names
from custodes.classify.profiles import (
    PROFILE,
    office_patterns,
    profile_votes,
    profiles_path,
    read_profiles,
    scoped,
)
from custodes.classify.taxonomy import NONE, Taxonomy, data_path
from custodes.errors import ConfigError

FIELDS = ("text", "recipient", "psc", "naics")
CARRIER = "carrier"
SIGNALS = ("term", "product", "maker", "psc", "naics", "negative", CARRIER, PROFILE)
# Signals that say who sold, not what was bought (see `profile_only`).
VENDOR_SIGNALS = ("maker", PROFILE)


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
    # names a surveillance system or programme as the thing bought: a larger purchase
    # (carrier) does not turn it into a component unless the carrier weighs more
    system: bool = False
    carries: str = ""  # carrier rules: what the larger purchase is (construction, ...)
    unless_field: str | None = None  # field of the `unless` patterns (default: field)
    sources: tuple[str, ...] = ()  # profile rules: where the vendor facts come from
    # the rule fires only when one of these patterns also matches (on `when_field`,
    # default: field): a vendor's line named by the words it is bought under
    when: tuple[str, ...] = ()
    when_field: str | None = None
    vendor: str = ""  # profile rules: the vendor's id
    scoped: bool = False  # profile rules: a line scoped by `when` or `offices`

    @property
    def negative(self) -> bool:
        return self.signal == "negative"

    @property
    def positive(self) -> bool:
        """Votes for a category (carriers vote for none of them)."""
        return self.category is not None and self.signal not in ("negative", CARRIER)


@dataclass(frozen=True)
class Components:
    """When a surveillance find is only part of a larger purchase (rules.yaml)."""

    threshold: float = 1.0  # carrier score that makes an award a larger purchase
    minor_share: float = 0.01  # evidence on lines holding less than this share ...
    minor_min_usd: float = 1_000_000.0  # ... of an award of at least this many dollars


@dataclass(frozen=True)
class RuleSet:
    version: str
    threshold: float
    rules: tuple[Rule, ...]
    gazetteer_path: Path
    components: Components = Components()
    profiles_path: Path | None = None
    profiles_version: str = ""

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


def _rule(raw: dict[str, Any], path: Path) -> Rule:
    rid = raw.get("id", "?")
    patterns = tuple(raw.get("patterns") or ()) + literal_names(raw.get("names") or [])
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
        system=bool(raw.get("system", False)),
        carries=str(raw.get("carries") or ""),
        unless_field=raw.get("unless_field"),
        when=tuple(raw.get("when") or ()),
        when_field=raw.get("when_field"),
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
                system=bool(e.get("system", True)),
            )
        )
        names = e.get("maker_names") or []
        if names and not negative and str(e.get("maker", "")).lower() not in multi:
            rules.append(
                Rule(
                    id=f"gazetteer-maker:{e['id']}",
                    signal="maker",
                    field="recipient",
                    patterns=literal_names(names),
                    weight=maker_w,
                    category=category,
                    maker=e.get("maker"),
                    note=f"recipient is the maker of {e['id']}",
                    system=bool(e.get("system", True)),
                )
            )
    return rules


def _profile_rules(
    path: Path, taxonomy: Taxonomy, settings: dict[str, Any]
) -> list[Rule]:
    """One `profile` rule per surveillance category a profiled vendor sells, and one
    per scoped line (a line with `when` or `offices`), which counts at full weight
    only where its scope matches."""
    weight = float(settings.get("weight", 1.0))
    mixed = float(settings.get("mixed_weight", 0.5))
    common_unless = tuple(settings.get("unless") or ())
    rules = []
    for v in read_profiles(path, taxonomy):
        names = literal_names(v["recipient_names"])
        unless = tuple(v.get("not_when") or ()) + common_unless
        maker = str(v.get("name") or v["id"])
        votes = profile_votes(v, taxonomy, weight, mixed)
        for category, w, lines in votes:
            rid = f"profile:{v['id']}" + (f":{category}" if len(votes) > 1 else "")
            rules.append(
                Rule(
                    id=rid,
                    signal=PROFILE,
                    field="recipient",
                    patterns=names,
                    weight=w,
                    category=category,
                    unless=unless,
                    unless_field="text",
                    maker=maker,
                    note="; ".join(str(x["line"]) for x in lines),
                    sources=tuple(str(s) for x in lines for s in x["sources"]),
                    vendor=v["id"],
                )
            )
        for n, line in enumerate((x for x in v["lines"] if scoped(x)), start=1):
            offices = line.get("offices")
            rules.append(
                Rule(
                    id=f"profile:{v['id']}:line{n}",
                    signal=PROFILE,
                    field="recipient",
                    weight=weight,
                    category=line["category"],
                    unless=unless,
                    unless_field="text",
                    maker=maker,
                    note=str(line["line"]),
                    sources=tuple(str(s) for s in line["sources"]),
                    patterns=office_patterns(names, offices) if offices else names,
                    when=() if offices else tuple(line["when"]),
                    when_field=None if offices else "text",
                    vendor=v["id"],
                    scoped=True,
                )
            )
    return rules


def _components(raw: dict[str, Any], path: Path) -> Components:
    try:
        return Components(
            threshold=float(raw.get("threshold", 1.0)),
            minor_share=float(raw.get("minor_share", 0.01)),
            minor_min_usd=float(raw.get("minor_min_usd", 1_000_000)),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{path}: `components` needs numbers for threshold, minor_share and "
            f"minor_min_usd ({exc})."
        ) from exc


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
    if rule.signal == CARRIER:
        if not rule.carries or rule.category is not None:
            raise ConfigError(
                f"{where}: a carrier rule says what the larger purchase is "
                "(`carries: construction`, ...) and votes for no category."
            )
    elif rule.negative:
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
    for f in (rule.unless_field, rule.when_field):
        if f is not None and f not in FIELDS:
            raise ConfigError(
                f"{where}: unknown field {f!r} for `unless` or `when`; use one of "
                f"{FIELDS}."
            )
    for p in rule.patterns + rule.unless + rule.when:
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
    taxonomy: Taxonomy,
    path: Path | None = None,
    gazetteer: Path | None = None,
    profiles: Path | None = None,
) -> RuleSet:
    """Read rules.yaml, the gazetteer and the vendor profiles; raise ConfigError on
    anything inconsistent.
    """
    path = path or data_path("rules.yaml")
    raw = _read_yaml(path)
    if not isinstance(raw, dict) or "version" not in raw or "rules" not in raw:
        raise ConfigError(f"{path} needs `version` and `rules`. Fix the file.")
    gaz = gazetteer or gazetteer_path()
    rules = [_rule(r, path) for r in raw["rules"]]
    rules += _gazetteer_rules(gaz, raw.get("gazetteer") or {})
    prof = profiles or profiles_path()
    rules += _profile_rules(prof, taxonomy, raw.get("profiles") or {})
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
        components=_components(raw.get("components") or {}, path),
        profiles_path=prof,
        profiles_version=str((_read_yaml(prof) or {}).get("version", "")),
    )
