"""The built-in cross-encoder's cost per question: pairs, token length and batching, against the old setting.

    python bench/rerank_bench.py --db DIR [--set app/eval/sets/dev.jsonl] [--repeat 3] [--json]

For each question of the set, the engine's own best candidate sentences (asked about the question's target paper,
as ``app eval`` asks) are scored by the fitted cross-encoder (``app/engine/fitted_reranker.py``) in three ways,
each timed ``--repeat`` times after a warm-up, all in this one run:
* ``8 pairs, 96 tokens, one batch``: the setting shipped until session 25 (the baseline of the ratios);
* ``12 pairs, 64 tokens, one batch``;
* ``12 pairs, 64 tokens, batched by length`` (``length_groups``);
* ``8 pairs, 64 tokens, batched by length``: what ships since session 25.
The table gives milliseconds per question (p50 / p95), tokens computed per question (padding included) and the
p50's ratio to the baseline's. Note the load average it prints: timings on a busy machine are not comparable.
"""
from __future__ import annotations

import argparse
import json
import time

from _common import ROOT, machine, pct, print_table


def candidates(db: str, set_path: str, top: int) -> tuple[object, list[tuple[str, list[str]]]]:
    from app.engine import Engine
    from app.eval.dataset import load_set
    from app.eval.runner import EvalRunner
    from ingest.index.settings import Settings

    engine = Engine(Settings(db_dir=db))
    runner = EvalRunner(engine, baseline=False)
    out = []
    for it in load_set(set_path):
        ranked, _, _ = engine._ranked(engine.searched_as(it.question), runner.filters(it))
        if len(ranked) >= 2:
            out.append((it.question, [engine.sentences.texts[r.row] for r in ranked[:top]]))
    return engine.reranker, out


def timed(reranker, pairs, top: int, max_length: int, grouped: bool, repeat: int) -> dict:
    import torch

    from app.engine.fitted_reranker import pair_cls

    def one_batch(q, sents):
        with torch.inference_mode():
            return (pair_cls(reranker.tokenizer, reranker.encoder, q, sents, max_length) @ reranker.head_w + reranker.head_b).numpy()

    shipped, reranker.max_length = reranker.max_length, max_length  # put back below: the reranker is cached
    try:
        return _timed(reranker, pairs, top, max_length, grouped, repeat, one_batch)
    finally:
        reranker.max_length = shipped


def _timed(reranker, pairs, top: int, max_length: int, grouped: bool, repeat: int, one_batch) -> dict:
    import numpy as np

    from app.engine.fitted_reranker import encode_pairs, length_groups

    score = (lambda q, s: reranker.scores(q, s)) if grouped else one_batch
    for q, s in pairs[:3]:
        score(q, s[:top])
    ms, tokens = [], []
    for q, s in pairs:
        s = s[:top]
        lengths = [len(x) for x in encode_pairs(reranker.tokenizer, q, s, max_length)["input_ids"]]
        groups = length_groups(lengths) if grouped else [list(range(len(s)))]
        tokens.append(sum(len(g) * max((lengths[i] for i in g), default=0) for g in groups))
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            score(q, s)
            best = min(best, time.perf_counter() - t)
        ms.append(best * 1000)
    return {"p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1),
            "tokens": round(float(np.mean(tokens)), 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="an index (e.g. of the COVID-QA articles or the papers-like corpus)")
    ap.add_argument("--set", default=str(ROOT / "app" / "eval" / "sets" / "dev.jsonl"))
    ap.add_argument("--repeat", type=int, default=3, help="timings per question (the fastest is kept)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    reranker, pairs = candidates(args.db, args.set, 12)
    if reranker is None or not hasattr(reranker, "encoder"):
        raise SystemExit("the index's engine has no built-in cross-encoder (MANDATE_RERANKER=builtin)")
    rows = [("8 pairs, 96 tokens, one batch", timed(reranker, pairs, 8, 96, False, args.repeat)),
            ("12 pairs, 64 tokens, one batch", timed(reranker, pairs, 12, 64, False, args.repeat)),
            ("12 pairs, 64 tokens, batched by length", timed(reranker, pairs, 12, 64, True, args.repeat)),
            ("8 pairs, 64 tokens, batched by length", timed(reranker, pairs, 8, 64, True, args.repeat))]
    base = rows[0][1]["p50_ms"]
    result = {"machine": machine(), "questions": len(pairs),
              "results": [{"setting": name, **r, "ratio_p50": round(r["p50_ms"] / base, 2)} for name, r in rows]}
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"Cross-encoder cost per question ({len(pairs)} questions of {args.set}); {result['machine']}")
    print_table(["setting", "p50 ms", "p95 ms", "tokens / question", "p50 / baseline"],
                [[r["setting"], r["p50_ms"], r["p95_ms"], r["tokens"], r["ratio_p50"]] for r in result["results"]])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
