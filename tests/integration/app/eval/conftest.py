"""A real index of the generated fixture corpus plus the seed page, built once per test session."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
SHARED = ROOT.parent / "shared"

DEV_SET = ROOT / "app" / "eval" / "sets" / "dev.jsonl"
SEED = SHARED / "seeds" / "000_4b2cc08eca4313f9.txt"


@pytest.fixture(scope="session")
def eval_index(tmp_path_factory) -> Path:
    """Index folder of paper.pdf + 3 cited-source PDFs (tests/fixtures/corpus.py) + the seed page."""
    if not SEED.is_file():
        pytest.skip("../shared is absent (a user's clone): the dev set needs the seed page ../shared/seeds")
    from ingest.index.settings import Settings
    from ingest.pipeline import run_ingest
    from tests.fixtures.corpus import build_fixture_corpus

    root = tmp_path_factory.mktemp("eval-index")
    corpus = root / "corpus"
    build_fixture_corpus(corpus)
    shutil.copy(SEED, corpus / SEED.name)
    report = run_ingest(Settings(corpus_dir=corpus, db_dir=root / "db"), progress=False)
    assert not report.failed, report.to_json()
    return root / "db"


@pytest.fixture(scope="session")
def eval_engine(eval_index):
    from app.engine import Engine
    from ingest.index.settings import Settings

    return Engine(Settings(db_dir=eval_index))


@pytest.fixture(scope="session")
def dev_report(eval_engine):
    """The dev set run once in quote mode, with the baseline (shared by the floor tests)."""
    from app.eval import load_set
    from app.eval.runner import run_eval

    items = load_set(DEV_SET)
    return items, run_eval(eval_engine, items, mode="quote", baseline=True)
