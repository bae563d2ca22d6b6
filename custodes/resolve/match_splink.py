"""Probabilistic name matching with Splink on DuckDB (the default matcher).

Input: distinct name keys that the identifier and rule steps left apart. Splink blocks
candidate pairs (same first word, same first word after sorting, same last word, same
5-letter prefix without spaces), scores them with Jaro-Winkler on the key and
Levenshtein on the word-sorted key, and returns pairs whose match probability reaches
the threshold.
u-probabilities are estimated from random pairs; m-probabilities by expectation
maximisation over first-word blocks.
"""

from __future__ import annotations

import logging
from typing import Any

import pyarrow as pa

from custodes.resolve.keys import sorted_key
from custodes.store.duckdb import connect_memory

THRESHOLD = 0.50


def _frame(keys: list[str]) -> pa.Table:
    sk = [sorted_key(k) for k in keys]
    return pa.table(
        {
            "unique_id": list(range(len(keys))),
            "name_key": keys,
            "sorted_key": sk,
            "first_word": [k.split()[0] if k else "" for k in keys],
            "sorted_first": [s.split()[0] if s else "" for s in sk],
            "last_word": [k.split()[-1] if k else "" for k in keys],
            "prefix5": [k.replace(" ", "")[:5] for k in keys],
        }
    )


def _settings(n: int) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        probability_two_random_records_match=min(0.5, 10.0 / max(n * n / 2, 1)),
        blocking_rules_to_generate_predictions=[
            block_on("first_word"),
            block_on("sorted_first"),
            block_on("last_word"),
            block_on("prefix5"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("name_key", [0.97, 0.93, 0.88]),
            cl.LevenshteinAtThresholds("sorted_key", [1, 2, 4]),
        ],
        retain_intermediate_calculation_columns=False,
    )


def candidate_pairs(
    keys: list[str], threshold: float = THRESHOLD
) -> list[tuple[int, int, float]]:
    """(i, j, match_probability) for key pairs Splink scores at or above `threshold`."""
    if len(keys) < 2:
        return []
    from splink import Linker, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    con = connect_memory()
    try:
        api = DuckDBAPI(connection=con)
        frame = _frame(keys)
        sdf = api.register(frame, table_name="names")
        linker = Linker(sdf, _settings(len(keys)), log_level=logging.ERROR)
        linker.training.estimate_u_using_random_sampling(
            max_pairs=min(2e6, len(keys) * 20)
        )
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("first_word"), fix_u_probabilities=True
        )
        pred = linker.inference.predict(threshold_match_probability=threshold)
        rows = con.execute(
            "SELECT unique_id_l, unique_id_r, match_probability "
            f"FROM {pred.physical_name}"
        ).fetchall()
    finally:
        con.close()
    return [(int(a), int(b), float(p)) for a, b, p in rows]
