"""Calibrate the refusal threshold and the verifier threshold on an evaluation set.

Refusal: the engine refuses when its evidence score (``answer.evidence``) is below
``refusal_threshold``. We sweep every cut between observed scores and keep the one maximising refusal
F1 (positive class: the question is unanswerable); ties go to fewer false refusals. Questions the
engine refuses by another rule whatever the threshold (``forced_refusal`` in the run's records: names or
numbers the corpus never mentions) count as refused at every cut.

Verifier: claim/passage pairs are built from the set (see ``verifier_pairs``): supported pairs are the
true quote sentence holding an answerable question's ``must_include`` phrases and its
``reference_answer`` (a paraphrase, like a generated sentence), each against the passage that holds the
phrases; unsupported pairs are the same claims against the most similar passage of a source the question
does not expect, and the claims with their figures changed against the true passage. We sweep
``verify_threshold`` to maximise F1 of flagging unsupported claims; ties go to fewer unsupported claims
passing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..engine import Passage
from ..engine.text import split_sentences
from .dataset import EvalItem
from .matching import SourceResolver, contains, entry_hit, page_entries
from .metrics import prf, refusal_counts


def _cuts(scores: list[float]) -> list[float]:
    """Candidate thresholds: below all, between each pair of distinct neighbours, above all."""
    u = sorted(set(round(s, 6) for s in scores))
    if not u:
        return []
    mids = [(a + b) / 2 for a, b in zip(u, u[1:])]
    return [u[0] - 0.01] + mids + [u[-1] + 0.01]


def refusal_at(t: float, evidence: list[float], answerable: list[bool], forced: list[bool] | None = None) -> dict:
    """Refusal counts and P/R/F1 when refusing below ``t`` (plus the ``forced`` refusals of other rules)."""
    forced = forced or [False] * len(evidence)
    c = refusal_counts([not a for a in answerable], [e < t or f for e, f in zip(evidence, forced)])
    p, r, f1 = prf(c["tp"], c["fp"], c["fn"])
    return {"threshold": round(t, 4), "f1": f1 or 0.0, "precision": p, "recall": r,
            "false_refusals": c["fp"], "missed_refusals": c["fn"]}


def sweep_refusal(evidence: list[float], answerable: list[bool], max_false_refusal_rate: float = 0.05,
                  forced: list[bool] | None = None) -> dict:
    """Best refusal threshold over the evidence scores of a run (refuse when evidence < threshold).

    ``forced`` marks questions another rule refuses whatever the threshold (the engine's unknown-name
    rule). Also reports ``capped``: the best F1 among thresholds refusing at most
    ``max_false_refusal_rate`` of the answerable questions (an operating point for overlapping evidence)."""
    free = [e for e, f in zip(evidence, forced or [False] * len(evidence)) if not f]
    rows = [refusal_at(t, evidence, answerable, forced) for t in _cuts(free)]  # forced ones move no cut
    ans = [e for e, a in zip(evidence, answerable) if a]
    una = [e for e, a in zip(evidence, answerable) if not a]
    if not rows:
        return {"threshold": None, "sweep": []}
    key = lambda r: (r["f1"], -r["false_refusals"], -r["threshold"])  # noqa: E731
    best = max(rows, key=key)
    allowed = [r for r in rows if r["false_refusals"] <= max_false_refusal_rate * len(ans)]
    capped = {k: v for k, v in max(allowed, key=key).items()} if allowed else None
    if capped:
        capped["max_false_refusal_rate"] = max_false_refusal_rate
    return {**best, "answerable_min": min(ans, default=None), "unanswerable_max": max(una, default=None),
            "answerable_n": len(ans), "unanswerable_n": len(una), "forced": sum(forced or []),
            "capped": capped, "sweep": rows}


def verifier_at(t: float, scores: list[float], supported: list[bool]) -> dict:
    """Flagging counts and P/R/F1 (positive class: unsupported) when claims scoring below ``t`` are flagged."""
    c = refusal_counts([not y for y in supported], [s < t for s in scores])
    p, r, f = prf(c["tp"], c["fp"], c["fn"])
    return {"threshold": round(t, 4), "f1": f or 0.0, "precision": p, "recall": r,
            "supported_flagged": c["fp"], "unsupported_passed": c["fn"]}


def sweep_verifier(scores: list[float], supported: list[bool]) -> dict:
    """Best verifier threshold (a claim is supported when its score >= threshold)."""
    rows = [verifier_at(t, scores, supported) for t in _cuts(scores)]
    if not rows:
        return {"threshold": None, "sweep": []}
    best = max(rows, key=lambda r: (r["f1"], -r["unsupported_passed"], r["threshold"]))
    pos = [s for s, y in zip(scores, supported) if y]
    neg = [s for s, y in zip(scores, supported) if not y]
    return {**best, "supported_min": min(pos, default=None), "unsupported_max": max(neg, default=None),
            "supported_n": len(pos), "unsupported_n": len(neg), "sweep": rows}


@dataclass
class Pair:
    claim: str
    passage: Passage
    supported: bool
    kind: str  # quote | reference | unrelated | altered-figure
    item_id: str


_NUM = re.compile(r"\b\d+(?:[.,]\d+)?\b")


def alter_figures(text: str) -> str:
    """The claim with every figure changed (a typical hallucination: right words, wrong number)."""
    def bump(m):
        s = m.group(0)
        if "." in s or "," in s:
            return s[:-1] + str((int(s[-1]) + 3) % 10)
        return str(int(s) + 7)
    return _NUM.sub(bump, text)


def _chunk_passages(store) -> tuple[list[Passage], np.ndarray]:
    got = store.chunks.get(include=["documents", "metadatas", "embeddings"])
    ps = []
    for cid, doc, m in zip(got["ids"], got["documents"], got["metadatas"]):
        ps.append(Passage.from_metadata(cid, m, doc))
    return ps, np.asarray(got["embeddings"], dtype=np.float32)


def verifier_pairs(engine, items: list[EvalItem]) -> list[Pair]:
    """Supported and unsupported claim/passage pairs built from the set and the index (see module doc)."""
    resolver = SourceResolver.from_registry(engine.store.registry())
    passages, vecs = _chunk_passages(engine.store)
    pairs: list[Pair] = []
    for it in items:
        if not it.answerable or not it.must_include:
            continue
        expected = set(resolver.expected(it.expected_sources))
        holding = [i for i, p in enumerate(passages)
                   if (not expected or p.source_id in expected) and all(contains(p.text, ph) for ph in it.must_include)]
        if not holding:
            continue
        entries = page_entries(resolver, list(expected), it.expected_pages)
        holding.sort(key=lambda i: (not any(entry_hit(e, passages[i].source_id, passages[i].page_label)
                                            for e in entries), i))
        gold = passages[holding[0]]
        quote = next((s.text for s in split_sentences(gold.text, base=gold.start)
                      if all(contains(s.text, ph) for ph in it.must_include)), None)
        claims = [(c, k) for c, k in ((quote, "quote"), (it.reference_answer, "reference")) if c]
        others = [i for i, p in enumerate(passages)
                  if p.source_id not in expected and not any(contains(p.text, ph) for ph in it.must_include)]
        cvs = np.asarray(engine.embeddings.embed_documents([c for c, _ in claims]), dtype=np.float32)
        for (claim, kind), cv in zip(claims, cvs):
            pairs.append(Pair(claim, gold, True, kind, it.id))
            if others:
                j = max(others, key=lambda i: float(vecs[i] @ cv))
                pairs.append(Pair(claim, passages[j], False, "unrelated", it.id))
            altered = alter_figures(claim)
            if altered != claim:
                pairs.append(Pair(altered, gold, False, "altered-figure", it.id))
    return pairs


def calibrate(engine, items: list[EvalItem], report: dict, max_false_refusal_rate: float = 0.05) -> dict:
    """Refusal threshold from the run's evidence scores; verifier threshold from built pairs."""
    rows = report["per_question"]
    evidence = [r["ours"]["evidence"] for r in rows]
    answerable = [r["answerable"] for r in rows]
    forced = [bool(r["ours"].get("forced_refusal")) for r in rows]
    refusal = sweep_refusal(evidence, answerable, max_false_refusal_rate, forced)
    refusal["at_current"] = refusal_at(engine.settings.refusal_threshold, evidence, answerable, forced)
    pairs = verifier_pairs(engine, items)
    v = engine.verifier
    v.embed(list(dict.fromkeys([p.claim for p in pairs] + [s.text for p in pairs for s in v.sentences_of(p.passage)])))
    scores = [v.support(p.claim, p.passage).score for p in pairs]
    verifier = sweep_verifier(scores, [p.supported for p in pairs])
    verifier["at_current"] = verifier_at(engine.settings.verify_threshold, scores, [p.supported for p in pairs])
    by_kind: dict[str, list[float]] = {}
    for p, s in zip(pairs, scores):
        by_kind.setdefault(p.kind, []).append(s)
    verifier["by_kind"] = {k: {"n": len(v), "min": round(min(v), 4), "median": round(float(np.median(v)), 4),
                               "max": round(max(v), 4)} for k, v in sorted(by_kind.items())}
    verifier["pairs"] = [{"item": p.item_id, "kind": p.kind, "supported": p.supported, "score": round(s, 4),
                          "claim": p.claim, "passage_source": p.passage.source_id, "page": p.passage.page_label}
                         for p, s in zip(pairs, scores)]
    return {"refusal": refusal, "verifier": verifier,
            "current": {"refusal_threshold": engine.settings.refusal_threshold,
                        "verify_threshold": engine.settings.verify_threshold}}


