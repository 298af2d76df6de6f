"""A set's ``target_paper`` is the document a question is about: by default the question is asked with
that document in scope (as "Ask about this document" in the app), ``--library-wide`` asks the whole library."""
from __future__ import annotations

import json

import pytest

from app.eval.cli import main as eval_main

from .conftest import SEED

pytestmark = pytest.mark.slow  # builds the dev-set index

QUESTION = "What is the Elsie Initiative?"  # the paper and the seed page both speak of it


def _run(eval_index, tmp_path, capsys, *flags, target: str = SEED.name) -> dict:
    path = tmp_path / "set.jsonl"
    row = {"id": "elsie", "question": QUESTION, "answerable": True, "expected_sources": [SEED.name],
           "target_paper": target, "must_include_any": ["Elsie Initiative"]}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert eval_main(["--set", str(path), "--db", str(eval_index), "--json", "--quiet", *flags]) == 0
    return json.loads(capsys.readouterr().out)


def test_target_paper_scopes_ours_and_the_baseline(eval_index, tmp_path, capsys):
    out = _run(eval_index, tmp_path, capsys)
    row = out["per_question"][0]
    seed_id = row["expected_sources"][0]
    for system in ("ours", "baseline"):
        ranked = {r["source_id"] for r in row[system]["ranked"]}
        assert ranked == {seed_id}, (system, ranked)
    assert {c["source_id"] for c in row["ours"]["citations"]} == {seed_id}
    assert "target paper" in out["config"]["scope"]


def test_library_wide_ignores_the_target(eval_index, tmp_path, capsys):
    out = _run(eval_index, tmp_path, capsys, "--library-wide")
    row = out["per_question"][0]
    seed_id = row["expected_sources"][0]
    assert {r["source_id"] for r in row["ours"]["ranked"]} - {seed_id}  # the paper speaks of it too
    assert out["config"]["scope"] == "library"


def test_a_target_paper_not_in_the_index_is_named_as_such(eval_index, tmp_path, capsys):
    """It was reported as an "expected source" not in the index, though the question was then asked of the whole
    library: the warning now says which field named it and what was done instead."""
    out = _run(eval_index, tmp_path, capsys, target="no-such-paper.pdf")
    assert out["warnings"] == ["target_paper 'no-such-paper.pdf' is not in the index: its questions were asked of "
                               "the whole library"]
    row = out["per_question"][0]
    assert len({r["source_id"] for r in row["ours"]["ranked"]}) > 1  # the whole library
