"""Corporate families: curated parents (custodes/data/vendors/parents.yaml) plus the
parent identifiers in the source (FPDS "ultimate parent" DUNS/UEI and name in the bulk
rows).

A curated entry wins over the source. A parent that is not itself a recipient becomes a
vendor of kind 'parent'. family_id is the top of the chain (the vendor itself if none).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from custodes.errors import ConfigError
from custodes.resolve.build import Resolution
from custodes.resolve.keys import display_name, name_key, slug


@dataclass(frozen=True)
class ParentLink:
    child: str
    parent: str
    reason: str


def default_path() -> Path:
    return Path(str(resources.files("custodes.data").joinpath("vendors/parents.yaml")))


def load_parents(path: Path | None = None) -> list[ParentLink]:
    path = path or default_path()
    if not path.exists():
        return []
    out = []
    for i, e in enumerate(yaml.safe_load(path.read_text()) or []):
        try:
            children = (
                e["children"] if isinstance(e["children"], list) else [e["children"]]
            )
            reason = f"curated: {e['relation']} ({'; '.join(e['sources'])})"
            out += [ParentLink(str(c), str(e["parent"]), reason) for c in children]
        except (KeyError, TypeError) as exc:
            raise ConfigError(
                f"{path}: entry #{i + 1} needs parent, children, relation and "
                "sources. Fix it (see the comment at the top of the file)"
            ) from exc
    return out


class Families:
    """Parent and family per vendor, with extra vendors for parents that are not
    recipients."""

    def __init__(self, res: Resolution):
        self.res = res
        self.by_key = {
            r.key: v for r, v in zip(res.records, res.vendor_of, strict=True)
        }
        self.by_id = {}
        for r, v in zip(res.records, res.vendor_of, strict=True):
            for ident in (r.uei, r.duns):
                if ident:
                    self.by_id[ident] = v
        self.extra: dict[str, str] = {}  # parent-only vendor id -> name
        self.parent: dict[str, str] = {}
        self.parent_reason: dict[str, str] = {}

    def vendor_for(
        self, name: str, ident: str | None = None, kind: str = "parent"
    ) -> str:
        if ident and ident in self.by_id:
            return self.by_id[ident]
        key = name_key(name)
        if key in self.by_key:
            return self.by_key[key]
        vid = slug(key)
        while vid in self.res.vendors and vid not in self.extra:
            vid += "-" + kind
        self.extra.setdefault(vid, display_name(name))
        self.by_key[key] = vid
        return vid

    def add_source_parents(self) -> None:
        votes: dict[str, Counter] = {}
        for rec, vid in zip(self.res.records, self.res.vendor_of, strict=True):
            if not (rec.parent_name or rec.parent_duns or rec.parent_uei):
                continue
            ident = rec.parent_uei or rec.parent_duns
            pid = self.vendor_for(rec.parent_name or ident or "", ident)
            if pid != vid:
                votes.setdefault(vid, Counter())[(pid, rec.parent_name, ident)] += (
                    rec.transactions
                )
        for vid, counter in votes.items():
            (pid, pname, ident), _ = counter.most_common(1)[0]
            self.parent[vid] = pid
            self.parent_reason[vid] = (
                f"source parent fields: {pname} (DUNS/UEI {ident})"
            )

    def add_curated(self, links: list[ParentLink]) -> int:
        applied = 0
        for link in links:
            child = self.by_key.get(name_key(link.child))
            if child is None:
                continue
            pid = self.vendor_for(link.parent)
            done = self.parent.get(child) == pid
            if pid != child and not (done and self.parent_reason[child] == link.reason):
                self.parent[child] = pid
                self.parent_reason[child] = link.reason
                applied += 1
        return applied

    def family_of(self, vid: str) -> str:
        seen = {vid}
        while vid in self.parent and self.parent[vid] not in seen:
            vid = self.parent[vid]
            seen.add(vid)
        return vid
