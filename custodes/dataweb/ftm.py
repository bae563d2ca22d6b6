"""FollowTheMoney entities for the data web (load into Aleph/OpenAleph with `ftm`).

Entity ids are the data web's own ids with dots replaced ("org-ice"), so they stay
stable between exports. Every entity carries the URLs and publishers of its sources.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from custodes.dataweb.graph import source_ids
from custodes.dataweb.model import DataWeb, Entry, flow_facilitators, flow_hops
from custodes.dataweb.status import status_as_of

ORG_SCHEMA = {
    "agency": "PublicBody",
    "component": "PublicBody",
    "state_agency": "PublicBody",
    "vendor": "Company",
    "data_broker": "Company",
}
AGENCY_ORG = {"ICE": "org.ice", "CBP": "org.cbp"}


def _status(web: DataWeb, e: Entry, as_of: date | None) -> str | None:
    """The status as of `as_of` (status.py), or the recorded one."""
    dated = status_as_of(web, e, as_of)
    return dated.status if dated else e.data.get("status")


def ftm_id(entry_id: str) -> str:
    return entry_id.replace(".", "-").replace(":", "-").replace("_", "-")


def _make(
    web: DataWeb, schema: str, entity_id: str, cited: list[str], **props: Any
) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = ftm_id(entity_id)
    for prop, value in props.items():
        for item in value if isinstance(value, list) else [value]:
            if item is not None and item != "":
                proxy.add(prop, str(item))
    for sid in cited:
        source = web.get(sid)
        if source is None:
            continue
        proxy.add("publisher", source.data.get("publisher"))
        if source.data.get("url"):
            proxy.add("sourceUrl", source.data["url"])
    return proxy


def _organisation(web: DataWeb, e: Entry, as_of: date | None) -> Iterator[EntityProxy]:
    d = e.data
    yield _make(
        web,
        ORG_SCHEMA.get(d["kind"], "Organization"),
        e.id,
        source_ids(e),
        name=d["name"],
        alias=d.get("short_name"),
        summary=d["summary"],
    )
    if d.get("parent"):
        yield _make(
            web,
            "Membership",
            f"{e.id}.part_of",
            source_ids(e),
            member=ftm_id(e.id),
            organization=ftm_id(d["parent"]),
            role="part of",
        )


def _system(web: DataWeb, e: Entry, as_of: date | None) -> Iterator[EntityProxy]:
    d = e.data
    yield _make(
        web,
        "Project",
        e.id,
        source_ids(e),
        name=d["name"],
        alias=d.get("aliases"),
        summary=d["summary"],
        status=_status(web, e, as_of),
        startDate=d.get("since"),
        keywords=[d["category"], *d.get("secondary_categories", [])],
    )
    links = [(d["operator"], "operates")] + [
        (v, "supplies") for v in d.get("vendors", [])
    ]
    for org, role in links:
        yield _make(
            web,
            "UnknownLink",
            f"{e.id}.{role}.{org}",
            source_ids(e),
            subject=ftm_id(org),
            object=ftm_id(e.id),
            role=role,
        )


def _data_source(web: DataWeb, e: Entry, as_of: date | None) -> Iterator[EntityProxy]:
    d = e.data
    yield _make(
        web,
        "Asset",
        e.id,
        source_ids(e),
        name=d["name"],
        summary=d["summary"],
        keywords=d["data_categories"],
    )
    yield _make(
        web,
        "Ownership",
        f"{e.id}.holder",
        source_ids(e),
        owner=ftm_id(d["holder"]),
        asset=ftm_id(e.id),
        role="holds the data",
    )


def _flow(web: DataWeb, e: Entry, as_of: date | None) -> Iterator[EntityProxy]:
    d = e.data
    hops = ", ".join(web.label(h) for h in flow_hops(e))
    helped = "; ".join(
        f"{f['role'].replace('_', ' ')}: {web.label(f['id'])}"
        for f in flow_facilitators(web, e)
    )
    role = (
        "data flow: "
        + ", ".join(d["data_categories"])
        + (f" (through {hops})" if hops else "")
        + (f" (facilitated by {helped})" if helped else "")
    )
    yield _make(
        web,
        "UnknownLink",
        e.id,
        source_ids(e),
        subject=ftm_id(d["from"]),
        object=ftm_id(d["to"]),
        role=role,
        status=_status(web, e, as_of),
        startDate=d.get("since"),
        endDate=d.get("until"),
        summary=d["summary"],
    )


def _agreement(web: DataWeb, e: Entry, as_of: date | None) -> Iterator[EntityProxy]:
    d = e.data
    authority = [d.get("agency"), *d.get("parties", [])]
    yield _make(
        web,
        "Contract",
        e.id,
        source_ids(e),
        title=d["summary"][:200],
        name=web.label(e.id),
        summary=d["summary"],
        contractDate=d.get("date"),
        authority=[ftm_id(a) for a in authority if a],
        amountUsd=d.get("amount_usd"),
        procedureNumber=d.get("piid"),
        status=_status(web, e, as_of),
        type=d["kind"],
    )
    if d.get("vendor"):
        yield _make(
            web,
            "ContractAward",
            f"{e.id}.award",
            source_ids(e),
            supplier=ftm_id(d["vendor"]),
            contract=ftm_id(e.id),
            amountUsd=d.get("amount_usd"),
        )


def _figure(web: DataWeb, e: Entry, as_of: date | None) -> Iterator[EntityProxy]:
    d = e.data
    for target in d["relates_to"]:
        yield _make(
            web,
            "Note",
            f"{e.id}.{target}",
            source_ids(e),
            entity=ftm_id(target),
            description=f"{d['value']} {d['unit']}: {d['summary']}",
        )


def _funding(web: DataWeb, e: Entry, as_of: date | None) -> Iterator[EntityProxy]:
    d = e.data
    award = d.get("award_key") or d["piid"]
    authority = AGENCY_ORG.get(str(d.get("agency", "")).upper())
    authority = authority if authority in web.entries else None
    yield _make(
        web,
        "Contract",
        f"award.{award}",
        source_ids(e),
        title=f"Award {award}",
        procedureNumber=d.get("piid"),
        notes=d.get("award_key"),
        authority=ftm_id(authority) if authority else None,
    )
    yield _make(
        web,
        "UnknownLink",
        e.id,
        source_ids(e),
        subject=ftm_id(f"award.{award}"),
        object=ftm_id(d["system"]),
        role="pays for",
        summary=d["basis"],
    )


BUILDERS = {
    "organisation": _organisation,
    "system": _system,
    "data_source": _data_source,
    "flow": _flow,
    "agreement": _agreement,
    "figure": _figure,
    "funding": _funding,
}


def build_entities(web: DataWeb, as_of: date | None = None) -> Iterator[EntityProxy]:
    """Every entry as FtM entities, statuses as of `as_of` (today by default); an
    award shared by two mappings appears once."""
    emitted: set[str | None] = set()
    for entry in web.entries.values():
        builder = BUILDERS.get(entry.kind)
        if builder is None:
            continue
        for proxy in builder(web, entry, as_of):
            if proxy.id not in emitted:
                emitted.add(proxy.id)
                yield proxy
