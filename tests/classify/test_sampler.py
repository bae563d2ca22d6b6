"""bench/classify_sample.py: how the unseen labelling samples are drawn."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location(
    "classify_sample", ROOT / "bench" / "classify_sample.py"
)
sampler = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sampler)


def awards() -> list[tuple[str, str, str, str, str]]:
    """Synthetic company awards: 40 with keywords, 40 without (award, rec, psc, naics,
    text)."""
    rows = [
        (f"K{i:03d}", "ACME CORP", "", "", f"{word} PURCHASE {i}")
        for i, word in enumerate(["CAMERA", "FORENSIC", "CLEAR", "LOCATION"] * 10)
    ]
    rows += [
        (f"R{i:03d}", "ACME CORP", "", "", f"OFFICE CHAIRS {i}") for i in range(40)
    ]
    return rows


def test_draw_is_deterministic_and_stratified(monkeypatch):
    monkeypatch.setattr(sampler, "labelled_awards", lambda: {"K000", "R000"})
    first = sampler.draw(awards(), 7, n_keyword=6, n_random=5, per_keyword=2)
    second = sampler.draw(awards(), 7, n_keyword=6, n_random=5, per_keyword=2)
    assert first == second
    strata = [s for _, s in first]
    assert strata.count("keyword") == 6 and strata.count("random") == 5
    keys = [a[0] for a, _ in first]
    assert len(set(keys)) == len(keys)
    assert "K000" not in keys and "R000" not in keys
    assert all(k.startswith("K") for (k, *_), s in first if s == "keyword")
    assert all(k.startswith("R") for (k, *_), s in first if s == "random")


def test_another_seed_draws_another_sample(monkeypatch):
    monkeypatch.setattr(sampler, "labelled_awards", set)
    a = sampler.draw(awards(), 1, n_keyword=6, n_random=5, per_keyword=2)
    b = sampler.draw(awards(), 2, n_keyword=6, n_random=5, per_keyword=2)
    assert a != b


def test_per_keyword_cap(monkeypatch):
    monkeypatch.setattr(sampler, "labelled_awards", set)
    drawn = sampler.draw(awards(), 3, n_keyword=100, n_random=0, per_keyword=1)
    texts = [a[4].split()[0] for a, s in drawn if s == "keyword"]
    # four keywords in the synthetic data, at most one award each
    assert sorted(texts) == ["CAMERA", "CLEAR", "FORENSIC", "LOCATION"]
