"""Shared test fixtures: settings on temp folders, the ../shared samples, generated corpora."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "pdf-samples").is_dir():
        pytest.skip("../shared is absent (a user's clone): the real-world sample PDFs are not available")
    return SHARED


@pytest.fixture
def make_settings(tmp_path):
    """Settings pointing at a fresh corpus and index under tmp_path; keyword overrides win."""
    from ingest.settings import Settings

    def make(**kw):
        kw.setdefault("corpus_dir", tmp_path / "corpus")
        kw.setdefault("db_dir", tmp_path / "db")
        Path(kw["corpus_dir"]).mkdir(parents=True, exist_ok=True)
        return Settings(**kw)

    return make
