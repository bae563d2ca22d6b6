"""Classify every award in the store and write `classification` + `classification_run`.

The heavy work stays in DuckDB: award texts, one regular-expression pass per field,
and a grouping of awards by the exact set of matched pieces ("signature"). Python
decides once per signature (a few thousand, whatever the number of awards) and DuckDB
joins the decisions back. One check needs each award's money rather than its text:
whether the surveillance evidence sits only on modifications holding a tiny share of the
award's obligations (`build_minor`); it reads the transactions of the awards concerned.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from custodes.classify import review
from custodes.classify.awards import (
    award_maker_sql,
    award_text_sql,
    clean_description_sql,
    office_sql,
)
from custodes.classify.decide import Decision, decide
from custodes.classify.evidence import Matcher
from custodes.classify.overrides import Override
from custodes.classify.rules import FIELDS, RuleSet
from custodes.classify.taxonomy import Taxonomy
from custodes.store.duckdb import Store
from custodes.store.queries import (
    history_counts_sql,
    modifications_only_award_sql,
    modifications_only_row_line,
)
from custodes.store.sql import literal

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunSummary:
    awards: int
    signatures: int
    overrides_applied: int
    overrides_not_in_store: list[str]
    by_category: dict[str, int]
    taxonomy_version: str
    rules_version: str
    components: int = 0  # awards tagged with a surveillance component (category none)
    profile_only: int = 0
    conflicts: int = 0
    reviews_applied: int = 0  # awards whose label a review decision set
    reviews_not_applied: list[str] = field(default_factory=list)  # label gone
    # awards the store knows only through later modifications (no transaction that
    # starts them): awards, obligation_usd, of which none / surveillance, line
    modifications_only: dict[str, Any] = field(default_factory=dict)


# The temp tables `_grouped_hits` makes for `hits_sql`.
GROUPED_TABLES = (
    "cls_names", "cls_desc", "cls_psc", "cls_naics", "cls_rname", "cls_aw",
    "cls_text", "cls_psc_h", "cls_naics_h",
)  # fmt: skip


def build_hits(
    store: Store,
    matcher: Matcher,
    where: str = "",
    keep_text: bool = False,
    source: str = '"transaction"',
) -> None:
    """Temp table cls_hits: matched pieces, latest recipient and signature per award.

    With keep_text (explain), the award texts are kept too, in temp table cls_award;
    without it they are never stored, which saves memory on large stores. SOURCE:
    the transactions read (whole awards only).
    """
    hashed = ", ".join(f"h_{f}" for f in FIELDS)
    if keep_text:
        store.execute(
            "CREATE OR REPLACE TEMP TABLE cls_award AS "
            + award_text_sql(where, source=source)
        )
        hits = matcher.hits_sql("cls_award", keep=("latest_recipient",))
    else:
        _grouped_hits(store, matcher, where, source)
        hits = hits_sql(matcher)
    store.execute(f"""CREATE OR REPLACE TEMP TABLE cls_hits AS
        SELECT *, hash({hashed}) AS sig FROM ({hits})""")
    if not keep_text:
        for t in GROUPED_TABLES:
            store.execute(f"DROP TABLE {t}")


def _grouped_hits(store: Store, matcher: Matcher, where: str, source: str) -> None:
    """The temp tables `hits_sql` reads (GROUPED_TABLES): each distinct value
    numbered, the awards grouped over the numbers, each distinct text matched once."""
    # recipient names are normalised and matched once per distinct name and office
    store.execute(
        "CREATE OR REPLACE TEMP TABLE cls_names AS " + matcher.names_sql(where, source)
    )
    for sql in values_sql(where, source):
        store.execute(sql)
    # One GROUP BY over every award, no longer in slices: its states are numbers, and
    # a slice's filter on hash(award_key) made DuckDB expect a few rows and build its
    # hash joins on the transactions (out of memory at 2M under 600MB)
    store.execute(
        "CREATE OR REPLACE TEMP TABLE cls_aw AS " + award_values_sql(where, source)
    )
    for sql in texts_sql(matcher):
        store.execute(sql)


# Why classify's full run has this shape (measured on the 2M refresh bench store,
# 2,022,480 transactions, 506,860 awards, under 600MB): joining each award's texts
# (string_agg of its descriptions, min/max of its PSC, NAICS and recipient strings,
# arg_max of its latest recipient) and matching every award's joined text cost
# 15.8-17.1 CPU s in four slices, more than half of it in the GROUP BY over strings,
# which spilled. Each distinct value is now numbered once (`values_sql`: descriptions,
# PSC and NAICS pairs, recipient names, in their sort order), the awards are grouped
# over those numbers alone (`award_values_sql`), and every text is built and matched
# once per distinct value: an award's text once per distinct set of descriptions, its
# PSC and NAICS once per distinct (smallest, largest) pair. The strings matched are
# exactly the ones matched before (the same SQL builds them from the same values), so
# the matched pieces, signatures and classification are the same; the saving in the
# matching grows with how often texts repeat (docs/benchmarks.md, classify).


def values_sql(where: str = "", source: str = '"transaction"') -> list[str]:
    """Temp tables numbering each distinct value an award's texts are built from, in
    sort order (so that the smallest and largest number are those of the smallest and
    largest value, and numbers sort as values do): cls_desc (cleaned descriptions),
    cls_psc and cls_naics (code and description pairs, numbered by the joined
    `code description` string the award text uses), cls_rname (recipient names)."""
    cond = f"WHERE {where}" if where else ""
    pairs = [
        f"""CREATE OR REPLACE TEMP TABLE cls_{f} AS
        SELECT c, x, v, (dense_rank() OVER (ORDER BY v))::INTEGER AS id
        FROM (SELECT c, x, concat_ws(' ', c, x) AS v
              FROM (SELECT DISTINCT {f}_code AS c, {f}_description AS x
                    FROM {source} {cond}))"""
        for f in ("psc", "naics")
    ]
    return [
        f"""CREATE OR REPLACE TEMP TABLE cls_desc AS
        SELECT v, (row_number() OVER (ORDER BY v))::INTEGER AS id
        FROM (SELECT DISTINCT {clean_description_sql()} AS v FROM {source} {cond})
        WHERE v IS NOT NULL""",
        *pairs,
        f"""CREATE OR REPLACE TEMP TABLE cls_rname AS
        SELECT v, (row_number() OVER (ORDER BY v))::INTEGER AS id
        FROM (SELECT DISTINCT recipient_name AS v FROM {source} {cond})
        WHERE v IS NOT NULL""",
    ]


def award_values_sql(where: str = "", source: str = '"transaction"') -> str:
    """One row per award, over the numbers of `values_sql`: its descriptions (sorted,
    distinct), its smallest and largest PSC, NAICS and recipient name, its PIID, and
    its latest recipient (as awards.award_text_sql picks it: the latest dated
    transaction with a name, else the one with the largest key)."""
    cond = f"WHERE {where}" if where else ""
    # one arg_max: dated transactions first, then by date and key; equal to
    # coalesce(arg_max(... (date, key)) FILTER (WHERE dated), arg_max(..., key)),
    # since arg_max skips a NULL name in both
    latest = (
        "arg_max(r.id, (t.action_date IS NOT NULL, "
        "coalesce(t.action_date, DATE '0001-01-01'), t.transaction_key))"
    )
    pair = (
        "{a}.c IS NOT DISTINCT FROM t.{f}_code "
        "AND {a}.x IS NOT DISTINCT FROM t.{f}_description"
    )
    return f"""