def summary(cal: dict) -> str:
    r, v = cal["refusal"], cal["verifier"]
    cur = cal["current"]
    f = lambda x: "n/a" if x is None else f"{x:.3f}"  # noqa: E731
    lines = [
        "Calibration",
        f"  refusal_threshold: {f(r['threshold'])} (current {cur['refusal_threshold']}) -> refusal F1 {f(r.get('f1'))}, "
        f"precision {f(r.get('precision'))}, recall {f(r.get('recall'))}, false refusals {r.get('false_refusals')}/"
        f"{r.get('answerable_n')}; evidence: answerable min {f(r.get('answerable_min'))}, "
        f"unanswerable max {f(r.get('unanswerable_max'))}",
    ]
    if r.get("forced"):
        lines.append(f"    ({r['forced']} questions are refused by another rule whatever the threshold: "
                     "names/numbers the corpus never mentions)")
    a = r.get("at_current")
    if a:
        lines.append(f"    current {a['threshold']}: F1 {f(a['f1'])}, precision {f(a['precision'])}, recall "
                     f"{f(a['recall'])}, false refusals {a['false_refusals']}/{r.get('answerable_n')}")
    c = r.get("capped")
    if c and c["threshold"] != r["threshold"]:
        lines.append(f"    (alternative with <= {c['max_false_refusal_rate']:.0%} false refusals: {f(c['threshold'])} -> "
                     f"F1 {f(c['f1'])}, precision {f(c['precision'])}, recall {f(c['recall'])}, "
                     f"false refusals {c['false_refusals']}/{r.get('answerable_n')})")
    lines += [
        f"  verify_threshold:  {f(v['threshold'])} (current {cur['verify_threshold']}) -> flag F1 {f(v.get('f1'))}, "
        f"supported flagged {v.get('supported_flagged')}/{v.get('supported_n')}, unsupported passed "
        f"{v.get('unsupported_passed')}/{v.get('unsupported_n')}",
    ]
    a = v.get("at_current")
    if a:
        lines.append(f"    current {a['threshold']}: flag F1 {f(a['f1'])}, supported flagged {a['supported_flagged']}, "
                     f"unsupported passed {a['unsupported_passed']}")
    for k, d in v.get("by_kind", {}).items():
        lines.append(f"    {k:<15} n={d['n']:<3} score min {d['min']:.3f}  median {d['median']:.3f}  max {d['max']:.3f}")
    lines.append(f"  apply: MANDATE_REFUSAL_THRESHOLD={f(r['threshold'])} MANDATE_VERIFY_THRESHOLD={f(v['threshold'])} "
                 "(or change the defaults in ingest/index/settings.py)")
    return "\n".join(lines)
