"""The steps of `custodes refresh` (custodes/figures/refresh.py says what and why)."""

from __future__ import annotations

from typing import Any

from custodes.figures import (
    analyse_tables,
    award_numbers,
    changes,
    serve_refresh,
    serve_tables,
)
from custodes.figures.refresh import Options, Report, Timer
from custodes.store.duckdb import Store
from custodes.store.queries import last_runs

# Every column of a transaction a stage or a derived table reads (not the raw row).
TX_EXCLUDE = "raw_values"


def _stamp(value: Any) -> str | None:
    return None if value is None else str(value)


def run(store: Store, options: Options, timer: Timer, report: Report) -> None:
    from custodes.figures.refresh import last_state
    from custodes.resolve import incremental as res_inc
    from custodes.resolve.build import DEFAULT_MATCHER

    state = None if options.full else last_state(store)
    runs = last_runs(store)
    reasons: list[str] = []
    if options.full:
        reasons.append("--full")
    elif state is None:
        report.first = not _refreshed_before(store)
        reasons.append(
            "the store was never refreshed"
            if report.first
            else "the last refresh was made by an older version of custodes"
        )
    full = bool(reasons)
    new_state: dict[str, Any] = {"last_ingest_run": runs["ingest"], "runs": {}}

    # -- 1. read the store: recipient records, and what changed ------------------------
    with timer.step("reading transactions") as d:
        changes.scan_records(store)
        d["records"] = int(store.scalar("SELECT count(*) FROM refresh_records"))
        report.transactions_in_store = int(
            store.scalar("SELECT coalesce(sum(transactions), 0) FROM refresh_records")
        )
        if not full:
            found = changes.detect(store, state["last_ingest_run"] if state else None)
            report.transactions_changed = found.changed
            d["candidates"] = found.candidates
            d["changed"] = found.changed
            d["records_changed_without_a_run"] = found.unannounced_records

    matcher = options.matcher or res_inc.last_matcher(store, DEFAULT_MATCHER)
    if state is None or full:
        new_state["inputs"] = changes.inputs_digest(options.overrides, matcher)
    else:
        with timer.step("checking for other changes") as d:
            inputs = new_state["inputs"] = changes.inputs_digest(
                options.overrides, matcher
            )
            why_not = _something_to_do(store, options, state, runs, inputs)
            d["found"] = why_not or "nothing"
        if why_not is None:
            # nothing changed since the last refresh: no table is touched; the run
            # is logged with the state it found (the next refresh compares with it)
            report.nothing_to_do = True
            report.state = {  # type: ignore[attr-defined]
                k: v for k, v in state.items() if k != "run_id"
            }
            changes.drop_temp(store)
            return

    # -- 2. inputs: rules, overrides, reviews; stage runs outside a refresh ------------
    from custodes.classify import incremental as cls_inc
    from custodes.classify import review
    from custodes.classify.overrides import load_overrides
    from custodes.classify.rules import load_rules
    from custodes.classify.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    ruleset = load_rules(taxonomy)
    curated = load_overrides(taxonomy, options.overrides)
    # review decisions (custodes review accept|correct) apply like overrides, a review
    # winning over a curated override of the same award, as custodes classify does
    overrides = review.merge(curated, review.load(store, taxonomy)[0])
    rules_now = cls_inc.rules_fingerprint(taxonomy, ruleset)
    new_state["rules"] = rules_now

    # what must be rebuilt whole, and why
    why: dict[str, str] = {}
    if not full and not res_inc.present(store):
        why["resolve"] = "vendors were never resolved"
    if not full and not cls_inc.present(store):
        why["classify"] = "awards were never classified"
    if not full and state is not None:
        if _stamp(runs["classify"]) != state["runs"].get("classify"):
            why.setdefault("classify", "custodes classify ran outside a refresh")
        if _stamp(runs["resolve"]) != state["runs"].get("resolve"):
            # its tables follow the store as it was then, not the refresh state
            why.setdefault("resolve", "custodes resolve ran outside a refresh")
        if rules_now != state.get("rules"):
            why.setdefault(
                "classify", "the rules, taxonomy, gazetteer or profiles changed"
            )
    if not full and "resolve" in why:
        why.setdefault("classify", f"makers may have changed ({why['resolve']})")
    if not full and "classify" in why:
        why.setdefault("figures", f"every award was reclassified ({why['classify']})")
    for family in ("analyse", "serve"):
        missing = None if full else _family_missing(store, family, options)
        if missing:
            why.setdefault(family, missing)
    new_state["extras"] = {x.name: x.signature() for x in options.extras}
    if state is not None and state.get("extras") != new_state["extras"]:
        why.setdefault("serve", "the search's tables were built another way")
    resolve_full = full or "resolve" in why
    classify_full = full or "classify" in why
    rebuilt = {
        family: full or "figures" in why or family in why
        for family in ("analyse", "serve")
    }
    incremental = not (resolve_full and classify_full and all(rebuilt.values()))
    report.full = full
    report.reason = "; ".join(reasons + [f"{k}: {v}" for k, v in why.items()])

    # -- 3. resolve --------------------------------------------------------------------
    with timer.step("resolving vendors") as d:
        done = res_inc.resolve_again(store, matcher)
        new_state["makers"] = res_inc.maker_vendors_json(done)
        new_state["matcher"] = matcher
        if resolve_full:
            d["full"] = True
        else:
            delta = res_inc.compare(store, done)
            everywhere = res_inc.makers_everywhere(done, state and state.get("makers"))
            delta.makers_everywhere = bool(everywhere)
            delta.why_makers = everywhere
            if everywhere:
                res_inc.new_makers_everywhere(store, done)
            d.update(delta.to_dict())

    # -- 4. which awards to recompute --------------------------------------------------
    if not classify_full:
        with timer.step("overrides") as d:
            d["changed"] = cls_inc.changed_overrides(store, overrides)
    if incremental:
        with timer.step("finding the awards to recompute") as d:
            _touched_awards(
                store, resolve_full, classify_full, delta if not resolve_full else None
            )
            report.awards = int(store.scalar("SELECT count(*) FROM refresh_award"))
            d["awards"] = report.awards
        with timer.step("reading their transactions") as d:
            # their row ids first, from one column (award_key) of every transaction,
            # then their rows by row id: the scan no longer reads every column of
            # every row (at 1M: 0.07-0.16 s instead of 0.26-1.04 s). Later reads of
            # a column left out here (the raw rows of serve_contract_action) fetch
            # those rows alone too (at 10M: 0.08 s instead of 2.45 s); the refresh
            # writes no transaction, so the ids hold until it ends
            store.execute(
                """CREATE OR REPLACE TEMP TABLE refresh_tx_rowid AS
                SELECT rowid AS tx_rowid_ FROM "transaction"
                WHERE award_key IN (SELECT award_key FROM refresh_award)"""
            )
            store.execute(
                f"""CREATE OR REPLACE TEMP TABLE refresh_tx AS
                SELECT * EXCLUDE ({TX_EXCLUDE}) FROM "transaction"
                WHERE rowid IN (SELECT tx_rowid_ FROM refresh_tx_rowid)"""
            )
            d["transactions"] = int(store.scalar("SELECT count(*) FROM refresh_tx"))

    # -- 5. write resolve --------------------------------------------------------------
    with timer.step("writing vendors") as d:
        if resolve_full:
            from custodes.resolve import apply as res_apply

            res_apply.write(store, done)
            d["full"] = True
        else:
            res_inc.write(store, done, delta)
            d["award_makers"] = delta.award_makers
        new_state["runs"]["resolve"] = _stamp(last_runs(store)["resolve"])

    # -- 6. classify -------------------------------------------------------------------
    with timer.step("classifying") as d:
        if classify_full:
            from custodes.classify.pipeline import classify_store

            summary = classify_store(
                store, taxonomy, ruleset, curated, transaction=False
            )
            d["full"] = True
            d["awards"] = summary.awards
        else:
            d["awards"] = cls_inc.reclassify(store, taxonomy, ruleset, overrides)
        cls_inc.save_overrides(store, overrides)
        new_state["runs"]["classify"] = _stamp(last_runs(store)["classify"])

    # -- 7. figures --------------------------------------------------------------------
    award_numbers.ensure(store)
    with timer.step("numbering awards") as d:
        every = not incremental or any(rebuilt.values())
        d["new"] = award_numbers.number_new(
            store,
            # classify's full run above wrote one row per award of the store: its
            # keys, instead of the distinct keys of every transaction (at 2M 0.24-0.28
            # CPU s instead of 0.56-0.70 for the statement)
            award_numbers.CLASSIFIED_AWARDS
            if every and classify_full
            else award_numbers.STORE_AWARDS
            if every
            else "(SELECT DISTINCT award_key FROM refresh_tx)",
        )
        if incremental:
            store.execute(
                """CREATE OR REPLACE TEMP TABLE refresh_award_no AS
                SELECT n.award_no, n.award_key FROM award_number n
                WHERE n.award_key IN (SELECT award_key FROM refresh_award)"""
            )
    for family in ("analyse", "serve"):
        with timer.step(f"{family} tables") as d:
            if rebuilt[family]:
                d["full"] = True
                # every award was numbered above (the store's transactions)
                if family == "analyse":
                    # resolve_full: as for the web app's tables below
                    analyse_tables.write_analysis_tables(
                        store, numbered=True, linked=resolve_full
                    )
                else:
                    # resolve_full: resolve's full run wrote transaction_vendor
                    # above, from vendor_alias
                    serve_tables.write_serve_tables(
                        store,
                        extras=options.extras,
                        numbered=True,
                        linked=resolve_full,
                    )
            elif family == "analyse":
                d.update(analyse_tables.update(store))
            else:
                d.update(serve_refresh.update(store, extras=options.extras))

    # -- 8. watches: when each award first appeared ------------------------------------
    if store.has_table("award_first_seen"):
        with timer.step("first sightings"):
            _first_seen(store, incremental and not full)

    # -- 9. state ----------------------------------------------------------------------
    with timer.step("saving the refresh state"):
        changes.save_state(store, full=not incremental or full)
        new_state["runs"]["ingest"] = runs["ingest"]
        # every stage's last run as this refresh leaves them (the next refresh finds
        # nothing to do while they, the inputs and the transactions stay the same)
        new_state["stage_runs"] = _stage_runs(store)
    report.state = new_state  # type: ignore[attr-defined]
    for name in ("refresh_tx", "refresh_tx_rowid", "refresh_award", "refresh_award_no"):
        store.execute(f"DROP TABLE IF EXISTS {name}")
    changes.drop_temp(store)
    res_inc.drop_temp(store)