SELECT t.award_key, list_sort(list_distinct(list(d.id))) AS ids,
  min(p.id) AS p_lo, max(p.id) AS p_hi, min(n.id) AS n_lo, max(n.id) AS n_hi,
  min(r.id) AS r_lo, max(r.id) AS r_hi, any_value(t.piid) AS piid,
  {latest} AS latest
FROM (SELECT award_key, transaction_key, action_date, piid, recipient_name,
        description, psc_code, psc_description, naics_code, naics_description
      FROM {source} {cond}) t
LEFT JOIN cls_desc d ON d.v = {clean_description_sql("t.description")}
LEFT JOIN cls_psc p ON {pair.format(f="psc", a="p")}
LEFT JOIN cls_naics n ON {pair.format(f="naics", a="n")}
LEFT JOIN cls_rname r ON r.v = t.recipient_name
GROUP BY t.award_key"""


def texts_sql(matcher: Matcher) -> list[str]:
    """Temp tables of matched pieces per distinct text: cls_text per distinct set of
    descriptions (the award's text, as awards.award_text_sql joins it), cls_psc_h and
    cls_naics_h per distinct (smallest, largest) pair (awards._two)."""
    text = matcher.fields["text"].extract_sql("text")
    out = [
        f"""CREATE OR REPLACE TEMP TABLE cls_text AS
        SELECT ids, {text} AS h FROM (
          SELECT u.ids, upper(coalesce(string_agg(d.v, ' | ' ORDER BY d.id), ''))
                 AS text
          FROM (SELECT ids, unnest(ids) AS id FROM (SELECT DISTINCT ids FROM cls_aw)) u
          JOIN cls_desc d USING (id)
          GROUP BY u.ids)"""
    ]
    for f, a in (("psc", "p"), ("naics", "n")):
        pieces = matcher.fields[f].extract_sql("v")
        values = f"(SELECT DISTINCT id, v FROM cls_{f})"
        out.append(f"""CREATE OR REPLACE TEMP TABLE cls_{f}_h AS
        SELECT lo, hi, {pieces} AS h FROM (
          SELECT k.lo, k.hi, upper(coalesce(CASE WHEN k.lo = k.hi THEN a.v
                                          ELSE a.v || ' | ' || b.v END, '')) AS v
          FROM (SELECT DISTINCT {a}_lo AS lo, {a}_hi AS hi FROM cls_aw) k
          LEFT JOIN {values} a ON a.id = k.lo
          LEFT JOIN {values} b ON b.id = k.hi)""")
    return out


def hits_sql(matcher: Matcher) -> str:
    """The hits per award from cls_aw and the tables of `texts_sql` (the columns and
    values Matcher.hits_sql gives per award text)."""
    none = matcher.fields["text"].extract_sql("''")
    office = office_sql("a.piid")
    return f"""
SELECT a.award_key, lr.v AS latest_recipient, coalesce(x.h, {none}) AS h_text,
  ps.h AS h_psc, na.h AS h_naics,
  list_sort(list_distinct(list_concat(coalesce(lo.h, []::VARCHAR[]),
      CASE WHEN a.r_hi <> a.r_lo THEN coalesce(hi.h, []::VARCHAR[])
           ELSE []::VARCHAR[] END))) AS h_recipient
FROM cls_aw a
LEFT JOIN cls_text x ON x.ids = a.ids
JOIN cls_psc_h ps ON ps.lo IS NOT DISTINCT FROM a.p_lo
     AND ps.hi IS NOT DISTINCT FROM a.p_hi
JOIN cls_naics_h na ON na.lo IS NOT DISTINCT FROM a.n_lo
     AND na.hi IS NOT DISTINCT FROM a.n_hi
LEFT JOIN cls_rname lr ON lr.id = a.latest
LEFT JOIN cls_rname rl ON rl.id = a.r_lo
LEFT JOIN cls_rname rh ON rh.id = a.r_hi
LEFT JOIN cls_names lo ON lo.n = rl.v AND lo.office = {office}
LEFT JOIN cls_names hi ON hi.n = rh.v AND hi.office = {office}"""


MINOR_SEP = "\x1f"  # joins the text pieces of a decision in one VARCHAR


def decide_signatures(
    store: Store, matcher: Matcher, ruleset: RuleSet, taxonomy: Taxonomy
) -> dict[int, tuple[Decision, str]]:
    """Decision per signature, with the text pieces the minor-share check looks for."""
    cols = ", ".join(f"any_value(h_{f}) AS h_{f}" for f in FIELDS)
    rows = store.rows(f"SELECT sig, {cols} FROM cls_hits GROUP BY sig")
    out = {}
    for r in rows:
        pieces = {f: r[f"h_{f}"] for f in FIELDS}
        d = decide(matcher.fired(pieces), ruleset, taxonomy)
        minor = ""
        if d.text_rules:
            found = matcher.pieces_for("text", pieces["text"], set(d.text_rules))
            minor = MINOR_SEP.join(found)
        out[r["sig"]] = (d, minor)
    return out


def _decisions_frame(decisions: dict[int, tuple[Decision, str]]) -> pd.DataFrame:
    ds = [d for d, _ in decisions.values()]

    def text(values: list[Any]) -> pd.Series:
        # an empty column would be typed DOUBLE by DuckDB (a store with no award)
        return pd.Series(values, dtype=object if values else "string")

    return pd.DataFrame(
        {
            "sig": pd.Series(list(decisions), dtype="uint64"),
            "category": text([d.category for d in ds]),
            "confidence": [d.confidence for d in ds],
            "score": [d.score for d in ds],
            "evidence": text([d.evidence for d in ds]),
            "maker": text([d.maker for d in ds]),
            "component_category": text([d.component_category for d in ds]),
            "category_evidence": text([d.category_evidence for d in ds]),
            "profile_only": pd.Series([d.profile_only for d in ds], dtype=bool),
            "conflict": pd.Series([d.conflict for d in ds], dtype=bool),
            "minor_pieces": text([m for _, m in decisions.values()]),
        }
    )


def build_minor(store: Store, ruleset: RuleSet, source: str = '"transaction"') -> None:
    """Temp table cls_minor: awards whose surveillance evidence sits only on lines that
    hold a tiny share of the award's positive obligations (a small part of a larger
    purchase: a "body worn camera support" line of $297 in a $70M phone-services order).

    Only for decisions resting on text evidence alone; a line without money (a base
    award of $0 followed by funding modifications) never makes the share tiny.
    """
    c = ruleset.components
    desc = f"upper({clean_description_sql()})"
    store.execute(f"""
