"""Library page: coverage of the paper's reference list (M of N cited sources ingested, missing with links)."""
from __future__ import annotations

from ingest.index.settings import Settings

from .conftest import all_markdown


def test_library_shows_reference_coverage(paper_index, use_index, app_test):
    use_index(*paper_index)
    at = app_test().run()
    at.switch_page("ui/pages/library.py").run()
    assert not at.exception
    texts = [p.proto.text for p in at.get("progress")]
    assert any("3 of 12 cited sources ingested" in t for t in texts), texts
    assert "Missing (9)" in all_markdown(at) and "python -m ingest build" in all_markdown(at)
    table = next(d for d in at.dataframe if list(d.value.columns) == ["reference", "link", "what to do"]).value
    rows = {r["reference"].split(" (")[0]: r for r in table.to_dict("records")}
    assert len(rows) == 9 and all(r["link"] for r in rows.values())  # missing references come with their links
    assert rows["Carvalho, R., Ndlovu, S. and Haas, P."]["link"] == "https://doi.org/10.5555/jpos.2021.0092"
    assert all(r["what to do"].startswith("not fetched yet: run `python -m ingest build`") for r in rows.values())


def test_missing_table_shows_the_last_builds_reasons(paper_index, use_index, app_test, tmp_path):
    import json
    import shutil

    corpus, db = paper_index
    shutil.copytree(db, tmp_path / "db")
    (tmp_path / "db" / "last_build.json").write_text(json.dumps({"references": {"missing": [
        {"key": "carvalho2021", "reason": "HTTP 403: behind a login or paywall; download it yourself"}]}}))
    use_index(corpus, tmp_path / "db")
    at = app_test().run()
    at.switch_page("ui/pages/library.py").run()
    table = next(d for d in at.dataframe if "what to do" in d.value.columns).value
    todo = {r["reference"][:8]: r["what to do"] for r in table.to_dict("records")}
    assert todo["Carvalho"].startswith("HTTP 403: behind a login") and todo["Eriksen,"].startswith("not fetched yet")


def test_missing_rows_say_what_to_do_without_a_build(tmp_path):
    from app.ui.library_page import _missing_rows

    rows = _missing_rows([{"key": "holm2012", "text": "Holm, K. (2012). Training the trainers.", "url": ""},
                          {"key": "x2020", "text": "X (2020). Y.", "url": "javascript:alert(1)"}],
                         Settings(corpus_dir=tmp_path, db_dir=tmp_path / "db"))
    assert rows[0] == {"reference": "Holm, K. (2012). Training the trainers.", "link": None,
                       "what to do": "no URL or DOI: look it up by title and drop it in corpus/"}
    assert rows[1]["link"] is None and rows[1]["what to do"].startswith("not fetched yet")  # only http(s) links
