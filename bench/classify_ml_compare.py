"""Does a small machine-learned model beat the rules on the held-out unseen5 labels?

Usage:
    .venv/bin/python bench/classify_ml_compare.py STORE.duckdb [--test unseen5]

The store must hold the shared data and a `classification` table (`custodes classify`).
The model is deterministic and offline: TF-IDF over the words and word pairs of each
award's text (descriptions, recipient names, PSC, NAICS - the same text the rules read),
then a multinomial logistic regression trained by full-batch gradient descent with a
fixed number of steps (numpy only). It is trained on every labelled set except the test
set and scored on the test set three ways:

* the rules alone (what `custodes eval classify` reports);
* the model alone;
* rules first, the model as a second opinion only where the rules say `none` and the
  model is at least --min-prob sure of one surveillance category.

Nothing is shipped from here: item 7 of the classify issue allows a model only if it
measurably beats the rules on a held-out part, and this script is how that is checked.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np

from custodes.classify.awards import award_text_sql
from custodes.classify.evaluate import score
from custodes.classify.taxonomy import load_taxonomy

LABELS = Path(__file__).resolve().parents[1] / "custodes" / "data" / "labels"
TOKEN = re.compile(r"[A-Z][A-Z0-9]+")


def load_labels(test: str) -> tuple[dict[str, str], dict[str, str]]:
    train: dict[str, str] = {}
    held: dict[str, str] = {}
    for path in sorted(LABELS.glob("classify_*.csv")):
        target = held if path.stem == f"classify_{test}" else train
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                if row["label"] != "unclear":
                    target[row["generated_award_id"]] = row["label"]
    return {k: v for k, v in train.items() if k not in held}, held


def load_texts(store: Path, awards: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Award text as the rules read it, and the rules' category before overrides."""
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute(
            f"SELECT award_key, text || ' ' || recipient || ' ' || psc || ' ' || naics "
            f"FROM ({award_text_sql()})"
        ).fetchall()
        rules = dict(
            con.execute(
                "SELECT award_key, rules_category FROM classification"
            ).fetchall()
        )
    return {k: t for k, t in rows if k in awards}, rules


def features(text: str) -> list[str]:
    words = TOKEN.findall(text)
    return words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]


def vectorise(docs: list[list[str]], vocab: dict[str, int], idf: np.ndarray):
    x = np.zeros((len(docs), len(vocab)))
    for i, doc in enumerate(docs):
        for term, n in Counter(doc).items():
            if term in vocab:
                x[i, vocab[term]] = (1 + math.log(n)) * idf[vocab[term]]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


def fit(x: np.ndarray, y: np.ndarray, classes: int, steps: int, l2: float, lr: float):
    w = np.zeros((x.shape[1], classes))
    b = np.zeros(classes)
    onehot = np.eye(classes)[y]
    for _ in range(steps):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = p - onehot
        w -= lr * (x.T @ grad / len(y) + l2 * w)
        b -= lr * grad.mean(axis=0)
    return w, b


def predict(x, w, b) -> np.ndarray:
    z = x @ w + b
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--test", default="unseen5")
    ap.add_argument("--min-df", type=int, default=2)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--l2", type=float, default=1e-4)
    ap.add_argument("--lr", type=float, default=20.0)
    ap.add_argument("--min-prob", type=float, default=0.6)
    args = ap.parse_args()

    taxonomy = load_taxonomy()
    train, held = load_labels(args.test)
    texts, rules = load_texts(args.store, set(train) | set(held))
    train = {k: v for k, v in sorted(train.items()) if k in texts}
    held = {k: v for k, v in sorted(held.items()) if k in texts}
    classes = sorted(set(train.values()))
    docs = {k: features(texts[k]) for k in [*train, *held]}
    df = Counter(t for k in train for t in set(docs[k]))
    vocab = {
        t: i for i, t in enumerate(sorted(t for t, n in df.items() if n >= args.min_df))
    }
    idf = np.array(
        [
            math.log((1 + len(train)) / (1 + df[t])) + 1
            for t in sorted(vocab, key=vocab.get)
        ]
    )
    x_train = vectorise([docs[k] for k in train], vocab, idf)
    y_train = np.array([classes.index(v) for v in train.values()])
    w, b = fit(x_train, y_train, len(classes), args.steps, args.l2, args.lr)
    probs = predict(vectorise([docs[k] for k in held], vocab, idf), w, b)

    model = {k: classes[int(p.argmax())] for k, p in zip(held, probs, strict=True)}
    second = {}
    for k, p in zip(held, probs, strict=True):
        top = classes[int(p.argmax())]
        use_ml = rules[k] == "none" and top != "none" and p.max() >= args.min_prob
        second[k] = top if use_ml else rules[k]
    print(
        f"trained on {len(train)} labelled awards ({len(vocab)} features), "
        f"tested on {len(held)} awards of {args.test}"
    )
    for name, pred in (("rules", rules), ("model", model), ("rules+model", second)):
        s = score([(held[k], pred[k]) for k in held], taxonomy)
        bi = s["binary"]
        print(
            f"{name:12} binary P {bi['precision']:.3f} R {bi['recall']:.3f} "
            f"F1 {bi['f1']:.3f} | macro-F1 {s['macro_f1']:.3f} "
            f"({len(s['macro_over'])} categories) | accuracy {s['accuracy']:.3f}"
        )


if __name__ == "__main__":
    main()
