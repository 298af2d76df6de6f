"""Quote-mode answer latency: the fixture index (dev set) and a generated ~10k-chunk index.

    python bench/answer_bench.py [--db DIR] [--big DIR] [--repeat 1] [--workdir /tmp/mandate-bench] [--json]

``--db``: an index of the fixture corpus + seed page (built into the work folder when absent).
``--big``: a generated index, e.g. the 10k one ``bench/retrieval_bench.py`` leaves in the work folder
(default: ``retrieval-10000-real`` there if present, else ``retrieval-10000-random``; skipped when neither exists).
Every dev-set question (with its history) goes through ``Engine.answer(mode="quote")`` ``--repeat`` times
after a warm-up; the table gives total latency p50/p95 and the engine's own retrieve/rank timings.
Generate mode (time to first token, tokens/s) is measured by ``bench/llm_bench.py``.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from _common import ROOT, machine, pct, print_table, rss_mb

SEED = ROOT.parent / "shared" / "seeds" / "000_4b2cc08eca4313f9.txt"


def fixture_index(work: Path) -> Path:
    from ingest.index.settings import Settings
    from ingest.pipeline import run_ingest
    from tests.fixtures.corpus import build_fixture_corpus

    root = work / "fixture"
    db = root / "db"
    if (db / "chroma.sqlite3").exists():
        return db
    build_fixture_corpus(root / "corpus")
    if SEED.is_file():
        shutil.copy(SEED, root / "corpus" / SEED.name)
    run_ingest(Settings(corpus_dir=root / "corpus", db_dir=db), progress=False)
    return db


def bench(db: Path, repeat: int) -> dict:
    import numpy as np

    from app.engine import Engine
    from app.eval.dataset import load_set
    from ingest.index.settings import Settings

    items = load_set(ROOT / "app" / "eval" / "sets" / "dev.jsonl")
    engine = Engine(Settings(db_dir=db))
    for it in items[:3]:
        engine.answer(it.question, history=it.turns(), mode="quote")
    total, retrieve, rank, refused = [], [], [], 0
    for _ in range(repeat):
        for it in items:
            t = time.perf_counter()
            a = engine.answer(it.question, history=it.turns(), mode="quote")
            total.append(time.perf_counter() - t)
            retrieve.append(a.timings.get("retrieve_s", 0.0))
            rank.append(a.timings.get("rank_s", 0.0))
            refused += a.refused
    ms = lambda xs, q: round(pct(np.array(xs) * 1000, q), 1)  # noqa: E731
    return {"index": str(db), "chunks": engine.store.chunks.count(), "answers": len(total),
            "refused_share": round(refused / len(total), 3),
            "p50_ms": ms(total, 50), "p95_ms": ms(total, 95), "retrieve_p50_ms": ms(retrieve, 50),
            "rank_p50_ms": ms(rank, 50), "rss_mb": round(rss_mb() or 0)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="fixture + seed index (default: built in the work folder)")
    ap.add_argument("--big", help="generated ~10k-chunk index (default: from bench/retrieval_bench.py's work folder)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="passes over the dev set (later passes hit the engine's sentence-embedding cache)")
    ap.add_argument("--workdir", default="/tmp/mandate-bench")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    work = Path(args.workdir)
    targets = [("fixture + seed", Path(args.db) if args.db else fixture_index(work))]
    big = Path(args.big) if args.big else next((p for p in (work / "retrieval-10000-real", work / "retrieval-10000-random")
                                                if (p / "bench.json").exists()), None)
    if big:
        targets.append((f"generated ({json.loads((big / 'bench.json').read_text())['vectors']} vectors)"
                        if (big / "bench.json").exists() else "generated", big))
    else:
        print("note: no generated 10k index; run bench/retrieval_bench.py --sizes 10000 first", file=sys.stderr)
    results = [{"name": name, **bench(db, args.repeat)} for name, db in targets]
    if args.json:
        print(json.dumps({"machine": machine(), "results": results}, indent=1))
        return 0
    print(f"Quote-mode answer latency (Engine.answer, dev-set questions x {args.repeat}); {machine()}")
    print_table(["index", "chunks", "answers", "refused", "p50 ms", "p95 ms", "retrieve p50", "rank p50", "RSS MB"],
                [[r["name"], r["chunks"], r["answers"], r["refused_share"], r["p50_ms"], r["p95_ms"],
                  r["retrieve_p50_ms"], r["rank_p50_ms"], r["rss_mb"]] for r in results])
    print("\nretrieve = query embedding + hybrid search; rank = sentence scoring (embeds the passages' sentences;"
          "\ncached across questions). Generate mode: bench/llm_bench.py.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
