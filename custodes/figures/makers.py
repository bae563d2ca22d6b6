"""A maker's total across channels: the awards paid to it directly plus the awards paid
to resellers that name it as the maker of what they sold (`custodes resolve` writes
those in `award_maker`), one number with its breakdown by reseller.

`channels_sql` is the one query: the web app builds `serve_maker_channel` with it from
its award tables (the vendor page and /vendor/ID.json read that), and `custodes vendor
show` runs it on the store's awards for the vendor (or its family). Both read money by
vendor by the one rule (each transaction under its own vendor,
custodes/figures/serve_tables.py `vendor_parts_sql`), so the two give the same numbers.

Each vendor's part of an award is counted once: under `direct` when the vendor paid is
the maker (any member of the family, with --family), otherwise under `reseller`,
grouped by the vendor paid (a natural person paid as a reseller stays withheld: no
vendor id, no name). An award novated from the maker to a reseller counts the maker's
transactions as direct and the reseller's as through it. The whole of a vendor's part
is counted, which may buy other products besides the maker's.

Awards are counted, not parts: the total's award count is of distinct awards, and so
is each channel's (`direct total`, `reseller total` rows). An award bought both ways
is one award in the total and one in each channel, and the `both` row says how many
such awards there are and their money, so that direct + through resellers - both =
the total. The money always adds up (each transaction in one channel).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from custodes.figures.recipients import WITHHELD

CHANNEL_COLUMNS = (
    "owner",
    "channel",
    "vendor_id",
    "vendor_name",
    "awards",
    "obligation_usd",
    "surveillance_usd",
)
NOTE = (
    "Through resellers counts each whole award that names the maker's product; such "
    "an award may buy other things too. Each award is counted once in the total; an "
    "award bought both ways (part paid to the maker, part to a reseller) is counted "
    "in each channel, with each channel's own part of its money, and an award paid "
    "to two resellers is counted under each of them."
)
# The rows of a channel's distinct awards, and of the awards bought both ways.
SUMMARY_CHANNELS = ("direct total", "reseller total")
BOTH = "both"


def channels_sql(who: str, awards: str, award_maker: str, counted: str) -> str:
    """Per owner: its direct awards by vendor paid, and the awards paid to others that
    name it as maker, by reseller. WHO: rows (owner, vendor_id), the vendors each owner
    stands for; AWARDS: rows with award_key, vendor_id, vendor_name, obligation_usd
    and the columns COUNTED reads (the Definition's condition on alias aw;
    parameters in the order WHO's, COUNTED's, AWARDS');
    AWARD_MAKER: rows with award_key, maker_vendor_id.

    Besides a row per channel and vendor paid (channel `direct` or `reseller`), each
    owner has a row per channel of the channel's distinct awards (`direct total`,
    `reseller total`: an award paid to two resellers is one award bought through
    resellers) and, when some of its awards were bought both ways, a row `both`: those
    awards and all their money (both channels' parts). Those rows have no vendor."""
    totals = (
        "sum(aw.obligation_usd) AS obligation_usd, "
        "coalesce(sum(aw.obligation_usd) FILTER (WHERE aw.__counted), 0) "
        "AS surveillance_usd"
    )
    return f"""
    WITH who AS ({who}),
    aw AS (SELECT aw.*, coalesce({counted}, FALSE) AS __counted FROM ({awards}) aw),
    named AS (
        SELECT DISTINCT w.owner, m.award_key
        FROM ({award_maker}) m JOIN who w ON m.maker_vendor_id = w.vendor_id),
    part AS (
        SELECT w.owner, 'direct' AS channel, aw.*
        FROM aw JOIN who w ON aw.vendor_id = w.vendor_id
        UNION ALL
        SELECT n.owner, 'reseller' AS channel, aw.*
        FROM named n JOIN aw USING (award_key)
        WHERE NOT EXISTS (SELECT 1 FROM who w
                          WHERE w.owner = n.owner AND w.vendor_id = aw.vendor_id)),
    by_vendor AS (
        SELECT aw.owner, aw.channel, aw.vendor_id,
               any_value(aw.vendor_name) AS vendor_name, count(*) AS awards, {totals}
        FROM part aw GROUP BY 1, 2, 3),
    by_channel AS (
        SELECT aw.owner, aw.channel || ' total' AS channel, NULL::VARCHAR AS vendor_id,
               NULL::VARCHAR AS vendor_name, count(DISTINCT aw.award_key) AS awards,
               {totals}
        FROM part aw GROUP BY 1, 2),
    both_ways AS (
        SELECT aw.owner, 'both' AS channel, NULL::VARCHAR AS vendor_id,
               NULL::VARCHAR AS vendor_name, count(DISTINCT aw.award_key) AS awards,
               {totals}
        FROM part aw JOIN (SELECT owner, award_key FROM part GROUP BY 1, 2
                           HAVING count(DISTINCT channel) > 1) b
             USING (owner, award_key)
        GROUP BY 1)
    SELECT * FROM by_vendor UNION ALL SELECT * FROM by_channel
    UNION ALL SELECT * FROM both_ways"""


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One owner's channel rows as the one number and its breakdown. The money of
    each award is split between the channels by transaction and adds up; the award
    counts are of distinct awards: the total counts an award bought both ways once,
    each channel counts it (`both`), so direct and through resellers may add up to
    more than the total. Rows of a table built before the `... total` and `both`
    rows existed are summed as they were."""

    def total(part: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "awards": sum(int(r["awards"] or 0) for r in part),
            "obligation_usd": sum(
                (Decimal(r["obligation_usd"] or 0) for r in part), Decimal("0.00")
            ),
            "surveillance_usd": sum(
                (Decimal(r["surveillance_usd"] or 0) for r in part), Decimal("0.00")
            ),
        }

    direct = [r for r in rows if r["channel"] == "direct"]
    resold = sorted(
        (r for r in rows if r["channel"] == "reseller"),
        key=lambda r: (-Decimal(r["obligation_usd"] or 0), r["vendor_id"] or ""),
    )
    counts = {r["channel"]: int(r["awards"] or 0) for r in rows if r["channel"] in
              (*SUMMARY_CHANNELS, BOTH)}  # fmt: skip
    both = total([r for r in rows if r["channel"] == BOTH])
    out_direct, out_resold = total(direct), total(resold)
    out_direct["awards"] = counts.get("direct total", out_direct["awards"])
    out_resold["awards"] = counts.get("reseller total", out_resold["awards"])
    everything = total([*direct, *resold])
    everything["awards"] = out_direct["awards"] + out_resold["awards"] - both["awards"]
    resellers = [
        {
            "vendor_id": r["vendor_id"],
            "vendor_name": r["vendor_name"] if r["vendor_id"] else WITHHELD,
            "awards": int(r["awards"]),
            "obligation_usd": r["obligation_usd"],
            "surveillance_usd": r["surveillance_usd"],
        }
        for r in resold
    ]
    return {
        "total": everything,
        "direct": out_direct,
        "through_resellers": out_resold,
        "both": both,
        "resellers": resellers,
        "note": NOTE,
    }
