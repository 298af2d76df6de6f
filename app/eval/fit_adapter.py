"""Fit the query adapter (``app/engine/query_adapter.py``) on a question set with gold answer text.

    python -m app.eval.fit_adapter --set QUESTIONS.jsonl --db INDEX [--l2 0.1] [--all] [--save [FILE]]

Per question, its document's sentences holding the gold text are positives and the document's other
sentences, plus 64 random sentences of the library, are negatives. The matrix starts at the identity and
minimises the softmax loss of the positives over the candidates (temperature 0.05) plus ``l2`` × ‖W − I‖².
Questions are split by document as ``fit_ranker`` splits them; the report gives the question vector's
own-document sentence hit@1/3/5 before and after the map on the test documents, which the fit never saw.
By default only the train documents are used (``--all`` uses every question, for a set that is not also
used to measure).
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from .dataset import load_set
from .fit_ranker import split_of
from .matching import SourceResolver, holds_gold

TEMPERATURE = 0.05


def collect(engine, items) -> list[dict]:
    """Per question with a gold sentence: its vector, its document's sentence rows, the gold rows, its split."""
    s = engine.sentences
    resolver = SourceResolver.from_registry(engine.store.registry())
    rows_of: dict[str, list[int]] = {}
    for i, sid in enumerate(s.source_ids):
        rows_of.setdefault(sid, []).append(i)
    out = []
    for it in items:
        ids = resolver.expected(it.expected_sources) if it.answerable else []
        rows = rows_of.get(ids[0], []) if ids else []
        gold = [r for r in rows if holds_gold(s.texts[r], it.must_include, it.must_include_any)]
        if gold:
            out.append({"qv": engine.retriever.embed_query(it.question), "rows": rows, "gold": gold,
                        "split": split_of(it)})
    return out


def sentence_hits(data: list[dict], vectors: np.ndarray, matrix: np.ndarray | None = None) -> dict:
    """Share of questions whose gold sentence is among the k most similar sentences of its document."""
    ranks = []
    for d in data:
        q = d["qv"] if matrix is None else matrix @ d["qv"]
        sims = vectors[d["rows"]] @ (q / np.linalg.norm(q))
        gold = set(d["gold"])
        order = np.asarray(d["rows"])[np.argsort(-sims)]
        ranks.append(next(i for i, r in enumerate(order.tolist()) if r in gold))
    ranks = np.asarray(ranks)
    return {f"sentence_hit@{k}": round(float((ranks < k).mean()), 3) for k in (1, 3, 5)} | {"questions": len(data)}


def fit(data: list[dict], vectors: np.ndarray, l2: float = 0.1, epochs: int = 30, lr: float = 1e-3,
        library_negatives: int = 64, seed: int = 0) -> np.ndarray:
    import torch

    V = torch.tensor(vectors, dtype=torch.float32)
    eye = torch.eye(V.shape[1])
    W = eye.clone().requires_grad_(True)
    opt = torch.optim.Adam([W], lr=lr)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(data), generator=g).tolist()
        for b in range(0, len(perm), 32):
            batch = perm[b:b + 32]
            loss = torch.zeros(())
            for i in batch:
                d = data[i]
                q = W @ torch.tensor(d["qv"], dtype=torch.float32)
                cand = torch.cat([torch.tensor(d["rows"]), torch.randint(0, len(V), (library_negatives,), generator=g)])
                s = V[cand] @ (q / q.norm()) / TEMPERATURE
                gold = set(d["gold"])
                pos = torch.tensor([r in gold for r in d["rows"]] + [False] * library_negatives)
                loss = loss - (torch.logsumexp(s[pos], 0) - torch.logsumexp(s, 0))
            loss = loss / len(batch) + l2 * ((W - eye) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return W.detach().numpy()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m app.eval.fit_adapter", description=__doc__.split("\n")[0])
    p.add_argument("--set", required=True, dest="set_path")
    p.add_argument("--db", required=True)
    p.add_argument("--l2", type=float, default=0.1, help="penalty on the distance from the identity (default 0.1)")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--all", action="store_true", help="fit on every question, not only the train documents")
    p.add_argument("--save", nargs="?", const="builtin", metavar="FILE",
                   help="write the adapter (default: the shipped app/engine/query_adapter.npz)")
    a = p.parse_args(argv)
    from ingest.index.settings import get_settings

    from ..engine import Engine
    from ..engine.query_adapter import ADAPTER_FILE, QueryAdapter

    engine = Engine(get_settings(db_dir=a.db, query_adapter="none"))
    data = collect(engine, load_set(a.set_path))
    vectors = np.asarray(engine.sentences.vectors, dtype=np.float32)
    train = data if a.all else [d for d in data if d["split"] == "train"]
    test = [d for d in data if d["split"] == "test"]
    matrix = fit(train, vectors, a.l2, a.epochs)
    info = {"set": a.set_path, "train_questions": len(train), "l2": a.l2, "epochs": a.epochs,
            "test_documents_unseen": not a.all,
            "test_before": sentence_hits(test, vectors), "test_after": sentence_hits(test, vectors, matrix),
            "train_after": sentence_hits(train, vectors, matrix)}
    print(json.dumps(info, indent=1))
    if a.save:
        QueryAdapter(matrix, engine.settings.embedding_model, info).save(ADAPTER_FILE if a.save == "builtin" else a.save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
