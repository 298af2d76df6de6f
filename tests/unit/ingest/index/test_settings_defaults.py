"""Where the index and the corpus live by default: the repository's corpus/ (the one README names, with its
sources.toml) and .mandate/index beside it, wherever the settings module sits in the package."""
from __future__ import annotations

from pathlib import Path

from ingest.index.settings import Settings

REPO = Path(__file__).resolve().parents[4]


def test_the_default_corpus_is_the_repositorys_corpus_folder(monkeypatch):
    monkeypatch.delenv("MANDATE_CORPUS_DIR", raising=False)
    monkeypatch.delenv("MANDATE_DB_DIR", raising=False)
    s = Settings()
    assert s.corpus_dir == REPO / "corpus", "ingest/index/ moved: the default followed it to ingest/corpus"
    assert (s.corpus_dir / "sources.toml").is_file(), "the paper's manifest is read from the default corpus"
    assert s.db_dir == REPO / ".mandate" / "index"
    assert (REPO / "pyproject.toml").is_file() and (REPO / "README.md").is_file()


def test_the_environment_still_moves_them(monkeypatch, tmp_path):
    monkeypatch.setenv("MANDATE_CORPUS_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("MANDATE_DB_DIR", str(tmp_path / "db"))
    s = Settings()
    assert (s.corpus_dir, s.db_dir) == (tmp_path / "c", tmp_path / "db")
