"""--agency values -> the API's agency filter objects (by name, as the API matches)."""

from __future__ import annotations

from custodes.model.agencies import load_agencies, resolve_sub_agency

DHS = "Department of Homeland Security"
DEFAULT_AGENCIES = ("ICE", "CBP")


def agency_filters(names: list[str], funding: bool = False) -> list[dict[str, str]]:
    """--agency values -> the API's name-based agency objects.

    Accepts a known sub-agency (code, abbreviation or name, e.g. ICE or 7012), a known
    toptier code (070), or `toptier:NAME` / `subtier:NAME` for any other agency. With
    `funding`, each agency is also matched as the funding agency (the API ORs them).
    """
    awarding = _agency_objects(names)
    if not funding:
        return awarding
    return awarding + [{**a, "type": "funding"} for a in awarding]


def _agency_objects(names: list[str]) -> list[dict[str, str]]:
    toptier, _ = load_agencies()
    out: list[dict[str, str]] = []
    for raw in names or list(DEFAULT_AGENCIES):
        text = raw.strip()
        tier, _, rest = text.partition(":")
        if tier.lower() in ("toptier", "subtier") and rest.strip():
            out.append({"type": "awarding", "tier": tier.lower(), "name": rest.strip()})
        elif text in toptier:
            out.append({"type": "awarding", "tier": "toptier", "name": toptier[text]})
        else:
            sub = resolve_sub_agency(text)
            out.append(
                {
                    "type": "awarding",
                    "tier": "subtier",
                    "name": sub.name,
                    "toptier_name": toptier.get(sub.toptier, DHS),
                }
            )
    return out
