"""CI floors on text nobody here wrote: a slice of the COVID-QA development set (../shared).

An index of 14 of its articles; the questions about them (answerable) and, from a second index
without two of them, the questions whose gold answer only those two hold (must be refused).
Floors sit just under what was measured (docs/evaluation.md); a regression in ranking, answer
selection or refusal fails here.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
COVID = ROOT.parent / "shared" / "datasets" / "covid-qa"
ARTICLES = 14
HELD_OUT = 2

pytestmark = pytest.mark.slow


def _items(names: set[str], answerable: bool):
    from app.eval.dataset import parse_line

    out = []
    for n, line in enumerate((COVID / "questions.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        obj = json.loads(line)
        if obj["expected_sources"][0] in names:
            if not answerable:
                obj = {"question": obj["question"], "answerable": False, "id": obj["id"] + "-heldout",
                       "must_include_any": obj["must_include_any"]}
            item = parse_line(obj, f"questions.jsonl:{n}", [])
            out.append(item)
    return out


@pytest.fixture(scope="module")
def covid_slice(tmp_path_factory):
    if not COVID.is_dir():
        pytest.skip("../shared is absent (a user's clone): the COVID-QA development data is not available")
    from ingest.index.settings import Settings
    from ingest.pipeline import run_ingest

    root = tmp_path_factory.mktemp("covid")
    files = sorted((COVID / "corpus").glob("*.txt"))[::6][:ARTICLES]
    (root / "corpus").mkdir()
    for f in files:
        shutil.copy(f, root / "corpus" / f.name)
    full = Settings(corpus_dir=root / "corpus", db_dir=root / "db")
    assert not run_ingest(full, progress=False).failed
    # the same index without the held-out articles (copied, then the removed files dropped by ingest)
    shutil.copytree(root / "db", root / "db-held")
    held = files[:HELD_OUT]
    for f in held:
        (root / "corpus" / f.name).unlink()
    part = Settings(corpus_dir=root / "corpus", db_dir=root / "db-held")
    assert not run_ingest(part, progress=False).failed
    remaining = " ".join(f.read_text(encoding="utf-8") for f in files[HELD_OUT:]).lower()
    unanswerable = [it for it in _items({f.name for f in held}, answerable=False)
                    if not any(p.lower() in remaining for p in it.must_include_any)]
    return full, part, _items({f.name for f in files}, answerable=True), unanswerable


# Floors just under what was measured on this slice (245 questions): passage hit@5 and answer hit, each also
# above the naive baseline (given the same scope) by a margin.
#   library-wide, 2026-11-29: 0.898 / 0.616, 0.686 / 0.584, false refusals 0.004; session 4 (focus-word features,
#   more quotes when unsure): 0.894 / 0.616, 0.751 / 0.584, 0.008
#   about each question's target paper (session 6): 0.914 / 0.714, 0.792 / 0.678, 0.008
#   session 8 (spelling, refusal rules): library-wide 0.898 / 0.616, 0.763 / 0.584, 0.000; about the target
#   paper 0.914 / 0.714, 0.792 / 0.678, 0.000
#   session 10 (an unsure quote runs on to the next sentence): library-wide 0.898 / 0.616, 0.792 / 0.584, 0.000;
#   about the target paper 0.914 / 0.714, 0.816 / 0.678, 0.000. The 96 questions sharing at most half their words
#   with the gold evidence, answer hit: library-wide 0.552 (baseline 0.510), about the paper 0.604 (0.573)
#   session 11 (questions about a whole document, how-many counts): about the target paper 0.922 / 0.714,
#   0.820 / 0.678 (low band 0.615 / 0.573); library-wide unchanged
FLOORS = {"library-wide": (0.87, 0.2, 0.77, 0.1), "about the target paper": (0.90, 0.15, 0.80, 0.08)}
LOW_OVERLAP_FLOORS = {"library-wide": 0.53, "about the target paper": 0.59}


@pytest.mark.parametrize("scope", list(FLOORS))
def test_answerable_floors(covid_slice, scope):
    """Asked of the whole library, and about the article each question names (``target_paper``), as
    "Ask about this document" does."""
    from app.engine import Engine
    from app.eval.runner import run_eval

    full, _, answerable, _ = covid_slice
    report = run_eval(Engine(full), answerable, mode="quote", baseline=True, library_wide=scope == "library-wide")
    m, b = report["metrics"], report["baseline"]
    print(f"\n{len(answerable)} questions, {scope}: passage hit@5 {m['passage_hit@5']:.3f} (baseline "
          f"{b['passage_hit@5']:.3f}), answer hit {m['answer_hit_rate']:.3f} (baseline {b['answer_hit_rate']:.3f}), "
          f"false refusals {m['false_refusal_rate']:.3f}")
    low = report["by_overlap"]["low"]
    print(f"sharing at most half their words with the gold evidence: {low}")
    # questions worded unlike their answer (as when written from an abstract): not below the baseline
    assert low["questions"] >= 80 and low["answer_hit"] >= LOW_OVERLAP_FLOORS[scope]
    assert low["answer_hit"] >= low["baseline_answer_hit"]
    phit, phit_margin, hit, hit_margin = FLOORS[scope]
    assert m["passage_hit@5"] >= phit and m["passage_hit@5"] > b["passage_hit@5"] + phit_margin
    assert m["answer_hit_rate"] >= hit and m["answer_hit_rate"] > b["answer_hit_rate"] + hit_margin
    assert m["false_refusal_rate"] <= 0.02


def test_evidence_drops_when_the_answering_article_is_missing(covid_slice):
    """The refusal score is the ranking score: without the article that answers, it must fall.

    (At the shipped threshold few of these near-domain questions are refused outright — 0 of 13 on
    this slice, 14% on the larger held-out set of docs/evaluation.md — because the other articles
    discuss the same viruses; the threshold is set so that no answerable question is refused.)"""
    from app.engine import Engine

    full, part, _, unanswerable = covid_slice
    assert len(unanswerable) >= 10
    with_article, without = Engine(full), Engine(part)
    ev_full = [with_article.answer(it.question).evidence for it in unanswerable]
    ev_part = [without.answer(it.question).evidence for it in unanswerable]
    lower = sum(p < f for p, f in zip(ev_part, ev_full))
    print(f"\nheld-out questions: mean evidence {sum(ev_part) / len(ev_part):.3f} without their article, "
          f"{sum(ev_full) / len(ev_full):.3f} with it; lower for {lower}/{len(ev_part)}")
    assert sum(ev_part) <= 0.75 * sum(ev_full)
    assert lower >= 0.75 * len(ev_part)


def test_refusal_floors(covid_slice):
    """Questions put to the wrong article of the slice, and questions whose article is not in the index.

    Measured on this slice (session 8): 210 wrong-paper twins, 0.562 refused (the document-terms and
    other-document rules); the 13 held-out questions, none (printed only: the evidence test above covers them)."""
    from app.engine import Engine
    from app.eval.leave_one_out import wrong_paper
    from app.eval.runner import run_eval

    full, part, answerable, unanswerable = covid_slice
    engine = Engine(full)
    twins = wrong_paper(answerable, engine)
    wrong = run_eval(engine, twins, mode="quote", baseline=False)["metrics"]
    held = run_eval(Engine(part), unanswerable, mode="quote", baseline=False)["metrics"]
    print(f"\n{len(twins)} wrong-paper twins: refused {wrong['refusal_recall']:.3f}; {len(unanswerable)} held-out "
          f"questions: refused {held['refusal_recall']:.3f}")
    assert wrong["refusal_recall"] >= 0.5
