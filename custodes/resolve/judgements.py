"""Curated same / not-same judgements (custodes/data/vendors/judgements.yaml).

A judgement names two recipient names and a verdict with a reason. Names are compared
by their rule key, so one judgement covers every spelling that normalises to the same
key. 'not_same' stops every merge between the two (identifier, rule or matcher); 'same'
merges them. Judgements are data: they are applied on every run of `custodes resolve`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from custodes.errors import ConfigError
from custodes.resolve.keys import name_key

VERDICTS = ("same", "not_same")


@dataclass(frozen=True)
class Judgement:
    a: str
    b: str
    verdict: str
    reason: str

    @property
    def keys(self) -> tuple[str, str]:
        return name_key(self.a), name_key(self.b)


def default_path() -> Path:
    return Path(
        str(resources.files("custodes.data").joinpath("vendors/judgements.yaml"))
    )


def load_judgements(path: Path | None = None) -> list[Judgement]:
    path = path or default_path()
    if not path.exists():
        return []
    raw = yaml.safe_load(path.read_text()) or []
    out = []
    for i, entry in enumerate(raw):
        try:
            j = Judgement(
                str(entry["a"]),
                str(entry["b"]),
                str(entry["verdict"]),
                str(entry["reason"]),
            )
        except (KeyError, TypeError) as exc:
            raise ConfigError(
                f"{path}: judgement #{i + 1} lacks a, b, verdict or reason. "
                "Fix the entry (see the comment at the top of the file)"
            ) from exc
        if j.verdict not in VERDICTS:
            raise ConfigError(
                f"{path}: judgement #{i + 1} has verdict {j.verdict!r}. "
                f"Use one of {', '.join(VERDICTS)}"
            )
        out.append(j)
    return out
