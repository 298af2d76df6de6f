"""Fit the query adapter (``app/engine/query_adapter.py``) on a question set with gold answer text.

    python -m app.eval.fit_adapter --set QUESTIONS.jsonl --db INDEX [--kind lowrank|linear] [--all] [--save [FILE]]

Per question, its document's sentences holding the gold text are positives and the document's other
sentences, plus 64 random sentences of the library, are negatives. The matrix starts at the identity and
minimises the softmax loss of the positives over the candidates (temperature 0.05) plus ``l2`` × ‖W − I‖².
Questions are split by document as ``fit_ranker`` splits them; the report gives the question vector's
own-document sentence hit@1/3/5 before and after the map on the test documents, which the fit never saw.
By default only the train documents are used (``--all`` uses every question, for a set that is not also
used to measure).

``--kind lowrank`` (the default) fits rank-``--rank`` updates (LoRA) to every linear layer of the model's encoder
instead of a matrix: the question is read anew, the sentence vectors stay fixed, and the same softmax loss is
minimised for ``--epochs`` passes (3 by default: on a quarter of the train documents held out, hit@1 reached its
plateau, 0.50-0.52 from 0.43, after one to five passes at every rank and rate tried).
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from .dataset import load_set, split_of
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
            out.append({"q": it.question, "qv": engine.retriever.embed_query(it.question), "rows": rows,
                        "gold": gold, "split": split_of(it)})
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
            loss = sum(_softmax_loss(torch, V, W @ torch.tensor(data[i]["qv"], dtype=torch.float32), data[i],
                                     library_negatives, g) for i in batch)
            loss = loss / len(batch) + l2 * ((W - eye) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return W.detach().numpy()


def _softmax_loss(torch, V, q, d: dict, library_negatives: int, g):
    """-log of the softmax mass of ``d``'s gold sentences among its document's and some random library sentences."""
    cand = torch.cat([torch.tensor(d["rows"]), torch.randint(0, len(V), (library_negatives,), generator=g)])
    s = V[cand] @ (q / q.norm()) / TEMPERATURE
    gold = set(d["gold"])
    pos = torch.tensor([r in gold for r in d["rows"]] + [False] * library_negatives)
    return -(torch.logsumexp(s[pos], 0) - torch.logsumexp(s, 0))


def attach_lowrank(encoder, rank: int) -> dict:
    """Freeze ``encoder`` (a transformer) and give each linear layer of its blocks trainable updates (A, B), added to
    the layer's output by a forward hook: A random and small, B zero, so the model starts as itself. The random
    draws follow the layers' order, so a seeded fit is repeatable."""
    import torch

    for p in encoder.parameters():
        p.requires_grad_(False)
    updates = {}
    for name, layer in list(encoder.named_modules()):
        if isinstance(layer, torch.nn.Linear) and name.startswith("encoder."):
            a = torch.nn.Parameter(torch.randn(rank, layer.in_features) * 0.01)
            b = torch.nn.Parameter(torch.zeros(layer.out_features, rank))
            layer.register_forward_hook(lambda _m, inp, out, a=a, b=b: out + (inp[0] @ a.T) @ b.T)
            updates[name] = (a, b)
    return updates


def fit_lowrank(data: list[dict], vectors: np.ndarray, model_path, rank: int = 4, lr: float = 2e-4, epochs: int = 3,
                library_negatives: int = 64, seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Rank-``rank`` updates (A, B) of every linear layer of the encoder, by layer name; B starts at zero, so the
    fit starts from the model's own reading of the question."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    updates = attach_lowrank(model[0].auto_model, rank)
    opt = torch.optim.Adam([p for ab in updates.values() for p in ab], lr=lr)
    V = torch.tensor(vectors, dtype=torch.float32)
    g = torch.Generator().manual_seed(seed)
    prepare = getattr(model, "preprocess", None) or model.tokenize  # sentence-transformers 6 renamed it
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(data), generator=g).tolist()
        for b0 in range(0, len(perm), 16):
            batch = [data[i] for i in perm[b0:b0 + 16]]
            q = model(prepare([d["q"] for d in batch]))["sentence_embedding"]
            loss = sum(_softmax_loss(torch, V, q[j], d, library_negatives, g) for j, d in enumerate(batch)) / len(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return {name: (a.detach().numpy(), b.detach().numpy()) for name, (a, b) in updates.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m app.eval.fit_adapter", description=__doc__.split("\n")[0])
    p.add_argument("--set", required=True, dest="set_path")
    p.add_argument("--db", required=True)
    p.add_argument("--kind", choices=["lowrank", "linear"], default="lowrank",
                   help="low-rank updates of the question encoder (default) or a linear map of its vector")
    p.add_argument("--rank", type=int, default=4, help="rank of each layer's update (lowrank; default 4)")
    p.add_argument("--lr", type=float, help="learning rate (default 2e-4 lowrank, 1e-3 linear)")
    p.add_argument("--epochs", type=int, help="passes over the questions (default 3 lowrank, 30 linear)")
    p.add_argument("--l2", type=float, default=0.1, help="linear: penalty on the distance from the identity (default 0.1)")
    p.add_argument("--all", action="store_true", help="fit on every question, not only the train documents")
    p.add_argument("--save", nargs="?", const="builtin", metavar="FILE",
                   help="write the adapter (default: the one shipped for the index's embedding model)")
    a = p.parse_args(argv)
    from ingest.index.embedder import resolve_model_path, sentence_model
    from ingest.index.settings import get_settings

    from ..engine import Engine
    from ..engine.query_adapter import BUILTIN_FOR, LowRankQueryEncoder, QueryAdapter

    engine = Engine(get_settings(db_dir=a.db, query_adapter="none"))
    model = engine.settings.embedding_model
    data = collect(engine, load_set(a.set_path))
    vectors = np.asarray(engine.sentences.vectors, dtype=np.float32)
    train = data if a.all else [d for d in data if d["split"] == "train"]
    test = [d for d in data if d["split"] == "test"]
    lowrank = a.kind == "lowrank"
    lr, epochs = a.lr or (2e-4 if lowrank else 1e-3), a.epochs or (3 if lowrank else 30)
    if lowrank:
        deltas = fit_lowrank(train, vectors, resolve_model_path(model), a.rank, lr, epochs)
        adapter = LowRankQueryEncoder(deltas, model).bind(sentence_model(engine.index.embeddings))
        hyper = {"rank": a.rank, "lr": lr, "epochs": epochs}
    else:
        adapter = QueryAdapter(fit(train, vectors, a.l2, epochs, lr), model)
        hyper = {"l2": a.l2, "lr": lr, "epochs": epochs}

    def read(ds: list[dict]) -> list[dict]:
        return [{**d, "qv": adapter.vector(d["q"], lambda _text, qv=d["qv"]: qv)} for d in ds]

    adapter.info = {"set": a.set_path, "kind": a.kind, "train_questions": len(train), **hyper,
                    "test_documents_unseen": not a.all, "test_before": sentence_hits(test, vectors),
                    "test_after": sentence_hits(read(test), vectors), "train_after": sentence_hits(read(train), vectors)}
    print(json.dumps(adapter.info, indent=1))
    if a.save:
        adapter.save(BUILTIN_FOR[model] if a.save == "builtin" else a.save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