def _refreshed_before(store: Store) -> bool:
    return store.has_table("refresh_run") and bool(
        store.scalar("SELECT count(*) FROM refresh_run")
    )


def _stage_runs(store: Store) -> dict[str, str | None]:
    return {stage: _stamp(value) for stage, value in last_runs(store).items()}


def _something_to_do(
    store: Store,
    options: Options,
    state: dict[str, Any],
    runs: dict[str, Any],
    inputs: str,
) -> str | None:
    """What a refresh has to take into account besides changed transactions (None:
    nothing). Cheap: stage runs, a digest of the curated files, the tables there.
    Needs changes.detect's refresh_changed."""
    if int(store.scalar("SELECT count(*) FROM refresh_changed")):
        return "transactions changed"
    if state.get("stage_runs") != {k: _stamp(v) for k, v in runs.items()}:
        return "a stage ran since (ingest, resolve, classify or a review decision)"
    if state.get("inputs") != inputs:
        return "the rules, taxonomy, gazetteer, vendor data or overrides changed"
    if state.get("extras") != {x.name: x.signature() for x in options.extras}:
        return "the search's tables are built another way"
    from custodes.resolve import incremental as res_inc

    if not res_inc.present(store) or not (
        store.has_table("classification") and store.has_table("classification_run")
    ):
        return "vendors or classifications are missing"
    for family in ("analyse", "serve"):
        missing = _family_missing(store, family, options)
        if missing:
            return missing
    return None


