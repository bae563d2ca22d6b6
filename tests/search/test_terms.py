"""How a search text is read (custodes/search/terms.py) and the synonyms file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from custodes.classify.taxonomy import load_taxonomy
from custodes.errors import InputError
from custodes.search.terms import Plan, data_path, load_lexicon, read_query


class Words:
    """A store's vocabulary: these words, each in one award."""

    def __init__(self, *words: str):
        self.words = set(words)

    def has(self, word: str) -> bool:
        return word in self.words

    def rows(self, prefix: str) -> int:
        return sum(w.startswith(prefix) for w in self.words)


def alternatives(plan: Plan, i: int = 0) -> set[tuple[str, ...]]:
    """Clause I's alternatives, each as the words of its terms ('|' between the
    spellings of a term, '*' after a prefix)."""
    return {
        tuple("|".join(sorted(str(w) for w in t.words)) for t in alt)
        for alt in plan.clauses[i].alternatives
    }


def test_uk_and_us_spellings_are_both_searched():
    plan = read_query("licence", Words())
    assert alternatives(plan) == {("LICENCE*|LICENSE*",)}
    plan = read_query("GREYKEY", Words("GRAYKEY"))
    assert alternatives(plan) == {("GRAYKEY*|GREYKEY*",)}


def test_words_written_apart_also_find_the_word_written_together():
    plan = read_query("gray key", Words("GRAY", "KEY", "GRAYKEY"))
    assert len(plan.clauses) == 1
    assert alternatives(plan) == {("GRAY*|GREY*", "KEY*"), ("GRAYKEY*|GREYKEY*",)}
    # without GRAYKEY in the store, two words stay two clauses
    plan = read_query("gray key", Words("GRAY", "KEY"))
    assert len(plan.clauses) == 2


def test_a_word_no_word_starts_with_is_also_read_as_two_words():
    plan = read_query("penlink", Words("PEN", "LINK"))
    assert alternatives(plan) == {("PENLINK*",), ("PEN*", "LINK*")}
    # a word of the store is not split
    plan = read_query("penlink", Words("PEN", "LINK", "PENLINKS"))
    assert alternatives(plan) == {("PENLINK*",)}


def test_punctuated_pieces_are_their_words_or_their_concatenation():
    plan = read_query("pen-link", Words())
    assert alternatives(plan) == {("PEN*", "LINK*"), ("PENLINK*",)}
    plan = read_query("HSCETC-14-C-00002", Words())
    assert ("HSCETC14C00002*",) in alternatives(plan)
    plan = read_query("B.I. Inc", Words())
    assert alternatives(plan, 0) == {("BI*",)}  # not B* and I*


def test_plurals_search_the_singular_when_it_is_a_word_of_the_store():
    assert alternatives(read_query("drones", Words("DRONE"))) >= {("DRONE*",)}
    assert alternatives(read_query("axis", Words("AXIOM"))) == {("AXIS*",)}


def test_synonyms_widen_a_phrase_to_its_group():
    plan = read_query("ALPR", Words())
    found = alternatives(plan)
    assert ("ALPR*",) in found  # the user's own word, a prefix
    assert ("LPR",) in found  # a short synonym: the whole word (and its plural)
    assert ("LICENCE*|LICENSE*", "PLATE*", "READER*") in found
    assert plan.notes and "LICENSE PLATE READER" in plan.notes[0]
    # spelling, plural and spacing do not stop a phrase from matching
    for text in ("licence plate readers", "driver's licence", "geo location data",
                 "wire tap", "cell-site simulators"):  # fmt: skip
        assert len(read_query(text, Words()).clauses[0].alternatives) > 2, text


def test_a_synonym_phrase_and_more_words():
    plan = read_query("stingray vehicles", Words())
    assert len(plan.clauses) == 2
    assert {c.text for c in plan.clauses} == {"STINGRAY", "VEHICLES"}


def test_nothing_to_search_is_an_empty_plan_that_says_what_was_dropped():
    for text in ("&&&", "пример", "数据", "!!! ???", "\u202e\u200b"):
        plan = read_query(text, Words())
        assert plan.empty and plan.dropped, text
    plan = read_query("пример palantir", Words())
    assert plan.words == ("PALANTIR",) and plan.dropped == ("пример",)
    assert read_query("Société Générale", Words()).words == ("SOCIETE", "GENERALE")
    assert read_query("", Words()).empty and not read_query("", Words()).dropped


def test_at_most_eight_words():
    read_query(" ".join(f"w{i}" for i in range(8)), Words())
    with pytest.raises(InputError, match="at most 8 words"):
        read_query(" ".join(f"w{i}" for i in range(9)), Words())


def test_the_plain_search_is_simple_and_a_widened_one_is_not():
    assert read_query("palantir falcon", Words()).simple() == ["PALANTIR", "FALCON"]
    assert read_query("licence", Words()).simple() is None


def test_every_synonym_group_names_where_it_comes_from():
    """`from` is a taxonomy category, a gazetteer product or a data-web node that
    exists; no phrase is in two groups."""
    root = Path(data_path()).parents[1]
    raw = yaml.safe_load(data_path().read_text())
    categories = set(load_taxonomy().ids)
    products = {p["id"] for p in yaml.safe_load(
        (root / "gazetteer" / "products.yaml").read_text())}  # fmt: skip
    nodes = set()
    for path in (root / "dataweb").glob("*.yaml"):
        for entry in yaml.safe_load(path.read_text()) or []:
            if isinstance(entry, dict) and "id" in entry:
                nodes.add(entry["id"])
    seen: dict[str, str] = {}
    for group in raw["synonyms"]:
        kind, _, ident = group["from"].partition(" ")
        known = {"taxonomy": categories, "gazetteer": products, "dataweb": nodes}
        assert ident in known[kind], group["from"]
        for phrase in group["phrases"]:
            assert phrase not in seen, (phrase, seen.get(phrase), group["from"])
            seen[phrase] = group["from"]
    lexicon = load_lexicon()
    assert len(lexicon.groups) == len(raw["synonyms"])
    assert all(len(pair) == 2 for pair in lexicon.spellings)


def test_words_in_nearly_every_award_are_not_searched_beside_others():
    plan = read_query("case management and analytics", Words())
    assert "AND" not in {c.text for c in plan.clauses}
    assert any("not searched" in n and "AND" in n for n in plan.notes)
    assert read_query("the", Words()).simple() == ["THE"]  # alone, it is the search
    assert len(read_query("AT-AND-T", Words()).clauses) == 1  # inside a piece: kept
