"""Watchlists: what a user wants to hear about, and how each watch matches transactions.

A watch is (kind, value) with kind one of vendor, maker, category, keyword, kept in the
store's `watch` table. Matching uses the resolve and classify stages' tables when they
exist (vendor families, award makers, award categories) and otherwise falls back to
text matching on the transaction, saying so in a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from custodes.errors import InputError, NotFound
from custodes.store.duckdb import Store

KINDS = ("vendor", "maker", "category", "keyword")


@dataclass(frozen=True)
class Match:
    """A SQL predicate over `"transaction" t`, its parameters, and how it matches.

    For vendors and makers, DIRECT (with DIRECT_PARAMS) is true for a transaction paid
    to the watched vendor's family itself; the other matched transactions are awards
    that name it as the maker of what a reseller was paid for."""

    predicate: str
    params: list[Any]
    method: str
    note: str | None = None
    direct: str | None = None
    direct_params: list[Any] = field(default_factory=list)


def add_watch(store: Store, kind: str, value: str) -> dict[str, Any]:
    kind, value = kind.lower().strip(), value.strip()
    if kind not in KINDS:
        raise InputError(f"unknown watch kind {kind!r}; use one of {', '.join(KINDS)}.")
    if not value:
        raise InputError("a watch needs a non-empty VALUE.")
    if kind == "category":
        value = category_id(store, value)
    store.create("watch")
    for row in store.rows(
        "SELECT * FROM watch WHERE kind = ? AND upper(value) = upper(?)", [kind, value]
    ):
        return {**row, "existing": True}
    watch_id = int(store.scalar("SELECT coalesce(max(watch_id), 0) + 1 FROM watch"))
    store.execute(
        "INSERT INTO watch VALUES (?, ?, ?, now()::TIMESTAMP)", [watch_id, kind, value]
    )
    return {
        **store.rows("SELECT * FROM watch WHERE watch_id = ?", [watch_id])[0],
        "existing": False,
    }


def category_id(store: Store, value: str) -> str:
    """The taxonomy id a category watch names: the id itself, or in any case, or the
    category's label ('Face recognition'). A name that is none of these (a typo)
    would never match anything, so it is refused, with the known ids."""
    from custodes.classify.taxonomy import known_categories

    present: list[str] = []
    if store.has_table("classification"):
        present = [
            str(row["c"])
            for row in store.rows(
                "SELECT DISTINCT category AS c FROM classification WHERE c IS NOT NULL"
            )
        ]
    labels = known_categories(present)
    wanted = value.strip().lower()
    for cid, label in labels.items():
        if wanted in (cid.lower(), label.lower()):
            return cid
    raise InputError(
        f"unknown category {value!r}: a category watch takes a taxonomy id or its "
        f"label. Ids: {', '.join(sorted(labels))}."
    )


def list_watches(store: Store) -> list[dict[str, Any]]:
    if not store.has_table("watch"):
        return []
    return store.rows("SELECT * FROM watch ORDER BY watch_id")


def remove_watch(store: Store, watch_id: int) -> dict[str, Any]:
    rows = (
        store.rows("SELECT * FROM watch WHERE watch_id = ?", [watch_id])
        if store.has_table("watch")
        else []
    )
    if not rows:
        raise NotFound(
            f"no watch with id {watch_id}. See the ids with `custodes watch list`."
        )
    store.execute("DELETE FROM watch WHERE watch_id = ?", [watch_id])
    return rows[0]


def re2_escape(text: str) -> str:
    return "".join("\\" + c if c in "\\.^$|?*+()[]{}" else c for c in text)


def keyword_match(
    value: str, note: str | None = None, method: str = "keyword"
) -> Match:
    text = (
        "concat_ws(' ', t.description, t.psc_description, t.naics_description, "
        "t.recipient_name)"
    )
    return Match(
        f"regexp_matches({text}, ?, 'i')",
        [r"\b" + re2_escape(value) + r"\b"],
        method,
        note,
    )


# Vendors of the families of the vendors matched by id or name (two parameters).
FAMILY_SQL = (
    "SELECT vendor_id FROM vendor WHERE family_id IN (SELECT family_id FROM vendor "
    "WHERE vendor_id = ? OR upper(name) LIKE ?)"
)
# Vendors of the families of the makers named like the text (one parameter).
MAKER_FAMILY_SQL = (
    "SELECT vendor_id FROM vendor WHERE family_id IN (SELECT family_id FROM vendor "
    "WHERE vendor_id IN (SELECT maker_vendor_id FROM award_maker "
    "WHERE upper(maker) LIKE ?))"
)
PAID_SQL = (
    "t.transaction_key IN (SELECT tv.transaction_key FROM transaction_vendor tv "
    "WHERE tv.vendor_id IN ({}))"
)
AS_MAKER_SQL = (
    "t.award_key IN (SELECT award_key FROM award_maker WHERE maker_vendor_id IN ({}))"
)
CHANNELS = "paid directly or named as the maker on awards paid to resellers"


def _resolved(store: Store) -> bool:
    return store.has_table("transaction_vendor") and store.has_table("vendor")


def match_for(store: Store, kind: str, value: str) -> Match:
    """How `kind`/`value` selects transactions in this store. A vendor or maker watch
    follows both channels: the awards paid to the vendor's family, and the awards
    that name it as the maker of what a reseller was paid for."""
    like = f"%{value.upper()}%"
    if kind == "keyword":
        return keyword_match(value)
    if kind == "vendor":
        if _resolved(store):
            paid = PAID_SQL.format(FAMILY_SQL)
            if not store.has_table("award_maker"):
                return Match(paid, [value, like], "resolved vendor family")
            return Match(
                f"({paid} OR {AS_MAKER_SQL.format(FAMILY_SQL)})",
                [value, like, value, like],
                f"resolved vendor family, {CHANNELS}",
                direct=paid,
                direct_params=[value, like],
            )
        return Match(
            "(upper(t.recipient_name) LIKE ? OR upper(t.recipient_parent_name) LIKE ?)",
            [like, like],
            "recipient name text",
            "vendor tables not built; matched recipient names containing the text "
            "(run `custodes resolve` to match whole corporate families)",
        )
    if kind == "maker":
        parts, params = [], []
        direct, direct_params = None, []
        if store.has_table("award_maker"):
            parts.append(
                "t.award_key IN (SELECT award_key FROM award_maker "
                "WHERE upper(maker) LIKE ?)"
            )
            params.append(like)
            if _resolved(store):
                direct = PAID_SQL.format(MAKER_FAMILY_SQL)
                direct_params = [like]
                parts.append(direct)
                params.append(like)
        if store.has_table("classification"):
            parts.append(
                "t.award_key IN (SELECT award_key FROM classification "
                "WHERE upper(maker) LIKE ?)"
            )
            params.append(like)
        if parts:
            method = f"award maker, {CHANNELS}" if direct else "award maker"
            return Match(
                "(" + " OR ".join(parts) + ")",
                params,
                method,
                direct=direct,
                direct_params=direct_params,
            )
        return keyword_match(
            value,
            "maker tables not built; matched the maker's name in "
            "descriptions (run `custodes resolve` and `custodes classify`)",
            "description text",
        )
    if kind == "category":
        if store.has_table("classification"):
            try:
                unknown = category_id(store, value) != value
            except InputError:
                unknown = True
            return Match(
                "t.award_key IN (SELECT award_key FROM classification "
                "WHERE category = ?)",
                [value],
                "award category",
                f"{value!r} is not a category id of the taxonomy or the store, so this "
                "watch matches nothing; remove it (`custodes watch remove ID`) and "
                "watch the id"
                if unknown
                else None,
            )
        return keyword_match(
            value.replace("_", " "),
            "classification table not built; matched "
            "the category name as a keyword (run `custodes classify`)",
            "description text",
        )
    raise InputError(f"unknown watch kind {kind!r}")