CREATE OR REPLACE TEMP TABLE cls_minor AS
WITH cand AS (
  SELECT h.award_key, string_split(d.minor_pieces, chr(31)) AS pieces
  FROM cls_hits h JOIN cls_decisions d ON d.sig = h.sig
  WHERE d.minor_pieces <> ''),
tx AS (
  SELECT cand.award_key, greatest(t.obligation_usd, 0)::DOUBLE AS pos,
         len(list_filter(cand.pieces, lambda p: contains({desc}, p))) > 0 AS has
  FROM {source} t JOIN cand USING (award_key))
SELECT award_key, sum(pos) AS pos_usd,
       coalesce(sum(pos) FILTER (WHERE has), 0) AS ev_usd
FROM tx GROUP BY award_key
HAVING sum(pos) >= {float(c.minor_min_usd)!r}
   AND coalesce(sum(pos) FILTER (WHERE has), 0) > 0
   AND coalesce(sum(pos) FILTER (WHERE has), 0)
       < {float(c.minor_share)!r} * sum(pos)""")


def _overrides_frame(overrides: list[Override]) -> pd.DataFrame:
    """Overrides and review decisions (custodes/classify/review.py) as one frame."""
    ev = [
        o.item
        or json.dumps(
            {
                "signal": "override",
                "rule": "overrides.csv",
                "text": o.reason,
                "category": o.label,
            },
            ensure_ascii=False,
        )
        for o in overrides
    ]
    return pd.DataFrame(
        {
            "award_key": [o.award_key for o in overrides],
            "label": [o.label for o in overrides],
            "o_evidence": ev,
            "o_method": [o.method for o in overrides],
        },
        columns=["award_key", "label", "o_evidence", "o_method"],
    ).astype(str)


def _select_sql(
    has_award_maker: bool, minor_share: float, taxonomy_version: str, rules_version: str
) -> str:
    """The classification rows: rules, the minor-share check, then overrides."""
    minor_item = (
        "json_object('signal', 'minor_share', 'rule', 'components.minor_share', "
        "'text', format('{:.2f}% of the award''s ${:,.0f}', "
        "100 * m.ev_usd / m.pos_usd, m.pos_usd), 'weight', 0)::VARCHAR"
    )
    return f"""
