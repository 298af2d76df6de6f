"""Library page: coverage of the paper's reference list (M of N cited sources ingested, missing with links)."""
from __future__ import annotations

import pytest

from ingest.pipeline import run_ingest
from ingest.settings import Settings
from tests.fixtures.corpus import build_fixture_corpus

from .conftest import all_markdown


@pytest.fixture(scope="module")
def review_index(tmp_path_factory):
    base = tmp_path_factory.mktemp("review-index")
    build_fixture_corpus(base / "corpus")
    assert not run_ingest(Settings(corpus_dir=base / "corpus", db_dir=base / "db"), progress=False).failed
    return base / "corpus", base / "db"


def test_library_shows_reference_coverage(review_index, use_index, app_test):
    use_index(*review_index)
    at = app_test().run()
    at.switch_page("ui/pages/library.py").run()
    assert not at.exception
    texts = [p.proto.text for p in at.get("progress")]
    assert any("3 of 12 cited sources ingested" in t for t in texts), texts
    md = all_markdown(at)
    assert "example.org" in md or "doi.org" in md  # missing references come with their links
