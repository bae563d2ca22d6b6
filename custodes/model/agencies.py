"""Agency reference: codes, names and abbreviations (custodes/data/agencies.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from custodes.errors import InputError


@dataclass(frozen=True)
class SubAgency:
    code: str
    toptier: str
    abbreviation: str
    name: str


@cache
def load_agencies() -> tuple[dict[str, str], dict[str, SubAgency]]:
    text = resources.files("custodes.data").joinpath("agencies.yaml").read_text()
    doc = yaml.safe_load(text)
    toptier = {t["code"]: t["name"] for t in doc["toptier"]}
    subtier = {
        s["code"]: SubAgency(s["code"], s["toptier"], s["abbreviation"], s["name"])
        for s in doc["subtier"]
    }
    return toptier, subtier


def resolve_sub_agency(text: str) -> SubAgency:
    """Find a sub-agency by code, abbreviation or name (case-insensitive)."""
    _, subtier = load_agencies()
    wanted = text.strip().upper()
    for sub in subtier.values():
        if wanted in (sub.code, sub.abbreviation.upper(), sub.name.upper()):
            return sub
    known = ", ".join(f"{s.abbreviation} ({s.code})" for s in subtier.values())
    raise InputError(f"Unknown agency {text!r}. Known sub-agencies: {known}.")
