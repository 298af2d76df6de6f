"""Answer hit by how many of a question's words its gold evidence shares (sets that give ``evidence``).

Questions written while reading the text (most of COVID-QA) share their words with the answer; questions
written from an abstract or a title do not, and lexical signals fail there first. When a set gives each
question its gold ``evidence`` passage, the report splits answerable questions in two: those sharing at
most half their content words with it ("low") and the rest ("high"), ours beside the baseline, so a change
that helps only word-matched questions shows.
"""
from __future__ import annotations

from ..engine.text import content_words
from .dataset import EvalItem
from .metrics import mean

LOW = 0.5  # at most this share of the question's content words in the evidence: a "low" overlap question


def word_overlap(item: EvalItem) -> float | None:
    """Share of the question's content words found in its gold evidence; None without evidence."""
    ev = item.extra.get("evidence")
    if isinstance(ev, list):
        ev = " ".join(e for e in ev if isinstance(e, str))
    if not isinstance(ev, str) or not ev.strip():
        return None
    q = content_words(item.question)
    return len(q & content_words(ev)) / len(q) if q else None


def _rate(rows: list[dict], key: str) -> float | None:
    m = mean([r.get(key) for r in rows])
    return None if m is None else round(m, 4)


def by_overlap(items: list[EvalItem], ours: list[dict], base: list[dict] | None) -> dict | None:
    """{"low"/"high": {questions, answer_hit, passage_hit@5, baseline_...}} or None when no item has evidence."""
    bands: dict[str, list[int]] = {"low": [], "high": []}
    for i, item in enumerate(items):
        ov = word_overlap(item) if item.answerable else None
        if ov is not None:
            bands["low" if ov <= LOW else "high"].append(i)
    if not any(bands.values()):
        return None
    out = {}
    for name, idx in bands.items():
        o = [ours[i] for i in idx]
        row = {"questions": len(idx), "answer_hit": _rate(o, "hit"), "passage_hit@5": _rate(o, "passage_hit@5")}
        if base:
            b = [base[i] for i in idx]
            row.update({"baseline_answer_hit": _rate(b, "hit"), "baseline_passage_hit@5": _rate(b, "passage_hit@5")})
        out[name] = row
    return out


def render(split: dict) -> str:
    lines = [f"By word overlap with the gold evidence (low: at most {LOW:.0%} of the question's words):"]
    for name, r in split.items():
        base = (f"; baseline {r['baseline_answer_hit']} / {r['baseline_passage_hit@5']}"
                if "baseline_answer_hit" in r else "")
        lines.append(f"  {name:4s} {r['questions']:4d} questions: answer hit {r['answer_hit']}, passage hit@5 "
                     f"{r['passage_hit@5']}{base}")
    return "\n".join(lines)
