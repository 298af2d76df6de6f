"""Evaluation-set loading and validation, metric and calibration arithmetic (no index needed)."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from app.eval.calibrate import alter_figures, sweep_refusal, sweep_verifier
from app.eval.dataset import DatasetError, load_set
from app.eval.matching import SourceResolver, contains, entry_hit, page_entries
from app.eval.metrics import aggregate, prf, recall_at, reciprocal_rank, table

from .conftest import DEV_SET


def _write(tmp_path, lines: list[str]):
    p = tmp_path / "set.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_dev_set_is_valid_and_balanced():
    items = load_set(DEV_SET)
    assert len(items) >= 40
    unanswerable = [i for i in items if not i.answerable]
    assert len(unanswerable) * 4 >= len(items), "at least a quarter of the dev set must be unanswerable"
    tags = {t for i in items for t in i.tags}
    assert {"paraphrase", "follow-up", "off-topic", "near-domain"} <= tags
    assert any(i.history for i in items if i.answerable) and any(i.history for i in unanswerable)
    assert all(i.expected_sources for i in items if i.answerable)
    assert len({i.id for i in items}) == len(items)


def test_errors_name_every_bad_line(tmp_path):
    p = _write(tmp_path, [
        '{"question": "Fine?", "answerable": true, "expected_sources": ["paper.pdf"]}',
        '{"question": "Broken JSON", "answerable": true',
        '',
        '{"answerable": false}',
        '{"question": "What?", "answerable": "yes"}',
        '{"question": "Q", "answerable": true, "expected_sources": "paper.pdf", "must_include": [3]}',
        '{"question": "Q2", "answerable": true, "history": [{"role": "system", "content": "x"}]}',
        '["not", "an", "object"]',
    ])
    with pytest.raises(DatasetError) as exc:
        load_set(p)
    problems = exc.value.problems
    text = str(exc.value)
    assert len(problems) == 6, problems
    assert f"{p}:2: invalid JSON" in text
    assert f"{p}:4: \"question\" is missing" in text
    assert f"{p}:5: \"answerable\" is missing or not true/false (got 'yes')" in text
    assert f"{p}:6: \"must_include\"[0] must be a non-empty string" in text
    assert f"{p}:7: \"history\"[0] must be" in text
    assert f"{p}:8: expected a JSON object" in text
    assert ":1:" not in text and ":3:" not in text


def test_duplicate_ids_missing_file_and_empty_set(tmp_path):
    p = _write(tmp_path, ['{"id": "a", "question": "Q1", "answerable": false}',
                          '{"id": "a", "question": "Q2", "answerable": false}'])
    with pytest.raises(DatasetError, match=r"set.jsonl:2: duplicate id 'a' \(first on line 1\)"):
        load_set(p)
    with pytest.raises(DatasetError, match="no such file"):
        load_set(tmp_path / "missing.jsonl")
    with pytest.raises(DatasetError, match="no questions found"):
        load_set(_write(tmp_path, ["# only a comment", ""]))


def test_lenient_parts_of_the_format(tmp_path):
    """Optional fields, int page labels, comments, unknown fields and a lone string are accepted."""
    warnings: list[str] = []
    items = load_set(_write(tmp_path, [
        "# a comment",
        '// another comment',
        '{"question": "Q1", "answerable": true, "expected_sources": "paper.pdf", "expected_pages": [4, "iv"], '
        '"category": "numbers", "difficulty": 2}',
        '{"question": "Q2", "answerable": true, "target_paper": " covidqa_630.txt "}',
        '{"question": "Q3", "answerable": false, "expected_sources": ["x.pdf"]}',
    ]), warnings)
    assert [i.target_paper for i in items] == ["", "covidqa_630.txt", ""] and items[1].extra == {}
    assert [i.line for i in items] == [3, 4, 5]
    assert items[0].expected_sources == ["paper.pdf"] and items[0].expected_pages == ["4", "iv"]
    assert items[0].extra == {"category": "numbers", "difficulty": 2} and items[0].id == "line3"
    assert any(":4:" in w and "not counted in retrieval" in w for w in warnings)
    assert any(":5:" in w and "ignored" in w for w in warnings)


def test_a_set_saved_with_a_byte_order_mark_and_crlf_loads(tmp_path):
    """Windows editors save UTF-8 with a BOM: line 1 was "invalid JSON (Unexpected UTF-8 BOM)"."""
    p = tmp_path / "set.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + b'{"question": "Q1", "answerable": true}\r\n{"question": "Q2", "answerable": false}\r\n')
    assert [i.question for i in load_set(p)] == ["Q1", "Q2"]


@dataclass
class _Reg:
    path: str
    title: str


def test_source_resolver_accepts_ids_file_names_stems_and_titles():
    r = SourceResolver.from_registry({
        "fixture-paper": _Reg("/x/corpus/paper.pdf", "More than a mandate?"),
        "000-4b2cc08eca4313f9": _Reg("/x/corpus/000_4b2cc08eca4313f9.txt", "Publication"),
        "holvikivi-2019": _Reg("/x/corpus/holvikivi-2019.pdf", "Mandate rituals"),
    })
    assert r.resolve("fixture-paper") == r.resolve("paper.pdf") == r.resolve("PAPER") == "fixture-paper"
    assert r.resolve("000_4b2cc08eca4313f9.txt") == r.resolve("000-4b2cc08eca4313f9") == "000-4b2cc08eca4313f9"
    assert r.resolve("corpus/holvikivi-2019.pdf") == r.resolve("Mandate rituals") == "holvikivi-2019"
    assert r.resolve("nowhere.pdf") is None and r.unresolved == {"nowhere.pdf"}
    assert r.expected(["paper.pdf", "fixture-paper", "nowhere.pdf"]) == ["fixture-paper", "?nowhere.pdf"]
    entries = page_entries(r, ["fixture-paper", "holvikivi-2019"], ["4", "holvikivi-2019.pdf:2"])
    assert entry_hit(entries[0], "fixture-paper", "4") and entry_hit(entries[0], "holvikivi-2019", "4")
    assert entry_hit(entries[1], "holvikivi-2019", "2") and not entry_hit(entries[1], "fixture-paper", "2")
    assert entry_hit(page_entries(r, [], ["7"])[0], "anything", "7")


def test_phrase_matching_ignores_case_space_dashes_and_quotes():
    assert contains("lasted a median of 3\nhours within", "3 HOURS")
    assert contains("a ‘mandate ritual’ – in practice", "'mandate ritual' - in")
    assert not contains("30 hours", "3 hours")


def test_metric_arithmetic():
    assert recall_at(["a", "b", "c"], ["c", "d"], 1) == 0.0
    assert recall_at(["a", "b", "c"], ["c", "d"], 3) == 0.5
    assert recall_at(["a"], [], 5) is None
    assert reciprocal_rank(["a", "b", "c"], ["c", "b"]) == 0.5
    assert reciprocal_rank(["a"], ["z"]) == 0.0
    assert prf(0, 0, 5) == (None, 0.0, 0.0)
    assert prf(3, 1, 1) == (0.75, 0.75, 0.75)
    rec = lambda refused, **kw: {"refused": refused, "citations": [], "latency_ms": 10.0, "retrieval_ms": 5.0,  # noqa: E731
                                 "rr": kw.get("rr"), **{f"recall@{k}": kw.get("r") for k in (1, 5, 10)}}
    m = aggregate([rec(False, rr=1.0, r=1.0), rec(True, rr=0.5, r=0.0), rec(True), rec(False)],
                  [True, True, False, False])
    assert m["recall@5"] == 0.5 and m["mrr"] == 0.75
    assert (m["refusal_precision"], m["refusal_recall"], m["false_refusal_rate"]) == (0.5, 0.5, 0.5)
    assert "recall@5 (sources)" in table(m, m)


def test_refusal_sweep_maximises_f1_and_breaks_ties_towards_fewer_false_refusals():
    # refusing below 0.375 gives F1 0.8 (TP 2, FP 0); below 0.6 gives F1 6/7 (TP 3, FP 1): F1 wins
    evidence = [0.9, 0.8, 0.7, 0.45, 0.3, 0.2, 0.5]
    answerable = [True, True, True, True, False, False, False]
    best = sweep_refusal(evidence, answerable)
    assert best["f1"] == pytest.approx(6 / 7) and best["false_refusals"] == 1
    assert best["threshold"] == pytest.approx(0.6) and best["unanswerable_max"] == 0.5
    # refusing below 0.15 (TP 1, FP 0, FN 1) and below 0.45 (TP 2, FP 2, FN 0) both give F1 2/3:
    # the tie goes to fewer false refusals
    tie = sweep_refusal([0.1, 0.2, 0.3, 0.4, 0.9], [False, True, True, False, True])
    assert tie["f1"] == pytest.approx(2 / 3) and tie["false_refusals"] == 0 and tie["threshold"] == pytest.approx(0.15)


def test_refusal_sweep_counts_refusals_of_other_rules_at_every_threshold():
    # the 0.6 question is refused by another rule (e.g. an unknown name): it moves no cut and is always a TP
    evidence = [0.1, 0.6, 0.4, 0.8]
    answerable = [False, False, True, True]
    best = sweep_refusal(evidence, answerable, forced=[False, True, False, False])
    assert best["f1"] == 1.0 and best["false_refusals"] == 0 and best["forced"] == 1
    assert best["threshold"] == pytest.approx(0.25)  # midway between 0.1 and 0.4: 0.6 is ignored


def test_verifier_sweep_and_altered_figures():
    best = sweep_verifier([1.0, 0.8, 0.6, 0.4, 0.3, 0.62], [True, True, True, False, False, False])
    assert best["unsupported_passed"] + best["supported_flagged"] == 1
    assert alter_figures("9 of the 27 curricula, 1.9 times") == "16 of the 34 curricula, 1.2 times"
    assert alter_figures("no figures") == "no figures"


def test_report_is_json_serialisable_shape():
    from app.eval.cli import _clean

    assert json.loads(json.dumps(_clean({"a": float("nan"), "b": [1.23456, None]}))) == {"a": None, "b": [1.2346, None]}


def test_citing_sentence_is_the_one_before_each_marker():
    from app.eval.runner import cited_claims

    quote_style = cited_claims("First quoted sentence here. [1] Second quoted sentence. [2]")
    assert quote_style == {1: ["First quoted sentence here."], 2: ["Second quoted sentence."]}
    llm_style = cited_claims("An uncited opening. The claim itself [1, 3]. Another claim [2].")
    assert llm_style == {1: ["The claim itself"], 3: ["The claim itself"], 2: ["Another claim"]}
    assert cited_claims("No markers at all.") == {}
