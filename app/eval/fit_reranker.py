"""Fit the built-in cross-encoder reranker (``app/engine/fitted_reranker.py``) on a question set with gold text.

    python -m app.eval.fit_reranker --set QUESTIONS.jsonl --db INDEX --cache CANDIDATES.pkl \\
        --alpha-set app/eval/sets/dev.jsonl::DEV_INDEX [--save]

Each train-half question (documents split by ``split_of``, as ``fit_ranker`` does) is read with its candidate
sentences, as the shipped sentence model ranks them: its gold sentences (up to two) against the model's best ``--neg``
wrong ones and four more at random, one softmax per question. Rank-``--rank`` updates to every linear layer of
all-MiniLM-L6-v2's encoder and a head on [CLS] are fit; the backbone stays the installed model. ``alpha`` (how much
the cross-encoder's score adds to the sentence model's log-odds) is chosen on ``--alpha-set``, a set from another
index whose questions the fit never saw; the test half's documents are never used to choose anything.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from ingest.index.lowrank import lowrank_arrays

from ..engine.features import SentenceModel, log_odds
from ..engine.fitted_reranker import WEIGHTS_FILE, pair_cls
from .dataset import split_of
from .fit_adapter import attach_lowrank

ALPHAS = (0.125, 0.25, 0.5, 0.75, 1.0, 1.5)


def _candidates(engine, set_path: str, cache: str | None = None, cross_fit: bool = False) -> list[dict]:
    """Per question: its text, candidate sentences in the sentence model's order, and gold labels (``fit_ranker``'s
    collection, cross-fitted for the train set as the shipped sentence model was fit)."""
    from . import fit_ranker

    data = fit_ranker._load_data(engine, argparse.Namespace(set=set_path, cache=cache, every=1, cross_fit=cross_fit))
    model = SentenceModel.load()
    out = []
    for d in data:
        p = model.probability(d["X"].astype(np.float32))
        order = np.argsort(-p)
        out.append({"item": d["item"], "q": d["item"].question, "p": p[order], "y": d["y"][order] > 0,
                    "texts": [engine.sentences.texts[d["rows"][i]] for i in order]})
    return out


class _Fit:
    """The backbone with trainable low-rank updates (forward hooks) and a head."""

    def __init__(self, rank: int, max_length: int, seed: int = 0):
        import torch
        from transformers import AutoModel, AutoTokenizer

        from ingest.index.embedder import BUILTIN, resolve_model_path

        torch.manual_seed(seed)
        folder = str(resolve_model_path(BUILTIN))
        self.tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self.enc = AutoModel.from_pretrained(folder, local_files_only=True)
        self.updates = attach_lowrank(self.enc, rank)
        self.head = torch.nn.Linear(self.enc.config.hidden_size, 1)
        self.max_length = max_length

    def parameters(self) -> list:
        return [p for ab in self.updates.values() for p in ab] + list(self.head.parameters())

    def score(self, question: str, sentences: list[str]):
        return self.head(pair_cls(self.tok, self.enc, question, sentences, self.max_length)).squeeze(-1)

    def save(self, path, info: dict) -> None:
        deltas = {k: (a.detach().numpy(), b.detach().numpy()) for k, (a, b) in self.updates.items()}
        np.savez_compressed(path, **lowrank_arrays(deltas), **{"head.weight": self.head.weight.detach().numpy()[0],
                                                              "head.bias": self.head.bias.detach().numpy()[0]},
                            info=np.array(json.dumps(info)))


def train(fit: _Fit, data: list[dict], epochs: int, lr: float, neg: int, accumulate: int = 4, seed: int = 0) -> None:
    import torch

    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(fit.parameters(), lr=lr)
    t0 = time.time()
    fit.enc.train()
    for ep in range(epochs):
        for k, i in enumerate(rng.permutation(len(data))):
            d = data[i]
            gold = [j for j in range(len(d["y"])) if d["y"][j]][:2]
            wrong = [j for j in range(len(d["y"])) if not d["y"][j]]
            rest = wrong[neg:]
            pick = gold + wrong[:neg] + (rng.choice(rest, size=min(4, len(rest)), replace=False).tolist() if rest else [])
            s = fit.score(d["q"], [d["texts"][j] for j in pick])
            loss = -(torch.logsumexp(s[: len(gold)], 0) - torch.logsumexp(s, 0))
            (loss / accumulate).backward()
            if k % accumulate == accumulate - 1:
                opt.step()
                opt.zero_grad()
            if k % 100 == 0:
                print(f"epoch {ep} question {k}: {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    fit.enc.eval()


def hits(fit: _Fit, data: list[dict], alphas=ALPHAS, top: int = 8) -> dict:
    """Sentence hit@1/@3 of the sentence model alone and with each alpha, reordering its first ``top``."""
    import torch

    rows = []
    with torch.inference_mode():
        for d in data:
            n = min(top, len(d["texts"]))
            rows.append((d["y"][:n], log_odds(d["p"][:n]), fit.score(d["q"], d["texts"][:n]).numpy()))
    out = {}
    for a in (0.0, *alphas):
        h1 = sum(bool(y[np.argsort(-(lg + a * ce))][:1].any()) for y, lg, ce in rows)
        h3 = sum(bool(y[np.argsort(-(lg + a * ce))][:3].any()) for y, lg, ce in rows)
        out[a] = {"sentence_hit@1": h1 / len(rows), "sentence_hit@3": h3 / len(rows)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m app.eval.fit_reranker", description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--cache", help="fit_ranker's pickle of collected candidates (reused when present)")
    ap.add_argument("--alpha-set", required=True, metavar="SET::DB", help="questions of another index that choose alpha")
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--neg", type=int, default=12)
    ap.add_argument("--max-length", type=int, default=96)
    ap.add_argument("--limit", type=int, default=0, help="first N train and test questions only (a smoke run)")
    ap.add_argument("--save", action="store_true", help=f"write {WEIGHTS_FILE.name}")
    args = ap.parse_args(argv)
    from ingest.index.settings import get_settings

    from ..engine import Engine

    engine = Engine(get_settings(db_dir=args.db, reranker=None), warm=False)
    data = _candidates(engine, args.set, args.cache, cross_fit=True)
    tr = [d for d in data if split_of(d["item"]) == "train" and d["y"].any()]
    test = [d for d in data if split_of(d["item"]) == "test"]
    if args.limit:
        tr, test = tr[: args.limit], test[: args.limit]
    aset, adb = args.alpha_set.split("::", 1)
    other = _candidates(Engine(get_settings(db_dir=adb, reranker=None), warm=False), aset)
    fit = _Fit(args.rank, args.max_length)
    train(fit, tr, args.epochs, args.lr, args.neg)
    on_alpha, on_test = hits(fit, other), hits(fit, test)
    alpha = max(ALPHAS, key=lambda a: (on_alpha[a]["sentence_hit@1"], on_alpha[a]["sentence_hit@3"], -a))
    report = {"alpha": alpha, "alpha_set": {str(k): v for k, v in on_alpha.items()},
              "test": {str(k): v for k, v in on_test.items()}, "train_questions": len(tr), "test_questions": len(test)}
    print(json.dumps(report, indent=1))
    if args.save:
        fit.save(WEIGHTS_FILE, {"alpha": alpha, "max_length": args.max_length, "top": 8, "rank": args.rank,
                                "epochs": args.epochs, "lr": args.lr, "neg": args.neg, "set": args.set,
                                "alpha_set": aset, "test": report["test"][str(alpha)],
                                "test_without": report["test"]["0.0"]})
        print(f"saved {WEIGHTS_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
