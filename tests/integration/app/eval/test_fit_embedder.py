"""The fit of the both-sides embedding updates: which sentences each question is set against, how hits are counted,
and that one batch moves the model (the real all-MiniLM-L6-v2)."""
from __future__ import annotations

import random

import numpy as np

from app.eval.fit_embedder import OTHER, candidates, fit, hits
from ingest.index.embedder import BUILTIN, resolve_model_path


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_candidates_are_gold_then_own_document_then_other_documents_nearest():
    rng = np.random.default_rng(0)
    vectors = _unit(rng.normal(size=(40, 8)))
    rows = list(range(0, 20))  # the question's document; rows 20-39 are other documents
    q = vectors[3] + 0.01
    d = {"rows": rows, "gold": [3], "qv": q}
    got = candidates(d, vectors, random.Random(0))
    assert got[0] == 3 and len(got) == len(set(got))
    own, other = got[1:-OTHER], got[-OTHER:]
    assert set(own) <= set(rows) - {3} and len(own) == 8
    assert set(other) <= set(range(20, 40))
    sims = vectors[20:] @ q
    assert set(other) == {20 + int(i) for i in np.argsort(-sims)[:OTHER]}  # the nearest of other documents


def test_hits_count_the_first_gold_sentence_within_the_document_and_the_library():
    vectors = np.eye(6, dtype=np.float32)
    test = [{"rows": [0, 1, 2], "gold": [1]}, {"rows": [3, 4, 5], "gold": [5]}]
    questions = np.array([[0.1, 0.9, 0.2, 0.95, 0, 0], [0, 0, 0, 0.5, 0.9, 0.3]], dtype=np.float32)
    h = hits(test, vectors, questions)
    assert h["own@1"] == 0.5 and h["own@3"] == 1.0  # the second question's gold is third in its document
    assert h["library@1"] == 0.0 and h["library@5"] == 1.0  # the first's gold trails row 3 of another document


def test_one_batch_moves_every_layer_from_where_it_started():
    texts = ["Its genome is a single-stranded RNA of around 31 kb.", "Calves were sampled in Normandy in 2014.",
             "The survey covered 12 clusters.", "Masks reduced transmission in households."]
    rng = np.random.default_rng(1)
    vectors = _unit(rng.normal(size=(4, 384))).astype(np.float32)
    train = [{"q": "How long is the genome?", "qv": vectors[0], "rows": [0, 1], "gold": [0]},
             {"q": "Where were calves sampled?", "qv": vectors[1], "rows": [2, 3], "gold": [3]}]
    deltas = fit(train, texts, vectors, resolve_model_path(BUILTIN))
    assert len(deltas) == 36
    assert all(a.shape[0] == 4 and b.shape[1] == 4 for a, b in deltas.values())
    assert all(np.abs(b).max() > 0 for _, b in deltas.values())  # B starts at zero: one step moved it
