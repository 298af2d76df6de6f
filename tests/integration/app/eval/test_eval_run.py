"""A real eval run over the fixture index: floors our system meets, the baseline's gaps, the CLI.

Floors sit a little below the figures measured on the dev set (docs/evaluation.md), so a regression
in retrieval, refusal or quoting fails CI. Re-measure and update them on purpose, never to make CI pass.
"""
from __future__ import annotations

import json

import pytest

from app.eval.cli import main as eval_main

# Measured on the dev set in quote mode with the calibrated defaults (refusal_threshold 0.25 plus the
# unknown-name rule, verify_threshold 0.549), after follow-up-aware sentence ranking: recall@5 0.977,
# page recall@5 0.976, MRR 0.931, refusal precision 1.000, refusal recall 0.667, answer hit rate 0.805,
# citation support 1.000, citation source precision 0.859 (baseline: 0.930, 0.810, 0.891, n/a, 0.000,
# 0.683, 0.405, 0.738).
# just under what the dev set measured on 2026-11-29 (session 3): recall@5 0.988, page recall@5 0.976, MRR 0.954,
# refusal P 1.0 / R 0.667, answer hit 0.902, citation support 1.0, source precision 0.871, passage hit@5 0.951;
# session 4 (focus-word features, more quotes when unsure): answer hit 0.951, MRR 0.965, source precision 0.847
# session 7 (PDF paragraphs found by line length; the fixture PDFs print none): answer hit 0.951, passage hit@1
# 0.829, @5 0.951, source precision 0.851 (session 6's figures)
# session 9 (63 questions: the publication's title, editors, purpose; its price; figure and money rule): answer hit
# 0.955, refusal P 1.0 / R 0.824, passage hit@1 0.841, @5 0.955, source precision 0.860
FLOORS = {
    "recall@5": 0.95,
    "page_recall@5": 0.93,
    "mrr": 0.92,
    "refusal_precision": 0.90,
    "refusal_recall": 0.70,
    "answer_hit_rate": 0.90,
    "citation_support": 0.95,
    "citation_source_precision": 0.82,
    "passage_hit@5": 0.90,
}


@pytest.mark.slow  # the dev-set run on its own index
def test_floors(dev_report):
    _, report = dev_report
    m = report["metrics"]
    low = {k: (m[k], f) for k, f in FLOORS.items() if m[k] is None or m[k] < f}
    assert not low, f"below floor (measured, floor): {low}"


@pytest.mark.slow  # the dev-set run on its own index
def test_off_topic_always_refused_and_clear_questions_answered(dev_report):
    _, report = dev_report
    rows = {r["id"]: r for r in report["per_question"]}
    for r in report["per_question"]:
        if "off-topic" in r["tags"]:
            assert r["ours"]["refused"], r["question"]
    for qid in ("seed-goal", "nap-budget", "focal-point", "tot-hours", "fu-curricula"):
        o = rows[qid]["ours"]
        assert not o["refused"] and o["hit"], (qid, o["answer"])
    # what something costs, asked of documents that give figures but no sum of money
    for qid in ("near-cost", "near-fund-budget", "near-salary", "near-price"):
        assert rows[qid]["ours"]["refused"], rows[qid]["question"]
    for qid in ("seed-title", "seed-edited", "seed-why"):  # the publication itself, in other words than its page's
        o = rows[qid]["ours"]
        assert not o["refused"] and o["hit"], (qid, o["answer"])


@pytest.mark.slow  # the dev-set run on its own index
def test_ours_beats_the_naive_baseline(dev_report):
    _, report = dev_report
    ours, base = report["metrics"], report["baseline"]
    assert ours["recall@5"] > base["recall@5"]
    assert ours["page_recall@5"] > base["page_recall@5"]
    assert ours["mrr"] > base["mrr"]
    # the baseline never refuses; ours refuses most unanswerable questions
    assert base["refusal_recall"] == 0.0 and ours["refusal_recall"] >= FLOORS["refusal_recall"]
    assert ours["citation_source_precision"] > base["citation_source_precision"]
    assert ours["citation_support"] > base["citation_support"]