WITH r AS (
SELECT h.award_key, h.latest_recipient, d.maker, d.score, d.conflict,
  CASE WHEN m.award_key IS NULL THEN d.category ELSE 'none' END AS category,
  CASE WHEN m.award_key IS NULL THEN d.confidence
       ELSE round(0.95 - 0.45 * m.ev_usd / ({minor_share!r} * m.pos_usd), 3)
  END AS confidence,
  CASE WHEN m.award_key IS NULL THEN d.evidence
       ELSE '[' || {minor_item} || ', ' || substr(d.evidence, 2) END AS evidence,
  CASE WHEN m.award_key IS NULL THEN d.component_category ELSE d.category END
      AS component_category,
  CASE WHEN m.award_key IS NULL AND d.component_category IS NULL THEN NULL
       ELSE d.category_evidence END AS component_evidence,
  d.profile_only AND m.award_key IS NULL AS profile_only
FROM cls_hits h
JOIN cls_decisions d ON d.sig = h.sig
LEFT JOIN cls_minor m ON m.award_key = h.award_key)
SELECT r.award_key,
  coalesce(o.label, r.category) AS category,
  CASE WHEN o.label IS NULL THEN r.confidence ELSE 1.0 END AS confidence,
  CASE WHEN o.label IS NULL THEN r.evidence
       ELSE '[' || o.o_evidence || CASE WHEN r.evidence = '[]' THEN ']'
                                   ELSE ', ' || substr(r.evidence, 2) END
  END AS evidence,
  coalesce(am.maker, r.maker) AS maker,
  coalesce(o.o_method, 'rules') AS method,
  {literal(taxonomy_version)} AS taxonomy_version,
  {literal(rules_version)} AS rules_version,
  r.latest_recipient AS recipient, r.category AS rules_category, r.score,
  CASE WHEN coalesce(o.label, r.category) = 'none' THEN r.component_category END
      AS component_category,
  CASE WHEN coalesce(o.label, r.category) = 'none' THEN r.component_evidence END
      AS component_evidence,
  r.profile_only AND o.label IS NULL AS profile_only,
  r.conflict
