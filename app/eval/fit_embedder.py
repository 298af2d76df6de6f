"""Fit the embedding model option ``all-MiniLM-L6-v2-mandate``: rank-4 updates of every linear layer of
all-MiniLM-L6-v2, read by questions and sentences alike (``ingest/index/embedder.py``).

    python -m app.eval.fit_embedder --set QUESTIONS.jsonl --db INDEX [--save [FILE]]

``INDEX`` is built with the plain model. Per train question (documents split as ``fit_ranker`` splits them):
its gold sentences, the 6 sentences of its document nearest to it and 2 random ones, and the 4 nearest sentences
of other documents (the question encoder's fit never set a sentence against other documents, and a fit on both
sides without them lost what tells documents apart: docs/evaluation.md, session 17). Every sentence encoded in
a batch of 8 questions is a candidate for each of them (softmax, temperature 0.05), so other questions'
documents are negatives too. One pass, learning rate 3e-4, sentences read up to 128 word pieces for the fit.

The report: test questions (documents the fit never saw), own-document sentence hit@1/3/5 and whole-library
hit@1/5/20 with the plain model, with the shipped question encoder and with the fitted model on both sides.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time

import numpy as np

from .dataset import load_set
from .fit_adapter import TEMPERATURE, attach_lowrank, collect, sentence_hits

RANK, BATCH, NEAR, RANDOM, OTHER = 4, 8, 6, 2, 4


def candidates(d: dict, vectors: np.ndarray, rng: random.Random) -> list[int]:
    """Gold rows (up to 2), then the question's document's nearest and random rows, then other documents' nearest."""
    rows, gold = np.asarray(d["rows"]), list(d["gold"])[:2]
    taken = set(d["gold"])
    near = [int(r) for r in rows[np.argsort(-(vectors[rows] @ d["qv"]))] if r not in taken][:NEAR]
    rest = [int(r) for r in rows if r not in taken and r not in near]
    sims = vectors @ d["qv"]
    sims[rows] = -np.inf
    return gold + near + rng.sample(rest, min(RANDOM, len(rest))) + [int(r) for r in np.argsort(-sims)[:OTHER]]


def fit(train: list[dict], texts: list[str], vectors: np.ndarray, model_path, rank: int = RANK, lr: float = 3e-4,
        seed: int = 0, progress=None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    model.max_seq_length = 128
    updates = attach_lowrank(model[0].auto_model, rank)
    opt = torch.optim.Adam([p for ab in updates.values() for p in ab], lr=lr)
    prepare = getattr(model, "preprocess", None) or model.tokenize  # sentence-transformers 6 renamed it
    order = list(range(len(train)))
    rng.shuffle(order)
    model.train()
    for b0 in range(0, len(order), BATCH):
        batch = [train[i] for i in order[b0:b0 + BATCH]]
        pool = list(dict.fromkeys(r for d in batch for r in candidates(d, vectors, rng)))
        at = {r: i for i, r in enumerate(pool)}
        q = torch.nn.functional.normalize(model(prepare([d["q"] for d in batch]))["sentence_embedding"], dim=-1)
        s = torch.nn.functional.normalize(model(prepare([texts[r] for r in pool]))["sentence_embedding"], dim=-1)
        logits = q @ s.T / TEMPERATURE
        loss = sum(torch.logsumexp(logits[j], 0) - torch.logsumexp(logits[j, [at[r] for r in list(d["gold"])[:2]]], 0)
                   for j, d in enumerate(batch)) / len(batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if progress:
            progress(f"batch {b0 // BATCH + 1} of {(len(order) + BATCH - 1) // BATCH}: loss {loss.item():.3f}")
    return {name: (a.detach().numpy(), b.detach().numpy()) for name, (a, b) in updates.items()}


def hits(test: list[dict], vectors: np.ndarray, questions: np.ndarray) -> dict:
    """Own-document hit@1/3/5 (``fit_adapter.sentence_hits``) and whole-library hit@1/5/20 of the first gold sentence."""
    own = sentence_hits([{**d, "qv": q} for d, q in zip(test, questions)], vectors)
    lib = np.asarray([next((i for i, r in enumerate(np.argsort(-(vectors @ q))[:20].tolist()) if r in set(d["gold"])), 20)
                      for d, q in zip(test, questions)])
    return ({f"own@{k}": own[f"sentence_hit@{k}"] for k in (1, 3, 5)}
            | {f"library@{k}": round(float((lib < k).mean()), 3) for k in (1, 5, 20)})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m app.eval.fit_embedder", description=__doc__.split("\n")[0])
    p.add_argument("--set", required=True, dest="set_path")
    p.add_argument("--db", required=True, help="an index built with all-MiniLM-L6-v2 (the plain model)")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--save", nargs="?", const="builtin", metavar="FILE",
                   help="write the updates (default: the file the option loads, ingest/index/minilm_mandate.npz)")
    a = p.parse_args(argv)
    import torch

    from ingest.index.embedder import BUILTIN, FITTED_FILE, resolve_model_path
    from ingest.index.lowrank import lowrank_arrays, merge_lowrank
    from ingest.index.settings import get_settings

    from ..engine import Engine

    engine = Engine(get_settings(db_dir=a.db, query_adapter="none", reranker="none"))
    if engine.settings.embedding_model != BUILTIN:
        raise SystemExit(f"--db must be an index built with {BUILTIN}, not {engine.settings.embedding_model}")
    texts, vectors = engine.sentences.texts, np.asarray(engine.sentences.vectors, dtype=np.float32)
    data = collect(engine, load_set(a.set_path))
    train, test = [d for d in data if d["split"] == "train"], [d for d in data if d["split"] == "test"]
    t0 = time.perf_counter()
    deltas = fit(train, texts, vectors, resolve_model_path(BUILTIN), lr=a.lr,
                 progress=lambda m: print(m, file=sys.stderr, flush=True))
    fit_s = time.perf_counter() - t0
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(resolve_model_path(BUILTIN)), device="cpu", local_files_only=True)
    merge_lowrank(model[0].auto_model, deltas)
    with torch.no_grad():
        fitted_vectors = model.encode(texts, batch_size=64, normalize_embeddings=True)
        fitted_q = model.encode([d["q"] for d in test], normalize_embeddings=True)
    plain_q = np.stack([d["qv"] / np.linalg.norm(d["qv"]) for d in test])
    encoder = Engine(get_settings(db_dir=a.db, reranker="none"), warm=False)
    shipped_q = np.stack([encoder.query_vector(d["q"]) for d in test])
    info = {"set": a.set_path, "train_questions": len(train), "test_questions": len(test), "rank": RANK, "lr": a.lr,
            "batch": BATCH, "candidates": {"near": NEAR, "random": RANDOM, "other_documents": OTHER}, "passes": 1,
            "fit_s": round(fit_s), "test_documents_unseen": True,
            "test": {"plain": hits(test, vectors, plain_q), "question_encoder": hits(test, vectors, shipped_q),
                     "fitted_both_sides": hits(test, fitted_vectors, fitted_q)}}
    print(json.dumps(info, indent=1))
    if a.save:
        path = FITTED_FILE if a.save == "builtin" else a.save
        np.savez_compressed(path, info=np.array(json.dumps(info)), **lowrank_arrays(deltas))
    return 0


if __name__ == "__main__":
    sys.exit(main())