@pytest.mark.slow  # the dev-set run on its own index
def test_per_question_records(dev_report):
    items, report = dev_report
    assert len(report["per_question"]) == len(items)
    for row, item in zip(report["per_question"], items):
        assert row["id"] == item.id and row["line"] == item.line
        o = row["ours"]
        if o["refused"]:
            assert o["citations"] == []
        assert (o["match"] == "") == o["refused"] and o["match"] in ("", "close", "partial", "weak")
        for c in o["citations"]:
            assert set(c) >= {"n", "source_id", "page", "quote", "support", "supported", "expected_source"}
        assert {"ranked", "recall@5", "latency_ms", "retrieval_ms"} <= set(row["baseline"])
    assert report["warnings"] == []  # every expected source of the dev set resolves in the index
    answered = [r["ours"] for r in report["per_question"] if not r["ours"]["refused"]]
    assert sum(b["answered"] for b in report["by_match"].values()) == len(answered)
    json.dumps(report)


@pytest.mark.slow  # the dev-set run on its own index
def test_calibration_on_the_dev_run(dev_report, eval_engine):
    from app.eval.calibrate import calibrate

    items, report = dev_report
    cal = calibrate(eval_engine, items, report)
    r, v = cal["refusal"], cal["verifier"]
    assert 0.0 < r["threshold"] < 1.0 and r["f1"] >= max(row["f1"] for row in r["sweep"])
    assert r["unanswerable_n"] == sum(not i.answerable for i in items)
    kinds = {p["kind"] for p in v["pairs"]}
    assert {"quote", "reference", "unrelated", "altered-figure"} <= kinds
    assert v["supported_n"] >= 40 and v["unsupported_n"] >= 40
    # the shipped defaults are the calibrated values: after a change to retrieval or scoring, rerun
    # `python -m app eval --set app/eval/sets/dev.jsonl --db <fixture index> --calibrate` and update
    # ingest/index/settings.py, the floors above and docs/evaluation.md together
    # the refusal threshold is calibrated on held-out COVID-QA articles and this set together (ingest/index/settings.py):
    # the highest value refusing no answerable question of either, so here: no false refusal, and most
    # unanswerable questions refused
    assert r["at_current"]["false_refusals"] == 0, r["at_current"]
    assert r["at_current"]["f1"] >= 0.7, r["at_current"]
    assert v["at_current"]["f1"] == pytest.approx(v["f1"], abs=0.01), (v["threshold"], v["at_current"])


FOREIGN_SET = """\
# written by another team: file names instead of ids, int page numbers, no ids, their own extra fields
{"question": "How many national action plans budgeted for training?", "answerable": true, "expected_sources": ["paper.pdf"], "expected_pages": [3], "must_include": ["12"], "category": "numbers"}
{"question": "What is mandate ritual in Holvikivi's article?", "answerable": true, "expected_sources": ["holvikivi-2019.pdf"], "difficulty": "easy"}
{"question": "What are Kirkpatrick's levels?", "answerable": true, "expected_sources": ["Evaluating training programs: the four levels"], "must_include": "reaction"}

{"question": "What is the tallest mountain in Africa?", "answerable": false}
"""


@pytest.mark.slow  # the dev-set run on its own index
def test_foreign_set_runs_unchanged_through_the_cli(eval_index, tmp_path, capsys):
    path = tmp_path / "theirs.jsonl"
    path.write_text(FOREIGN_SET, encoding="utf-8")
    assert eval_main(["--set", str(path), "--db", str(eval_index), "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"metrics", "baseline", "per_question"}
    assert len(out["per_question"]) == 4 and out["per_question"][0]["id"] == "line2"
    assert out["metrics"]["recall@5"] == 1.0 and out["metrics"]["refusal_recall"] == 1.0
    assert out["per_question"][2]["expected_sources"] == ["kirkpatrick-1994"]  # matched by title
    assert any("category" in w and "difficulty" in w for w in out["warnings"])


@pytest.mark.slow  # the dev-set run on its own index
def test_readable_report_shows_both_systems(dev_report):
    from app.eval.cli import render

    _, report = dev_report
    text = render(report)
    header = next(line for line in text.splitlines() if line.startswith("metric"))
    assert header.split() == ["metric", "ours", "baseline"]
    for label in ("recall@5 (sources)", "MRR (pages)", "answer hit rate", "citation source precision",
                  "refusal precision", "refusal recall", "answer latency p95 (ms)"):
        assert label in text


def test_invalid_set_exits_2_naming_the_line(tmp_path, capsys):
    from app.__main__ import main as app_main

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok", "answerable": true}\n{"question": "no flag"}\n', encoding="utf-8")
    assert app_main(["eval", "--set", str(bad)]) == 2
    assert f"{bad}:2: \"answerable\" is missing" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--mode", "chat"], []])
def test_usage_errors(argv, tmp_path):
    from app.__main__ import main as app_main

    assert app_main(["eval", *argv]) == 2