def _family_missing(store: Store, family: str, options: Options) -> str | None:
    if family == "analyse":
        return analyse_tables.refresh_reason(store)
    return serve_tables.refresh_reason(
        store, [t for x in options.extras for t in x.tables]
    )


def _touched_awards(
    store: Store, resolve_full: bool, classify_full: bool, delta: Any
) -> None:
    """Temp table refresh_award(award_key): the awards whose rows change."""
    parts = [
        "SELECT new_award_key AS award_key FROM refresh_changed "
        "WHERE new_award_key IS NOT NULL",
        "SELECT award_key FROM award_number WHERE hash(award_key) IN "
        "(SELECT old_ahash FROM refresh_changed WHERE old_ahash IS NOT NULL)",
    ]
    if not resolve_full:
        parts.append(
            "SELECT award_key FROM award_number WHERE hash(award_key) IN ("
            "SELECT ahash FROM refresh_transaction "
            "WHERE rec IN (SELECT rec FROM refresh_rec_touched))"
        )
        if delta is not None and delta.makers_everywhere:
            parts.append("SELECT award_key FROM refresh_maker_touched")
    if not classify_full:
        parts.append("SELECT award_key FROM refresh_override_changed")
    store.execute(
        "CREATE OR REPLACE TEMP TABLE refresh_award AS "
        + " UNION ".join(f"({p})" for p in parts)
    )


def _first_seen(store: Store, incremental: bool) -> None:
    from custodes.sync.digest import FIRST_SEEN_SQL

    store.execute(FIRST_SEEN_SQL)
