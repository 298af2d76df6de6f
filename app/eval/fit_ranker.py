"""Fit the sentence model (``app/engine/features.py``) on a question set with gold answer text.

    python -m app.eval.fit_ranker --set QUESTIONS.jsonl --db INDEX [--save] [--json]

Labels: a candidate sentence is positive when it holds one of the question's ``must_include_any``
(or all ``must_include``) phrases. Questions are split by document: documents whose name hashes
even train, odd ones test, so the reported test figures are on articles the fit never saw.
A logistic regression with an L2 penalty (Newton steps, numpy only) keeps the model transparent:
one weight per named feature, saved to ``app/engine/ranker_weights.json`` with these figures.
Features use the engine's question vector, query adapter included. The adapter was fit on the train documents'
questions, so with it their similarities look stronger in the fit than they are (docs/evaluation.md, session 12):
``--cross-fit`` (how the shipped weights were fit, session 16) splits the train documents in two, fits a low-rank
question encoder on each half (``fit_adapter.fit_lowrank``) and takes each question's features with the encoder
fit on the other half; the test questions use the engine's own adapter, whose fit never saw their documents.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys

import numpy as np

from ..engine.features import DEFAULT_WEIGHTS, FEATURES, SentenceModel
from ..engine.sentence_rank import Ranked
from .dataset import load_set, split_of
from .matching import holds_gold

# Weights the development data cannot teach, set by hand and kept over every fit. COVID-QA articles have no
# datelines, so a date-only line at a document's top ("28 May, 2025") would get no weight for "When was ... published?";
# and no question asks for an article's title, its editors or its audience ("Who is the paper written for?")
PRIORS = {f: DEFAULT_WEIGHTS[f] for f in ("dateline", "title_asked", "about_doc", "lead_asked", "counts")}


def _gold(item, text: str) -> bool:
    return holds_gold(text, item.must_include, item.must_include_any)


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 25) -> np.ndarray:
    """L2-penalised logistic regression by Newton's method (the bias, column 0, is not penalised)."""
    w = np.zeros(X.shape[1])
    pen = np.full(X.shape[1], l2)
    pen[0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(X @ w, -30, 30)))
        grad = X.T @ (p - y) + pen * w
        H = (X * (p * (1 - p))[:, None]).T @ X + np.diag(pen + 1e-6)
        step = np.linalg.solve(H, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def fit_listwise(data: list[dict], l2: float = 0.1) -> np.ndarray:
    """Weights maximising, per question, the softmax probability mass of its gold sentences.

    A ranking objective (what the answer step needs: the gold sentence on top), unlike a per-sentence
    logistic loss, which spends its effort on the easy negatives. The bias is fit afterwards (Platt)."""
    from scipy.optimize import minimize

    groups = [(d["X"], d["y"] > 0) for d in data if d["y"].any()]

    def loss(w):
        total, grad = 0.0, np.zeros_like(w)
        for X, pos in groups:
            s = X @ w
            m = s.max()
            e = np.exp(s - m)
            z, zp = e.sum(), e[pos].sum()
            total -= np.log(zp) - np.log(z)
            grad -= (e[pos] @ X[pos]) / zp - (e @ X) / z
        reg = w.copy()
        reg[0] = 0.0
        return total + l2 * (reg @ reg), grad + 2 * l2 * reg

    res = minimize(loss, np.zeros(data[0]["X"].shape[1]), jac=True, method="L-BFGS-B")
    return res.x


def platt_bias(data: list[dict], w: np.ndarray) -> tuple[float, float]:
    """Scale and bias so that sigmoid(a * score + b) is the probability that a top sentence is gold."""
    from sklearn.linear_model import LogisticRegression

    xs, ys = [], []
    for d in data:
        s = d["X"] @ w
        top = np.argsort(-s)[:3]
        xs += list(s[top])
        ys += list(d["y"][top] > 0)
    lr = LogisticRegression(C=100.0).fit(np.array(xs)[:, None], np.array(ys))
    return float(lr.coef_[0][0]), float(lr.intercept_[0])


def collect(engine, items) -> list[dict]:
    """Per question: candidate rows, features, labels."""
    out = []
    for it in items:
        qv = engine.query_vector(it.question)
        order, feats, _ = engine.ranker.featurize(it.question, qv)
        if not order:
            continue
        labels = np.array([_gold(it, engine.sentences.texts[r]) for r in order], dtype=np.float64)
        out.append({"item": it, "rows": order, "X": feats.astype(np.float64), "y": labels})
    return out


def evaluate_plain(model: SentenceModel, data: list[dict]) -> dict:
    """Sentence hit@1/3 only (the data may come from another index)."""
    n = max(len(data), 1)
    tops = [(d["y"], np.argsort(-model.probability(d["X"].astype(np.float32)))) for d in data]
    h1 = sum(bool(y[top[:1]].any()) for y, top in tops)
    h3 = sum(bool(y[top[:3]].any()) for y, top in tops)
    return {"questions": len(data), "sentence_hit@1": h1 / n, "sentence_hit@3": h3 / n}


def evaluate(engine, model: SentenceModel, data: list[dict], k_passages: int = 5) -> dict:
    """Sentence hit@1/3 (the gold text in the best sentences) and passage hit@k over these questions."""
    hit1 = hit3 = phit = 0
    for d in data:
        probs = model.probability(d["X"].astype(np.float32))
        top = np.argsort(-probs)
        hit1 += bool(d["y"][top[:1]].any())
        hit3 += bool(d["y"][top[:3]].any())
        ranked = [Ranked(float(probs[i]), d["rows"][i], 0.0) for i in top[:60]]
        passages, _ = engine.ranker.passages(ranked, k_passages)
        phit += any(_gold(d["item"], p.text) for p in passages)
    n = max(len(data), 1)
    return {"questions": len(data), "sentence_hit@1": hit1 / n, "sentence_hit@3": hit3 / n,
            f"passage_hit@{k_passages}": phit / n}


def cross_fitted(engine, items) -> list[dict]:
    """``collect`` with each train question read by a low-rank encoder fit on the other half of the train documents
    (a document's half: its indexed id's hash, even or odd), the test questions by the engine's own adapter. Train
    questions are kept when their document is one the encoders learn from (some question has a gold sentence in it)."""
    import tempfile
    from pathlib import Path

    from ingest.index.embedder import resolve_model_path

    from ..engine import Engine
    from ..engine.query_adapter import LowRankQueryEncoder
    from . import fit_adapter
    from .matching import SourceResolver

    def half(source_id: str) -> int:
        return int(hashlib.sha256(source_id.encode()).hexdigest(), 16) % 2

    model = engine.settings.embedding_model
    plain = Engine(engine.settings.model_copy(update={"query_adapter": "none"}), warm=False)
    qdata = [d for d in fit_adapter.collect(plain, items) if d["split"] == "train"]
    vectors = np.asarray(plain.sentences.vectors, dtype=np.float32)
    resolver = SourceResolver.from_registry(engine.store.registry())
    taught = {plain.sentences.source_ids[d["rows"][0]] for d in qdata}  # the documents the encoders learn from
    train = [(it, half(sid)) for it in items if split_of(it) == "train"
             for sid in resolver.expected(it.expected_sources)[:1] if sid in taught]
    out = collect(engine, [it for it in items if split_of(it) == "test"])
    with tempfile.TemporaryDirectory() as tmp:
        for h in (0, 1):
            fit_on = [d for d in qdata if half(plain.sentences.source_ids[d["rows"][0]]) != h]
            path = Path(tmp) / f"half{h}.npz"
            LowRankQueryEncoder(fit_adapter.fit_lowrank(fit_on, vectors, resolve_model_path(model)), model).save(path)
            other = Engine(engine.settings.model_copy(update={"query_adapter": str(path)}), warm=False)
            out += collect(other, [it for it, hh in train if hh == h])
    return out


def _load_data(engine, args) -> list[dict]:
    """Candidates and labels of the set's answerable questions (from ``--cache`` when it exists)."""
    import os
    import pickle

    items = [it for it in load_set(args.set) if it.answerable and (it.must_include_any or it.must_include)][::args.every]
    if args.cache and os.path.exists(args.cache):
        with open(args.cache, "rb") as fh:
            data = pickle.load(fh)
        by_id = {it.id: it for it in items}
        for d in data:
            d["item"] = by_id[d["item"]]
        return data
    data = cross_fitted(engine, items) if args.cross_fit else collect(engine, items)
    if args.cache:
        with open(args.cache, "wb") as fh:
            pickle.dump([{**d, "item": d["item"].id} for d in data], fh)
    return data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m app.eval.fit_ranker", description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--save", action="store_true", help="write app/engine/ranker_weights.json")
    ap.add_argument("--objective", choices=["listwise", "pointwise"], default="listwise")
    ap.add_argument("--cache", help="pickle of collected features (reused when present)")
    ap.add_argument("--cross-fit", action="store_true",
                    help="train questions read by low-rank encoders fit on the other half of the train documents")
    ap.add_argument("--every", type=int, default=1, help="use every N-th question (faster)")
    ap.add_argument("--also", action="append", default=[], metavar="SET::DB",
                    help="another set and its index, all for training, weighted --also-weight (e.g. paraphrased questions)")
    ap.add_argument("--also-weight", type=float, default=5.0)
    args = ap.parse_args(argv)
    from ingest.index.settings import get_settings

    from ..engine import Engine

    engine = Engine(get_settings(db_dir=args.db))
    data = _load_data(engine, args)
    train = [d for d in data if split_of(d["item"]) == "train"]
    test = [d for d in data if split_of(d["item"]) == "test"]
    X = np.concatenate([d["X"] for d in train])
    y = np.concatenate([d["y"] for d in train])
    extra = []
    for spec in args.also:
        set_path, db = spec.split("::", 1)
        other = Engine(get_settings(db_dir=db))
        its = [it for it in load_set(set_path) if it.answerable and (it.must_include_any or it.must_include)]
        extra += collect(other, its)
    train_all = train + [d for d in extra for _ in range(int(args.also_weight))]
    if args.objective == "pointwise":
        w = fit_logistic(X, y, l2=args.l2)
    else:
        w = fit_listwise(train_all, l2=args.l2)
        a, b = platt_bias(train_all, w)
        w = w * a
        w[0] += b
    fitted = SentenceModel({**{f: round(float(v), 4) for f, v in zip(FEATURES, w)}, **PRIORS})
    before = SentenceModel.load()
    report = {"train": {"fitted": evaluate(engine, fitted, train), "current": evaluate(engine, before, train)},
              "test": {"fitted": evaluate(engine, fitted, test), "current": evaluate(engine, before, test)},
              "also": {"fitted": evaluate_plain(fitted, extra), "current": evaluate_plain(before, extra)} if extra else None,
              "weights": fitted.weights, "candidates": int(len(y)), "positives": int(y.sum()),
              "questions_with_a_gold_candidate": {"train": sum(bool(d["y"].any()) for d in train) / max(len(train), 1),
                                                  "test": sum(bool(d["y"].any()) for d in test) / max(len(test), 1)}}
    print(json.dumps(report, indent=1))
    if args.save:
        fitted.info = {"set": args.set, "also": args.also, "also_weight": args.also_weight, "cross_fit": args.cross_fit,
                       "train_questions": len(train), "test_questions": len(test),
                       "test": report["test"]["fitted"], "l2": args.l2, "priors": PRIORS}
        fitted.save()
        print("saved app/engine/ranker_weights.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
