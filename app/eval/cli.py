"""`python -m app eval --set FILE [--db DIR] [--mode quote|generate] [--json] [--calibrate] [--library-wide]
[--leave-one-out] [--wrong-paper]`.

Exit codes: 0 done, 2 usage error, invalid set or no index.
"""
from __future__ import annotations

import argparse
import json
import math
import sys

from ..argtypes import positive_int


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m app eval",
                                description="Evaluate the engine and a naive dense baseline on a JSONL question set.")
    p.add_argument("--set", required=True, dest="set_path", help="JSONL evaluation set (see docs/evaluation.md)")
    p.add_argument("--db", help="index folder (default: settings / MANDATE_DB_DIR)")
    p.add_argument("--mode", choices=["quote", "generate"], default="quote")
    p.add_argument("--json", action="store_true", help='print {"metrics", "baseline", "per_question", ...}')
    p.add_argument("--calibrate", action="store_true",
                   help="also sweep the refusal and verifier thresholds and report the best ones")
    p.add_argument("--max-false-refusals", type=float, default=0.05, metavar="RATE",
                   help="calibration: also report the best refusal threshold refusing at most this share of "
                        "answerable questions (default 0.05)")
    p.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    p.add_argument("--cite-k", type=int, default=4, help="baseline: chunks shown as citations (LangChain default 4)")
    p.add_argument("--limit", type=positive_int, help="only the first N questions")
    p.add_argument("--sample", type=positive_int, metavar="N", help="a fixed random sample of N questions (seed --seed)")
    p.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--library-wide", action="store_true",
                   help="ignore the set's target_paper: ask every question of the whole library (by default a "
                        "question naming its paper is asked about that paper, as \"Ask about this document\" does)")
    p.add_argument("--wrong-paper", action="store_true",
                   help="also ask each answerable question about the nearest other document that does not hold its "
                        "answer (must be refused): refusal of questions asked about one document")
    p.add_argument("--leave-one-out", action="store_true",
                   help="also ask each answerable question with its own document left out (must be refused; "
                        "only questions no other document answers): refusal measured on the same index")
    return p


def _clean(obj):
    """JSON-safe: NaN/inf -> null, floats rounded."""
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else round(obj, 4)
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def misses(report: dict, limit: int = 12) -> list[str]:
    """Readable list of what went wrong for our system (false refusals/answers, retrieval misses)."""
    out = []
    for r in report["per_question"]:
        o = r["ours"]
        tag = f"{r['id']} (line {r['line']})"
        if r["answerable"] and o["refused"]:
            out.append(f"false refusal   {tag}: {r['question']}  [evidence {o['evidence']:.3f}]")
        elif not r["answerable"] and not o["refused"]:
            out.append(f"answered        {tag}: {r['question']}  [evidence {o['evidence']:.3f}]")
        elif r["answerable"] and o.get("recall@5") is not None and o["recall@5"] < 1.0:
            out.append(f"recall@5 {o['recall@5']:.2f}   {tag}: {r['question']}")
        elif o.get("hit") is False:
            missing = [p for p, ok in o["must_include"].items() if not ok]
            out.append(f"answer miss     {tag}: {r['question']}  [missing {missing}]")
    return out[:limit] + ([f"... and {len(out) - limit} more"] if len(out) > limit else [])


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    from .dataset import DatasetError, load_set, unknown_fields

    warnings: list[str] = []
    try:
        items = load_set(args.set_path, warnings)
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.sample and args.sample < len(items):
        import random

        keep = set(random.Random(args.seed).sample(range(len(items)), args.sample))
        items = [it for i, it in enumerate(items) if i in keep]
    if args.limit:
        items = items[: args.limit]
    extra = unknown_fields(items)
    if extra:
        warnings.append(f"fields not used by the harness (kept in per_question only as given): {', '.join(extra)}")

    from ingest.index.settings import get_settings

    from ..engine import Engine
    from .runner import run_eval

    engine = Engine(get_settings(db_dir=args.db))
    if args.leave_one_out:
        from .leave_one_out import leave_one_out

        twins = leave_one_out(items, engine)
        warnings.append(f"leave-one-out: {len(twins)} unanswerable twins added (their own document left out)")
        items = items + twins
    if args.wrong_paper:
        from .leave_one_out import wrong_paper

        twins = wrong_paper([it for it in items if not it.exclude_source], engine)
        warnings.append(f"wrong paper: {len(twins)} unanswerable twins added (asked about another document)")
        items = items + twins
    report = run_eval(engine, items, mode=args.mode, baseline=not args.no_baseline, cite_k=args.cite_k,
                      progress=not args.quiet, library_wide=args.library_wide)
    report["warnings"] = warnings + report["warnings"]
    report["set"] = str(args.set_path)
    if args.calibrate:
        from .calibrate import calibrate

        report["calibration"] = calibrate(engine, items, report, args.max_false_refusals)
    if args.json:
        print(json.dumps(_clean(report), indent=1, ensure_ascii=False))
        return 0
    print(render(report))
    for w in report["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def render(report: dict) -> str:
    """The readable report: header, side-by-side table, our misses, calibration when present."""
    from .metrics import table

    m, b = report["metrics"], report["baseline"]
    cfg = report["config"]
    out = [f"Evaluation set {report.get('set', '?')}: {m['questions']} questions ({m['answerable']} answerable, "
           f"{m['unanswerable']} unanswerable); mode {cfg['mode']}; index {cfg['index']}; scope {cfg['scope']}",
           f"ours: hybrid engine (refusal_threshold {cfg['refusal_threshold']}, verify_threshold "
           f"{cfg['verify_threshold']}); baseline: {cfg['baseline'] or 'skipped'}", "",
           table(m, b), "",
           f"(retrieval metrics over {m['n_retrieval']} questions, pages over {m['n_pages']}, answer hits over "
           f"{m['n_must_include']}; citations: ours {m['n_citations']}" + (f", baseline {b['n_citations']}" if b else "") + ")"]
    if report.get("by_overlap"):
        from .overlap import render as render_overlap

        out += ["", render_overlap(report["by_overlap"])]
    if report.get("by_match"):
        from .metrics import render_by_match

        out += ["", render_by_match(report["by_match"])]
    bad = misses(report)
    if bad:
        out += ["", "Our misses:"] + [f"  {x}" for x in bad]
    if report.get("calibration"):
        from .calibrate import summary

        out += ["", summary(report["calibration"])]
    return "\n".join(out)
