"""Union-find over alias records, with cannot-link constraints and per-alias
evidence."""

from __future__ import annotations

from dataclasses import dataclass

METHOD_RANK = {"judgement": 0, "identifier": 1, "rule": 2, "probabilistic": 3}


@dataclass
class Evidence:
    method: str
    score: float
    reason: str


class Clusters:
    """Clusters of alias indexes. A merge that would join a cannot-link pair is
    refused."""

    def __init__(self, size: int):
        self.parent = list(range(size))
        self.forbid: dict[int, set[int]] = {}
        self.evidence: dict[int, Evidence] = {}
        self.refused: list[tuple[int, int, str]] = []

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def forbid_pair(self, a: int, b: int) -> None:
        self.forbid.setdefault(self.find(a), set()).add(b)
        self.forbid.setdefault(self.find(b), set()).add(a)

    def _blocked(self, ra: int, rb: int) -> bool:
        members = self.forbid.get(ra, set())
        return any(self.find(x) == rb for x in members)

    def _note(self, i: int, ev: Evidence) -> None:
        old = self.evidence.get(i)
        if old is None or METHOD_RANK[ev.method] < METHOD_RANK[old.method]:
            self.evidence[i] = ev

    def merge(self, a: int, b: int, method: str, score: float, reason: str) -> bool:
        """Join the clusters of a and b unless a cannot-link judgement separates
        them."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb and self._blocked(ra, rb):
            self.refused.append((a, b, method))
            return False
        ev = Evidence(method, score, reason)
        self._note(a, ev)
        self._note(b, ev)
        if ra == rb:
            return False
        if len(self.forbid.get(ra, ())) < len(self.forbid.get(rb, ())):
            ra, rb = rb, ra
        self.parent[rb] = ra
        if rb in self.forbid:
            self.forbid.setdefault(ra, set()).update(self.forbid.pop(rb))
        return True

    def groups(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return out
