"""Leave-one-out refusal questions on the real fixture index: twins only where no other document answers,
and a twin's search never reaches its own document."""
from __future__ import annotations

import json

import pytest

from app.eval.cli import main as eval_main
from app.eval.dataset import EvalItem
from app.eval.leave_one_out import leave_one_out

pytestmark = pytest.mark.slow  # builds the dev-set index


def test_twins_only_for_answers_no_other_document_holds(eval_engine):
    unique = EvalItem("Which country launched the Elsie Initiative, and in what year?", True, expected_sources=["paper.pdf"],
                      must_include=["Canada", "2017"], id="elsie-launch")
    shared = EvalItem("What is the Elsie Initiative about?", True, expected_sources=["paper.pdf"],
                      must_include_any=["Elsie Initiative"], id="elsie")  # the seed page names it too
    no_gold = EvalItem("What is the review about?", True, expected_sources=["paper.pdf"], id="about")
    twins = leave_one_out([unique, shared, no_gold], eval_engine)
    assert [t.id for t in twins] == ["elsie-launch-loo"]
    t = twins[0]
    assert not t.answerable and t.exclude_source == "fixture-paper" and "leave-one-out" in t.tags
    assert t.must_include == [] and t.expected_sources == []


def test_cli_adds_twins_whose_search_leaves_their_document_out(eval_index, tmp_path, capsys):
    path = tmp_path / "set.jsonl"
    rows = [{"id": "elsie-launch", "question": "Which country launched the Elsie Initiative, and in what year?",
             "answerable": True, "expected_sources": ["paper.pdf"], "must_include": ["Canada", "2017"]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert eval_main(["--set", str(path), "--db", str(eval_index), "--json", "--quiet", "--no-baseline", "--leave-one-out"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {r["id"]: r for r in out["per_question"]}
    assert set(rows) == {"elsie-launch", "elsie-launch-loo"} and out["metrics"]["unanswerable"] == 1
    assert any(c["source_id"] == "fixture-paper" for c in rows["elsie-launch"]["ours"]["citations"])
    twin = rows["elsie-launch-loo"]["ours"]
    assert all(c["source_id"] != "fixture-paper" for c in twin["citations"])
    assert all(r["source_id"] != "fixture-paper" for r in twin["ranked"])
    assert any("leave-one-out: 1" in w for w in out["warnings"])


def test_wrong_paper_twins_ask_the_nearest_document_without_the_answer(eval_index, eval_engine, tmp_path, capsys):
    from app.eval.leave_one_out import source_texts, wrong_paper
    from app.eval.matching import holds_gold

    unique = EvalItem("Which country launched the Elsie Initiative, and in what year?", True, expected_sources=["paper.pdf"],
                      must_include=["Canada", "2017"], id="elsie-launch")
    [twin] = wrong_paper([unique], eval_engine)
    texts = source_texts(eval_engine)
    assert twin.id == "elsie-launch-wrong" and not twin.answerable and "wrong-paper" in twin.tags
    assert twin.target_paper not in ("", "fixture-paper") and twin.target_paper in texts
    assert not holds_gold(texts[twin.target_paper], unique.must_include, [], normalised=True)
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"id": "elsie-launch", "question": unique.question, "answerable": True,
                                "expected_sources": ["paper.pdf"], "must_include": ["Canada", "2017"]}) + "\n")
    assert eval_main(["--set", str(path), "--db", str(eval_index), "--json", "--quiet", "--no-baseline", "--wrong-paper"]) == 0
    out = json.loads(capsys.readouterr().out)
    row = {r["id"]: r for r in out["per_question"]}["elsie-launch-wrong"]["ours"]
    assert {r["source_id"] for r in row["ranked"]} == {twin.target_paper}
    assert out["metrics"]["unanswerable"] == 1 and any("wrong paper: 1 " in w for w in out["warnings"])
