"""The shape of the curated data web: which files, which fields, which references.

One YAML file per kind of entry under custodes/data/dataweb/. Each entry is a mapping
with an `id` whose prefix names its kind. The tables below are the whole schema; the
validator (validate.py) and the loader read nothing else. There is no kind for a
private person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# file name -> (id prefix, kind name used in the graph)
FILES: dict[str, tuple[str, str]] = {
    "organisations.yaml": ("org.", "organisation"),
    "systems.yaml": ("sys.", "system"),
    "data_sources.yaml": ("ds.", "data_source"),
    "flows.yaml": ("flow.", "flow"),
    "agreements.yaml": ("con.|agr.", "agreement"),
    "figures.yaml": ("fig.", "figure"),
    "funding.yaml": ("fund.", "funding"),
    "sources.yaml": ("src.", "source"),
}
VOCABULARY_FILE = "vocabulary.yaml"

# kind -> required fields, optional fields
FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "organisation": (
        {"id", "name", "kind", "summary", "sources"},
        {"short_name", "parent"},
    ),
    "system": (
        {"id", "name", "operator", "category", "status", "summary", "sources"},
        {
            "aliases",
            "vendors",
            "secondary_categories",
            "since",
            "evidence_until",
            "privacy_documents",
        },
    ),
    "data_source": (
        {"id", "name", "holder", "data_categories", "summary", "sources"},
        set(),
    ),
    "flow": (
        {"id", "from", "to", "data_categories", "status", "summary", "sources"},
        {
            "hops",
            "facilitators",
            "via",  # deprecated: read as hops, with a warning (docs/dataweb.md)
            "agreement",
            "since",
            "until",
            "evidence_until",
            "history",
            "cases",
        },
    ),
    "agreement": (
        {"id", "kind", "summary", "sources"},
        {
            "vendor",
            "agency",
            "parties",
            "amount_usd",
            "amount_parts",
            "date",
            "evidence_until",
            "piid",
            "status",
            "history",
        },
    ),
    "figure": (
        {"id", "value", "unit", "measured_by", "relates_to", "summary", "sources"},
        {"qualifier", "stated_as", "as_of"},
    ),
    "funding": (
        {"id", "system", "basis", "sources"},
        {"piid", "award_key", "agency", "contract"},
    ),
    "source": (
        {"id", "publisher", "date"},
        {
            "title",
            "topic",
            "kind",
            "url",
            "no_url",
            "read_via",
            "seed_article",
            "title_from_url",
            "weak",
        },
    ),
}
HISTORY_FIELDS = ({"date", "status", "event"}, {"sources"})
FACILITATOR_FIELDS: tuple[set[str], set[str]] = ({"id", "role"}, set())
AMOUNT_PART_FIELDS: tuple[set[str], set[str]] = (
    {"label", "amount_usd"},
    {"rounded_to"},
)

# field -> id prefixes it may point to (a list field points to several entries)
NODE_PREFIXES = ("org.", "sys.", "ds.")
REFERENCES: dict[str, dict[str, tuple[str, ...]]] = {
    "organisation": {"parent": ("org.",)},
    "system": {"operator": ("org.",), "vendors": ("org.",)},
    "data_source": {"holder": ("org.",)},
    "flow": {
        "from": ("ds.", "sys."),
        "to": ("sys.", "org."),
        "hops": NODE_PREFIXES,
        "via": NODE_PREFIXES,
        "agreement": ("con.", "agr."),
    },
    "agreement": {"vendor": ("org.",), "agency": ("org.",), "parties": ("org.",)},
    "figure": {"relates_to": ("org.", "sys.", "ds.", "flow.", "con.", "agr.")},
    "funding": {"system": ("sys.",), "contract": ("con.",)},
    "source": {},
}
# what a flow's facilitator may be: an organisation (a reseller, a contractor, a body
# whose subpoenas compel the data) or a contract or agreement
FACILITATOR_PREFIXES = ("org.", "con.", "agr.")

# field -> vocabulary section its values must come from
VOCABULARY_FIELDS: dict[str, dict[str, str]] = {
    "organisation": {"kind": "organisation_kinds"},
    "system": {
        "category": "system_categories",
        "secondary_categories": "system_categories",
        "status": "statuses",
    },
    "data_source": {"data_categories": "data_categories"},
    "flow": {"data_categories": "data_categories", "status": "statuses"},
    "agreement": {"kind": "agreement_kinds", "status": "statuses"},
    "figure": {"stated_as": "figure_stages"},
    "source": {"kind": "source_kinds"},
}

DATE_FIELDS = ("since", "until", "date", "as_of")
# the end of the period the sources vouch for; may lie in the future (a contract's
# last option period), unlike the dates above
END_FIELDS = ("evidence_until",)
# how strong a citation is, strongest first (pages list sources in this order)
SOURCE_KIND_ORDER = ("primary_document", "official_statement", "reporting", "mirror")

# Field names that would hold facts about a person. The data web records which
# institutions hold which *categories* of data; a field like these means someone is
# adding personal data.
PERSONAL_DATA_FIELDS = frozenset(
    {
        "person",
        "people",
        "individual",
        "full_name",
        "first_name",
        "last_name",
        "surname",
        "birth_date",
        "date_of_birth",
        "dob",
        "age",
        "ssn",
        "social_security_number",
        "a_number",
        "alien_number",
        "passport_number",
        "home_address",
        "street_address",
        "address",
        "phone",
        "phone_number",
        "email",
        "license_plate",
        "plate_number",
        "latitude",
        "longitude",
        "coordinates",
        "gps",
        "photo",
        "face_image",
        "fingerprint",
        "immigration_status",
        "nationality",
        "ethnicity",
        "religion",
        "medical_record",
    }
)


@dataclass
class Entry:
    """One curated entry, with where it came from (for error messages)."""

    id: str
    kind: str
    data: dict[str, Any]
    file: str
    line: int | None = None

    def where(self) -> str:
        line = f" (line {self.line})" if self.line else ""
        return f"{self.file}: {self.id}{line}"


@dataclass
class DataWeb:
    """All curated entries, by id, plus the vocabularies they use."""

    entries: dict[str, Entry] = field(default_factory=dict)
    vocabulary: dict[str, dict[str, str]] = field(default_factory=dict)
    all_entries: list[Entry] = field(default_factory=list)  # including duplicates
    load_problems: list[str] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.kind == kind]

    def get(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id)

    def label(self, entry_id: str) -> str:
        entry = self.entries.get(entry_id)
        if entry is None:
            return entry_id
        d = entry.data
        if entry.kind == "flow":  # flows have no name: "IRS taxpayer records → ICE"
            return f"{self.label(d['from'])} → {self.label(d['to'])}"
        if entry.kind == "figure":  # "Zignal Labs (vendor claim): 8,000,000,000 posts"
            value = d.get("value")
            shown = f"{value:,}" if isinstance(value, int) else str(value)
            return f"{d.get('measured_by')}: {shown} {d.get('unit')}"
        if (
            entry.kind == "agreement"
        ):  # agreements have no name: "Palantir–ICE contract 2014"
            ids = [d.get("vendor"), d.get("agency"), *d.get("parties", [])]
            names = "–".join(self.label(i) for i in dict.fromkeys(i for i in ids if i))
            return f"{names} {d.get('kind', 'agreement')} {d.get('date') or ''}".strip()
        return str(
            d.get("short_name")
            or d.get("name")
            or d.get("title")
            or d.get("topic")
            or entry_id
        )


def prefixes_of(kind: str) -> tuple[str, ...]:
    for prefix, name in FILES.values():
        if name == kind:
            return tuple(prefix.split("|"))
    raise KeyError(kind)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def flow_hops(entry: Entry) -> list[str]:
    """What the flow's data passes through between `from` and `to`, in order. A flow
    that still has the deprecated `via` (and no `hops`) is read as if `via` were hops,
    as before; `custodes check` warns about it."""
    d = entry.data
    hops = d["hops"] if "hops" in d else d.get("via")
    return [str(h) for h in _as_list(hops)]


def flow_facilitators(web: DataWeb, entry: Entry) -> list[dict[str, str]]:
    """What made the flow possible without carrying its data: its agreement (role
    `contract` or `agreement`, from the agreement's kind), then `facilitators`."""
    d = entry.data
    out: list[dict[str, str]] = []
    if d.get("agreement"):
        agreement = web.get(str(d["agreement"]))
        kind = agreement.data.get("kind") if agreement else None
        out.append({"id": str(d["agreement"]), "role": str(kind or "agreement")})
    for item in _as_list(d.get("facilitators")):
        if isinstance(item, dict) and item.get("id"):
            if all(f["id"] != str(item["id"]) for f in out):
                out.append({"id": str(item["id"]), "role": str(item.get("role"))})
    return out