FROM r
LEFT JOIN cls_overrides o ON o.award_key = r.award_key
LEFT JOIN ({award_maker_sql(has_award_maker)}) am ON am.award_key = r.award_key"""


def _select_all_sql(store: Store, taxonomy: Taxonomy, ruleset: RuleSet) -> str:
    return _select_sql(
        store.has_table("award_maker"),
        ruleset.components.minor_share,
        taxonomy.version,
        ruleset.version,
    )


def _decide_all(
    store: Store,
    matcher: Matcher,
    ruleset: RuleSet,
    taxonomy: Taxonomy,
    source: str = '"transaction"',
) -> int:
    """cls_hits -> cls_decisions and cls_minor; returns the number of signatures."""
    decisions = decide_signatures(store, matcher, ruleset, taxonomy)
    store.con.register("cls_decisions", _decisions_frame(decisions))
    build_minor(store, ruleset, source)
    return len(decisions)


def log_run(store: Store, taxonomy: Taxonomy, ruleset: RuleSet) -> tuple[int, int]:
    """A classification_run row for the classification table as it now is (also
    written by `custodes refresh`); returns (overrides applied, awards)."""
    applied = int(
        store.scalar("SELECT count(*) FROM classification WHERE method = 'override'")
        or 0
    )
    awards = int(store.scalar("SELECT count(*) FROM classification") or 0)
    store.create("classification_run")
    store.execute(
        "INSERT INTO classification_run VALUES (?, ?, ?, ?, ?)",
        [
            datetime.now(UTC).replace(tzinfo=None),
            taxonomy.version,
            ruleset.version,
            applied,
            awards,
        ],
    )
    return applied, awards


def classify_store(
    store: Store,
    taxonomy: Taxonomy,
    ruleset: RuleSet,
    overrides: list[Override],
    progress: Progress = lambda _m: None,
    transaction: bool = True,
) -> RunSummary:
    """Rebuild `classification`, append to `classification_run`; one transaction
    (TRANSACTION False: the caller's, as `custodes refresh` runs every stage in one).
    OVERRIDES: the curated ones; the store's review decisions are applied too (a
    review wins over a curated override of the same award)."""
    reviews, reviews_stale = review.load(store, taxonomy)
    curated = overrides
    overrides = review.merge(curated, reviews)
    matcher = Matcher(ruleset)
    progress("reading award texts and matching rules")
    build_hits(store, matcher)
    progress("deciding")
    signatures = _decide_all(store, matcher, ruleset, taxonomy)
    store.con.register("cls_overrides", _overrides_frame(overrides))
    select = _select_all_sql(store, taxonomy, ruleset)
    progress("writing")
    with store.transaction() if transaction else nullcontext():
        store.execute("DROP TABLE IF EXISTS classification")
        store.create("classification")
        store.execute("INSERT INTO classification " + select)
        applied, awards = log_run(store, taxonomy, ruleset)
        reviewed = store.scalar(
            "SELECT count(*) FROM classification WHERE method = 'review'"
        )
    present = {
        r[0]
        for r in store.execute(
            "SELECT award_key FROM cls_overrides JOIN classification USING (award_key)"
        )
    }
    by_cat = dict(
        store.execute(
            "SELECT category, count(*) FROM classification GROUP BY 1 ORDER BY 2 DESC"
        )
    )
    flags = store.rows(
        "SELECT count(component_category) AS components, "
        "count(*) FILTER (WHERE profile_only) AS profile_only, "
        "count(*) FILTER (WHERE conflict) AS conflicts FROM classification"
    )[0]
    return RunSummary(
        modifications_only=modifications_only(store),
        awards=awards,
        signatures=signatures,
        overrides_applied=applied,
        overrides_not_in_store=sorted(
            o.award_key for o in curated if o.award_key not in present
        ),
        by_category=by_cat,
        taxonomy_version=taxonomy.version,
        rules_version=ruleset.version,
        components=int(flags["components"]),
        profile_only=int(flags["profile_only"]),
        conflicts=int(flags["conflicts"]),
        reviews_applied=int(reviewed or 0),
        reviews_not_applied=reviews_stale,
    )


def modifications_only(store: Store) -> dict[str, Any]:
    """The classified awards the store knows only through later modifications: how
    many, their net obligations, how many of them the classification left `none`, and
    the sentence that says what to do (custodes/store/queries.py)."""
    from custodes import sources

    why = sources.history_reason_of_transactions(store.has_table("sync_history"))
    row = store.rows(f"""
        WITH award_ AS (
          SELECT t.award_key, sum(t.obligation_usd) AS usd,
                 {modifications_only_award_sql("t")} AS mods_only,
                 {why} AS reason_
          FROM "transaction" t GROUP BY 1)
        SELECT count(*) AS of_awards, coalesce(sum(a.usd), 0) AS of_obligation_usd,
               count(*) FILTER (WHERE a.mods_only) AS awards,
               coalesce(sum(a.usd) FILTER (WHERE a.mods_only), 0) AS obligation_usd,
               count(*) FILTER (WHERE a.mods_only AND c.category = 'none') AS none,
               count(*) FILTER (WHERE a.mods_only AND c.category <> 'none')
                   AS surveillance,
               {history_counts_sql("a.mods_only", "a.reason_")}
        FROM award_ a JOIN classification c USING (award_key)""")[0]
    row["line"] = modifications_only_row_line(row)
    return row


def classify_keys(
    store: Store, taxonomy: Taxonomy, ruleset: RuleSet, keys: list[str]
) -> dict[str, dict[str, Any]]:
    """What the rules alone say about some awards (read-only: temp tables only), the
    same columns as `classification`. For eval and explain.
    """
    matcher = Matcher(ruleset)
    store.con.register("cls_keys", pd.DataFrame({"k": pd.Series(keys, dtype=str)}))
    build_hits(store, matcher, where="award_key IN (SELECT k FROM cls_keys)")
    _decide_all(store, matcher, ruleset, taxonomy)
    store.con.register("cls_overrides", _overrides_frame([]))
    rows = store.rows(_select_all_sql(store, taxonomy, ruleset))
    return {r["award_key"]: r for r in rows}
