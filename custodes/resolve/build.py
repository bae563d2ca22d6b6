"""The resolution itself: judgements, then identifiers, then rules, then the matcher.

Works on plain `AliasRecord`s so that it runs the same on the store, on the labelled
pairs and in the benchmark.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from custodes.resolve import guards
from custodes.resolve.cluster import Clusters, Evidence
from custodes.resolve.judgements import Judgement
from custodes.resolve.keys import display_name, slug
from custodes.resolve.records import AliasRecord

MATCHERS = ("splink", "rapidfuzz", "none")
DEFAULT_MATCHER = "rapidfuzz"
Progress = Callable[[str], None]


@dataclass
class Resolution:
    records: list[AliasRecord]
    vendor_of: list[str]  # vendor_id per record
    evidence: list[Evidence]  # why each record belongs to its vendor
    vendors: dict[str, list[int]]  # vendor_id -> record indexes
    names: dict[str, str]  # vendor_id -> display name
    refused: list[tuple[int, int, str]]
    matcher_pairs: int
    vetoed_pairs: int


def _by(records: list[AliasRecord], attr: str) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        value = getattr(r, attr)
        if value:
            groups[value].append(i)
    return groups


def _sides(
    j: Judgement, records: list[AliasRecord], by_key: dict[str, list[int]]
) -> tuple[list[int], list[int]]:
    """Records a judgement names: by key, or by exact name when both keys are equal."""
    ka, kb = j.keys
    if ka != kb:
        return by_key.get(ka, []), by_key.get(kb, [])

    def exact(name: str) -> list[int]:
        return [
            i
            for i in by_key.get(ka, [])
            if display_name(records[i].name).upper() == display_name(name).upper()
        ]

    return exact(j.a), exact(j.b)


def _apply_judgements(
    cl: Clusters,
    records: list[AliasRecord],
    by_key: dict[str, list[int]],
    judgements: list[Judgement],
) -> None:
    for j in judgements:
        left, right = _sides(j, records, by_key)
        if j.verdict == "not_same":
            for a in left:
                for b in right:
                    cl.forbid_pair(a, b)
    for j in judgements:
        left, right = _sides(j, records, by_key)
        if j.verdict == "same" and left and right:
            for b in right:
                cl.merge(left[0], b, "judgement", 1.0, f"judgement: {j.reason}")


def _apply_identifiers(cl: Clusters, records: list[AliasRecord]) -> None:
    for attr, label in (("uei", "UEI"), ("duns", "DUNS")):
        for value, ids in _by(records, attr).items():
            for i in ids[1:]:
                cl.merge(ids[0], i, "identifier", 1.0, f"same {label} {value}")


def _apply_rules(cl: Clusters, by_key: dict[str, list[int]]) -> None:
    for key, ids in by_key.items():
        for i in ids[1:]:
            cl.merge(ids[0], i, "rule", 1.0, f"same name after normalisation: {key}")


def _matcher(name: str) -> Callable[[list[str]], list[tuple[int, int, float]]]:
    if name == "splink":
        from custodes.resolve.match_splink import candidate_pairs
    elif name == "rapidfuzz":
        from custodes.resolve.match_fuzz import candidate_pairs
    else:
        return lambda keys: []
    return candidate_pairs


def _apply_matcher(
    cl: Clusters, records: list[AliasRecord], by_key: dict[str, list[int]], matcher: str
) -> tuple[int, int]:
    keys = sorted(
        k for k, ids in by_key.items() if not any(records[i].is_individual for i in ids)
    )
    pairs = _matcher(matcher)(keys)
    vetoed = 0
    for a, b, score in pairs:
        ka, kb = keys[a], keys[b]
        if guards.veto(ka, kb) is not None:
            vetoed += 1
            continue
        cl.merge(
            by_key[ka][0],
            by_key[kb][0],
            "probabilistic",
            round(score, 4),
            f"{matcher} match {score:.3f} between {ka!r} and {kb!r}",
        )
    return len(pairs), vetoed


def _vendor_ids(records: list[AliasRecord], groups: list[list[int]]) -> list[str]:
    """Readable ids from the key of each vendor's current name ('relx',
    'paragon-systems')."""
    seen: dict[str, int] = {}
    ids = []
    for members in groups:
        base = slug(records[_current(records, members)].key)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def _current(records: list[AliasRecord], members: list[int]) -> int:
    """The alias used most recently (then most often): the vendor's current name."""
    return max(
        members,
        key=lambda i: (
            str(records[i].last_date or ""),
            records[i].transactions,
            records[i].name,
        ),
    )


def _display(records: list[AliasRecord], members: list[int]) -> str:
    return display_name(records[_current(records, members)].name) or "(no name)"


def resolve(
    records: list[AliasRecord],
    judgements: list[Judgement],
    matcher: str = DEFAULT_MATCHER,
    progress: Progress | None = None,
) -> Resolution:
    """Cluster alias records into vendors."""
    note = progress or (lambda step: None)
    cl = Clusters(len(records))
    by_key = _by(records, "key")
    note("judgements")
    _apply_judgements(cl, records, by_key, judgements)
    note("identifiers")
    _apply_identifiers(cl, records)
    note("rules")
    _apply_rules(cl, by_key)
    note(f"matcher ({matcher})")
    n_pairs, vetoed = _apply_matcher(cl, records, by_key, matcher)
    note("vendors")
    groups = sorted(cl.groups().values(), key=lambda m: min(records[i].key for i in m))
    ids = _vendor_ids(records, groups)
    vendor_of = [""] * len(records)
    vendors: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for vid, members in zip(ids, groups, strict=True):
        vendors[vid] = members
        names[vid] = _display(records, members)
        for i in members:
            vendor_of[i] = vid
    evidence = [
        cl.evidence.get(i) or Evidence("rule", 1.0, "the only name of this vendor")
        for i in range(len(records))
    ]
    return Resolution(
        records, vendor_of, evidence, vendors, names, cl.refused, n_pairs, vetoed
    )
