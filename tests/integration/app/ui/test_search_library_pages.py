"""Search and Library pages under AppTest, the empty state, and upload + ingest of a generated PDF."""
from __future__ import annotations

import json

from tests.fixtures.simple_pdf import write_pdf

from .conftest import all_markdown, plain


def test_empty_index_shows_guidance_on_every_page(tmp_path, use_index, app_test):
    (tmp_path / "corpus").mkdir()
    use_index(tmp_path / "corpus", tmp_path / "db")
    at = app_test().run()
    assert not at.exception
    info = plain(at.info[0].value)
    assert "No documents are indexed yet" in info and "Library" in info and "python -m ingest" in info
    assert str(tmp_path / "corpus") in info
    assert not at.chat_input  # no chat on a missing index
    at.switch_page("ui/pages/search.py").run()
    assert not at.exception and "python -m ingest" in plain(at.info[0].value)
    at.switch_page("ui/pages/library.py").run()
    assert not at.exception and at.file_uploader and "upload them below" in plain(at.info[0].value)
    at.switch_page("ui/pages/onboarding.py").run()
    assert not at.exception and "No documents are indexed yet" in plain(at.info[0].value)


def test_search_filters_highlight_and_ask_in_chat(ui_index, use_index, app_test):
    use_index(*ui_index)
    at = app_test().run()
    at.switch_page("ui/pages/search.py").run()
    at.text_input(key="search_query").input("accountability mechanisms").run()
    assert not at.exception
    titles = [m.value for m in at.markdown if m.value.startswith("**")]
    assert "Field study of mission leadership" in plain(titles[0])
    assert any(":orange-background[Accountability mechanisms]" in m.value for m in at.markdown)
    at.radio(key="search_scope").set_value("paper").run()
    titles = [plain(m.value) for m in at.markdown if m.value.startswith("**")]
    assert titles and all("(test paper)" in t for t in titles)
    at.radio(key="search_scope").set_value("one").run()
    at.selectbox(key="search_doc").set_value("field-study").run()
    titles = [plain(m.value) for m in at.markdown if m.value.startswith("**")]
    assert titles and all("Field study" in t for t in titles)
    at.button(key="ask-s0").click().run()  # -> chat page, question asked within that document
    assert not at.exception
    msgs = at.session_state["messages"]
    assert msgs[0]["content"] == "accountability mechanisms" and msgs[0]["label"] == "Field study of mission leadership"
    assert msgs[1]["answer"] is not None
    assert {c.source_id for c in msgs[1]["answer"].citations} <= {"field-study"}
    assert "Asked within: Field study of mission leadership" in plain(all_markdown(at))


def test_search_renders_corpus_markup_escaped(ui_index, use_index, app_test):
    use_index(*ui_index)
    at = app_test().run()
    at.switch_page("ui/pages/search.py").run()
    at.text_input(key="search_query").input("gender advisers register").run()
    hit = next(m.value for m in at.markdown if "alert" in m.value)
    assert "\\<script\\>alert\\(1\\)\\<\\/script\\>" in hit
    assert "\\[link\\]\\(javascript\\:alert\\(1\\)\\)" in hit and "\\*\\*bold\\*\\*" in hit
    assert all(not m.proto.allow_html for m in at.markdown)


def test_library_table_and_failed_files(ui_index, use_index, app_test):
    use_index(*ui_index)
    db = ui_index[1]
    report = json.loads((db / "last_ingest.json").read_text()) if (db / "last_ingest.json").exists() else None
    at = app_test().run()
    at.switch_page("ui/pages/library.py").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert set(df["title"]) >= {"More than a mandate? (test paper)", "Field study of mission leadership"}
    assert set(df["status"]) == {"ingested"}
    assert report is None or all(s["status"] != "failed" for s in report["sources"])


def test_upload_and_ingest_then_chat(tmp_path, use_index, app_test, monkeypatch):
    corpus, db = tmp_path / "corpus", tmp_path / "db"
    corpus.mkdir()
    use_index(corpus, db)
    monkeypatch.setenv("MANDATE_MAX_FILE_MB", "1")
    pdf = write_pdf(tmp_path / "upload.pdf", [
        "Gender focal points advise commanders on integrating gender perspectives into operations.",
        "Mobile training teams deliver refresher courses to deployed units every six months."],
        title="Focal points handbook")
    at = app_test().run()
    at.switch_page("ui/pages/library.py").run()
    at.file_uploader[0].set_value([("../../Focal points handbook.pdf", pdf.read_bytes(), "application/pdf"),
                                   ("fake.pdf", b"<html>not a pdf</html>", "application/pdf"),
                                   ("big.txt", b"x" * (1024 * 1024 + 10), "text/plain"),
                                   ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "application/pdf")]).run()
    at.button(key="add_ingest").click().run()
    assert not at.exception
    errors = " ".join(plain(e.value) for e in at.error)
    assert "fake.pdf refused: not a PDF" in errors and "big.txt refused" in errors and "1 MB limit" in errors
    assert sorted(p.name for p in corpus.iterdir()) == ["Focal_points_handbook.pdf", "broken.pdf"]
    assert at.warning and "Index updated: 2 pages" in at.warning[0].value and "1 file(s) failed" in at.warning[0].value
    df = at.dataframe[0].value
    rows = {t: (st, pr) for t, st, pr in zip(df["title"], df["status"], df["problem"])}
    assert rows["Focal points handbook"] == ("ingested", "")
    assert rows["broken.pdf"][0] == "failed" and rows["broken.pdf"][1]
    assert any("broken.pdf: failed" in plain(m.value) for m in at.markdown)  # details of the last ingest
    at.switch_page("ui/pages/chat.py").run()
    at.chat_input[0].set_value("How often do mobile training teams deliver refresher courses?").run()
    assert not at.exception
    cards = [plain(m.value) for m in at.markdown if m.value.startswith("**\\[1\\]")]
    assert cards and "Focal points handbook" in cards[0] and "p. 2" in cards[0]
