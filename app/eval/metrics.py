"""Metric definitions (pure functions over per-question records). See docs/evaluation.md.

* recall@k: share of a question's expected sources (or expected page entries) found among the
  first k retrieved passages, averaged over answerable questions that list them.
* MRR: mean of 1/rank of the first retrieved passage from an expected source (page).
* passage hit@k: share of answerable questions with gold phrases whose gold text (all ``must_include``,
  any one ``must_include_any``) is inside one of the first k passages handed to the answer step.
* answer hit rate: share of questions with ``must_include`` / ``must_include_any`` whose phrases are
  found (all of the first, any one of the second) in the answer text or its cited quotes
  (case/space/dash-insensitive, short phrases on word boundaries); a refusal of such a question misses.
* citation support: share of citations whose quote supports a sentence citing it (engine verifier).
* citation source precision: share of citations (answerable questions with expected sources) whose
  source is expected.
* refusal precision/recall/F1: the positive class is "should refuse" (``answerable: false``).
* generate mode only: time to first token p50, and the share of answers that fell back to quotes
  (the model's answer could not be verified, or the model was unavailable).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

KS = (1, 5, 10)
PASSAGE_KS = (1, 3, 5, 10)


def recall_at(ranked: Sequence, expected: Sequence, k: int, hit: Callable = None) -> float | None:
    """Share of ``expected`` items matched by the first ``k`` of ``ranked`` (``hit(expected_item, ranked_item)``)."""
    if not expected:
        return None
    hit = hit or (lambda e, r: e == r)
    top = ranked[:k]
    return sum(1 for e in expected if any(hit(e, r) for r in top)) / len(expected)


def reciprocal_rank(ranked: Sequence, expected: Sequence, hit: Callable = None) -> float | None:
    if not expected:
        return None
    hit = hit or (lambda e, r: e == r)
    for i, r in enumerate(ranked, start=1):
        if any(hit(e, r) for e in expected):
            return 1.0 / i
    return 0.0


def percentile(values: Sequence[float], q: float) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.percentile(vals, q)) if vals else None


def mean(values) -> float | None:
    vals = [v for v in values if v is not None]
    return float(sum(vals) / len(vals)) if vals else None


def prf(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f = 2 * p * r / (p + r) if p and r else (0.0 if p is not None or r is not None else None)
    return p, r, f


def refusal_counts(should_refuse: Sequence[bool], refused: Sequence[bool]) -> dict:
    tp = sum(1 for s, r in zip(should_refuse, refused) if s and r)
    fp = sum(1 for s, r in zip(should_refuse, refused) if r and not s)
    fn = sum(1 for s, r in zip(should_refuse, refused) if s and not r)
    tn = sum(1 for s, r in zip(should_refuse, refused) if not s and not r)
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn}


def aggregate(records: list[dict], answerable: list[bool]) -> dict:
    """Per-question records of one system -> its metrics dict (None where undefined)."""
    out: dict = {"questions": len(records), "answerable": sum(answerable),
                 "unanswerable": len(answerable) - sum(answerable)}
    scored = [r for r, a in zip(records, answerable) if a and r.get("rr") is not None]
    out["n_retrieval"] = len(scored)
    for k in KS:
        out[f"recall@{k}"] = mean(r[f"recall@{k}"] for r in scored)
    out["mrr"] = mean(r["rr"] for r in scored)
    paged = [r for r, a in zip(records, answerable) if a and r.get("page_rr") is not None]
    out["n_pages"] = len(paged)
    for k in KS:
        out[f"page_recall@{k}"] = mean(r[f"page_recall@{k}"] for r in paged)
    out["page_mrr"] = mean(r["page_rr"] for r in paged)
    for k in PASSAGE_KS:
        out[f"passage_hit@{k}"] = mean(r.get(f"passage_hit@{k}") for r in records)
    hits = [r["hit"] for r in records if r.get("hit") is not None]
    out["n_must_include"] = len(hits)
    out["answer_hit_rate"] = mean(float(h) for h in hits)
    cits = [c for r in records if not r["refused"] for c in r["citations"]]
    out["n_citations"] = len(cits)
    out["citation_support"] = mean(float(c["supported"]) for c in cits)
    judged = [c for c in cits if c.get("expected_source") is not None]
    out["citation_source_precision"] = mean(float(c["expected_source"]) for c in judged)
    counts = refusal_counts([not a for a in answerable], [r["refused"] for r in records])
    p, rcl, f = prf(counts["tp"], counts["fp"], counts["fn"])
    out.update({"refusal_precision": p, "refusal_recall": rcl, "refusal_f1": f, "refusal_counts": counts,
                "false_refusal_rate": counts["fp"] / sum(answerable) if sum(answerable) else None})
    lat = [r["latency_ms"] for r in records]
    ret = [r["retrieval_ms"] for r in records]
    out.update({"latency_p50_ms": percentile(lat, 50), "latency_p95_ms": percentile(lat, 95),
                "retrieval_p50_ms": percentile(ret, 50), "retrieval_p95_ms": percentile(ret, 95)})
    fb = [r["fallback"] for r in records if "fallback" in r and not r["refused"]]
    if fb:
        out["fallback_rate"] = mean(float(x) for x in fb)
    ttft = [r.get("first_token_ms") for r in records if r.get("first_token_ms") is not None]
    if ttft:
        out["ttft_p50_ms"] = percentile(ttft, 50)
    return out


def by_match(records: list[dict], answerable: list[bool]) -> dict | None:
    """Answered questions by how closely they matched ("close" / "partial" / "weak", ``app/engine/match.py``):
    how many, how many of the answerable ones hold the gold answer, how many should have been refused. Shows
    whether the band told with each answer is worth reading."""
    out: dict = {}
    for r, a in zip(records, answerable):
        band = r.get("match")
        if r["refused"] or not band:
            continue
        row = out.setdefault(band, {"answered": 0, "answerable": 0, "hit": 0, "unanswerable": 0})
        row["answered"] += 1
        row["answerable" if a else "unanswerable"] += 1
        row["hit"] += bool(a and r.get("hit"))
    for row in out.values():
        row["hit_rate"] = round(row["hit"] / row["answerable"], 3) if row["answerable"] else None
        row["right_of_answered"] = round(row["hit"] / row["answered"], 3)  # answered with the gold answer
        row["unanswerable_of_answered"] = round(row["unanswerable"] / row["answered"], 3)
    order = ("close", "partial", "weak")
    return {k: out[k] for k in sorted(out, key=lambda k: order.index(k) if k in order else 9)} or None


def render_by_match(split: dict) -> str:
    lines = ["Answered, by match (hit rate: answerable questions whose answer holds the gold text):"]
    for band, r in split.items():
        lines.append(f"  {band:8s} {r['answered']:4d} answered: {r['right_of_answered']:.0%} with the gold answer, "
                     f"{r['unanswerable_of_answered']:.0%} should have been refused ({r['answerable']} answerable, "
                     f"hit rate {r['hit_rate']})")
    return "\n".join(lines)


# Rows of the side-by-side table: (key, label, "higher" | "lower" is better, format)
TABLE_ROWS = [
    ("recall@1", "recall@1 (sources)", "higher", "{:.3f}"),
    ("recall@5", "recall@5 (sources)", "higher", "{:.3f}"),
    ("recall@10", "recall@10 (sources)", "higher", "{:.3f}"),
    ("mrr", "MRR (sources)", "higher", "{:.3f}"),
    ("page_recall@1", "recall@1 (pages)", "higher", "{:.3f}"),
    ("page_recall@5", "recall@5 (pages)", "higher", "{:.3f}"),
    ("page_recall@10", "recall@10 (pages)", "higher", "{:.3f}"),
    ("page_mrr", "MRR (pages)", "higher", "{:.3f}"),
    ("passage_hit@1", "passage hit@1 (gold text)", "higher", "{:.3f}"),
    ("passage_hit@3", "passage hit@3 (gold text)", "higher", "{:.3f}"),
    ("passage_hit@5", "passage hit@5 (gold text)", "higher", "{:.3f}"),
    ("passage_hit@10", "passage hit@10 (gold text)", "higher", "{:.3f}"),
    ("answer_hit_rate", "answer hit rate", "higher", "{:.3f}"),
    ("citation_support", "citation support (verifier)", "higher", "{:.3f}"),
    ("citation_source_precision", "citation source precision", "higher", "{:.3f}"),
    ("refusal_precision", "refusal precision", "higher", "{:.3f}"),
    ("refusal_recall", "refusal recall", "higher", "{:.3f}"),
    ("refusal_f1", "refusal F1", "higher", "{:.3f}"),
    ("false_refusal_rate", "false refusal rate", "lower", "{:.3f}"),
    ("latency_p50_ms", "answer latency p50 (ms)", "lower", "{:.0f}"),
    ("latency_p95_ms", "answer latency p95 (ms)", "lower", "{:.0f}"),
    ("retrieval_p50_ms", "retrieval latency p50 (ms)", "lower", "{:.0f}"),
    ("retrieval_p95_ms", "retrieval latency p95 (ms)", "lower", "{:.0f}"),
    ("ttft_p50_ms", "time to first token p50 (ms)", "lower", "{:.0f}"),
    ("fallback_rate", "generate -> quote fallbacks", "lower", "{:.3f}"),
]


def fmt(value, spec: str) -> str:
    return "n/a" if value is None else spec.format(value)


def table(ours: dict, baseline: dict | None, names=("ours", "baseline")) -> str:
    """Side-by-side text table of two metrics dicts."""
    rows = [(label, fmt(ours.get(k), spec), fmt(baseline.get(k), spec) if baseline is not None else "")
            for k, label, _, spec in TABLE_ROWS if k in ours or (baseline and k in baseline)]
    w0 = max(len(r[0]) for r in rows + [("metric", "", "")])
    w1 = max(len(r[1]) for r in rows + [("", names[0], "")])
    w2 = max(len(r[2]) for r in rows + [("", "", names[1])])
    head = f"{'metric':<{w0}}  {names[0]:>{w1}}" + (f"  {names[1]:>{w2}}" if baseline is not None else "")
    lines = [head, "-" * len(head)]
    for label, a, b in rows:
        lines.append(f"{label:<{w0}}  {a:>{w1}}" + (f"  {b:>{w2}}" if baseline is not None else ""))
    return "\n".join(lines)
