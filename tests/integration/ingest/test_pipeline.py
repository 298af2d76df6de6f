"""Ingest runs on real pypdf and embedded Chroma; the mechanics tests (statuses, counts, repairs) embed with the
deterministic fake embedder (tests/fixtures/fake_embedder.py), test_bad_files_named_and_rest_ingested with the real model."""
from __future__ import annotations

import json
import logging
import shutil

import pytest

from ingest.__main__ import main as cli
from ingest.check import check_index
from ingest.errors import IndexMismatch
from ingest.index.store import Store
from ingest.pipeline import run_ingest
from tests.fixtures.simple_pdf import synthetic_pages, write_pdf


def _snapshot(settings):
    store = Store(settings, create=False)
    got = store.chunks.get(include=["documents", "metadatas"])
    return {i: (d, m["page_label"], m["start"], m["end"]) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}


def _statuses(report):
    return {s.path.rsplit("/", 1)[-1]: s.status for s in report.sources}


def test_idempotent_update_delete(fake_embeddings, make_settings):
    s = make_settings()
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(1, 3), title="Doc A")
    write_pdf(s.corpus_dir / "b.pdf", synthetic_pages(2, 2), title="Doc B")
    (s.corpus_dir / "note.txt").write_text("Gender focal points advise commanders on gender perspectives.\n")
    r1 = run_ingest(s, progress=False)
    assert _statuses(r1) == {"a.pdf": "added", "b.pdf": "added", "note.txt": "added"}
    snap1 = _snapshot(s)
    assert len(snap1) == r1.chunks_total > 5
    titles = {m["title"] for m in Store(s).chunks.get(include=["metadatas"])["metadatas"]}
    assert {"Doc A", "Doc B"} <= titles

    r2 = run_ingest(s, progress=False)
    assert set(_statuses(r2).values()) == {"unchanged"}
    assert r2.chunks_embedded == 0 and _snapshot(s) == snap1

    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(3, 2), title="Doc A v2")  # changed content
    (s.corpus_dir / "b.pdf").unlink()
    r3 = run_ingest(s, progress=False)
    assert _statuses(r3) == {"a.pdf": "updated", "b.pdf": "removed", "note.txt": "unchanged"}
    snap3 = _snapshot(s)
    assert not any(i.startswith(tuple(k.split(":")[0] for k in snap1 if "-b:" in k)) for i in snap3)
    metas = Store(s).chunks.get(include=["metadatas"])["metadatas"]
    assert {m["source_id"] for m in metas} == {"a", "note"}
    assert {m["title"] for m in metas if m["source_id"] == "a"} == {"Doc A v2"}
    assert check_index(Store(s)) == []

    # a clean build of the same corpus gives exactly the same index
    clean = make_settings(db_dir=s.db_dir.parent / "clean")
    run_ingest(clean, progress=False)
    assert _snapshot(clean) == snap3


def test_bad_files_named_and_rest_ingested(make_settings, caplog):
    caplog.set_level(logging.INFO, logger="ingest")  # library code logs; the CLI prints
    s = make_settings(max_file_mb=0.05)
    write_pdf(s.corpus_dir / "good.pdf", synthetic_pages(4, 1))
    (s.corpus_dir / "empty.pdf").write_bytes(b"")
    (s.corpus_dir / "fake.pdf").write_text("this is not a pdf at all")
    (s.corpus_dir / "slides.pptx").write_bytes(b"PK\x03\x04junk")
    (s.corpus_dir / "huge.txt").write_text("word " * 20000)
    report = run_ingest(s, progress=False)
    by_name = {x.path.rsplit("/", 1)[-1]: x for x in report.sources}
    assert by_name["good.pdf"].status == "added"
    assert by_name["empty.pdf"].status == "failed" and by_name["empty.pdf"].error_kind in {"broken", "empty"}
    assert by_name["fake.pdf"].error_kind == "broken"
    assert by_name["slides.pptx"].error_kind == "unsupported" and ".pptx" in by_name["slides.pptx"].error
    assert by_name["huge.txt"].error_kind == "too_large" and "MB" in by_name["huge.txt"].error
    err = caplog.text
    for name in ("empty.pdf", "fake.pdf", "slides.pptx", "huge.txt"):
        assert name in err  # one clear line naming the file
    assert check_index(Store(s)) == []


def test_changed_to_broken_keeps_stored_version(fake_embeddings, make_settings):
    s = make_settings()
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(5, 2))
    run_ingest(s, progress=False)
    before = _snapshot(s)
    (s.corpus_dir / "a.pdf").write_bytes(b"%PDF-1.4 truncated garbage")
    report = run_ingest(s, progress=False)
    assert report.sources[0].status == "failed"
    assert _snapshot(s) == before  # nothing already stored is lost
    assert check_index(Store(s)) == []


def test_settings_mismatch_is_a_clear_error(fake_embeddings, make_settings):
    s = make_settings()
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(6, 1))
    run_ingest(s, progress=False)
    other = make_settings(chunk_tokens=120)
    with pytest.raises(IndexMismatch, match="--rebuild"):
        run_ingest(other, progress=False)
    assert cli(["--corpus", str(s.corpus_dir), "--db", str(s.db_dir), "--json"]) == 0
    rebuilt = run_ingest(other, progress=False, rebuild=True)
    assert rebuilt.chunks_total > 0


def test_cli_json_and_exit_codes(fake_embeddings, make_settings, capsys, monkeypatch):
    s = make_settings()
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(7, 2))
    (s.corpus_dir / "bad.pdf").write_text("nope")
    code = cli(["--corpus", str(s.corpus_dir), "--db", str(s.db_dir), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert set(out) >= {"sources", "chunks_total", "seconds"}
    row = {r["path"].rsplit("/", 1)[-1]: r for r in out["sources"]}
    assert set(row["a.pdf"]) >= {"path", "source_id", "status", "pages", "chunks", "error"}
    assert row["a.pdf"]["status"] == "added" and row["a.pdf"]["pages"] == 2 and row["a.pdf"]["error"] is None
    assert row["bad.pdf"]["status"] == "failed" and row["bad.pdf"]["error"]
    assert cli(["check", "--db", str(s.db_dir)]) == 0
    (s.corpus_dir / "bad.pdf").unlink()
    assert cli(["--corpus", str(s.corpus_dir), "--db", str(s.db_dir)]) == 0
    assert cli(["--corpus", str(s.corpus_dir / "missing"), "--db", str(s.db_dir)]) == 2
    assert cli(["--no-such-flag"]) == 2
    assert cli(["check", "--db", str(s.db_dir.parent / "nothing")]) == 2


def test_check_detects_orphans(fake_embeddings, make_settings):
    s = make_settings()
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(8, 1))
    run_ingest(s, progress=False)
    store = Store(s)
    store.chunks.upsert(ids=["zzz-orphan:p0:c0"], embeddings=[[0.1] * 384], documents=["x"],
                        metadatas=[{"source_id": "ghost", "source_hash": "0" * 64}])
    assert any("orphan" in p for p in check_index(store))
    run_ingest(s, progress=False)  # next run collects it
    assert check_index(Store(s)) == []


def test_same_file_under_two_names(fake_embeddings, make_settings):
    s = make_settings()
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(9, 2))
    shutil.copy(s.corpus_dir / "a.pdf", s.corpus_dir / "copy.pdf")
    report = run_ingest(s, progress=False)
    assert {x.status for x in report.sources} == {"added"}
    assert check_index(Store(s)) == []


def test_progress_callback_reports_parsing_and_embedding(fake_embeddings, make_settings):
    s = make_settings()
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(11, 3))
    write_pdf(s.corpus_dir / "b.pdf", synthetic_pages(12, 2))
    seen = []
    report = run_ingest(s, progress=False, on_progress=lambda *a: seen.append(a))
    parsing = [x for x in seen if x[0] == "parsing"]
    embedding = [x for x in seen if x[0] == "embedding"]
    assert [d for _, d, _ in parsing] == [0, 1] and all(t == 2 for _, _, t in parsing)
    assert embedding[-1][1] == embedding[-1][2] == report.chunks_embedded
    assert [d for _, d, _ in embedding] == sorted(d for _, d, _ in embedding)


def test_manifest_entries_without_their_file_are_named(fake_embeddings, make_settings, capsys):
    """A corpus holding only sources.toml said "0 sources" and nothing of the paper it lists."""
    s = make_settings()
    (s.corpus_dir / "sources.toml").write_text(
        '[[source]]\nid = "the-paper"\ntitle = "The paper"\nkind = "paper"\nfile = "the-paper.pdf"\n'
        'url = "https://example.org/the-paper.pdf"\n\n'
        '[[source]]\nid = "a-cited-work"\ntitle = "A cited work"\nurl = "https://example.org/cited"\n\n'
        '[[source]]\nid = "present"\ntitle = "Present"\nfile = "present.pdf"\n', encoding="utf-8")
    write_pdf(s.corpus_dir / "present.pdf", synthetic_pages(2, 3))
    lines: list[str] = []
    report = run_ingest(s, progress=False, log=lines.append)
    assert [m["id"] for m in report.missing] == ["the-paper", "a-cited-work"]
    assert report.to_json()["missing"][0] == {"id": "the-paper", "file": "the-paper.pdf",
                                             "url": "https://example.org/the-paper.pdf"}
    assert any("the-paper (the-paper.pdf)" in m and "python -m ingest fetch" in m for m in lines)
    assert [x.source_id for x in report.sources] == ["present"]
    assert cli(["--corpus", str(s.corpus_dir), "--db", str(s.db_dir)]) == 0
    captured = capsys.readouterr()
    assert "2 listed in sources.toml but not in the corpus" in captured.out
    assert "not in the corpus: a-cited-work (no file yet)" in captured.err


def test_a_manifest_file_outside_the_corpus_is_named_not_read(fake_embeddings, make_settings, tmp_path):
    """`file = "/home/me/x.pdf"` (absolute, or `../x.pdf`) exists, so it was neither reported missing nor ingested:
    the source silently vanished. Only the corpus folder is read; such an entry is named with what to do."""
    s = make_settings()
    outside = tmp_path / "elsewhere.pdf"
    write_pdf(outside, synthetic_pages(3, 2))
    write_pdf(s.corpus_dir / "present.pdf", synthetic_pages(2, 3))
    (s.corpus_dir / "sources.toml").write_text(
        f'[[source]]\nid = "absolute"\nfile = "{outside}"\n\n[[source]]\nid = "up"\nfile = "../elsewhere.pdf"\n\n'
        '[[source]]\nid = "present"\nfile = "present.pdf"\n', encoding="utf-8")
    lines: list[str] = []
    report = run_ingest(s, progress=False, log=lines.append)
    assert [m["id"] for m in report.missing] == ["absolute", "up"]
    assert [x.source_id for x in report.sources] == ["present"]
    assert sum("names a file outside the corpus folder" in m for m in lines) == 2, lines


def test_a_markdown_parser_change_re_ingests_markdown_files_only(fake_embeddings, make_settings, monkeypatch):
    """Markdown's cleaning has its own version: bumping it re-parses .md files, not every PDF of the library."""
    import ingest.index.store as store_module

    s = make_settings()
    (s.corpus_dir / "notes.md").write_text("# Notes\n\nCommanders endorse **gender training** in person.\n")
    (s.corpus_dir / "plain.txt").write_text("Refresher courses are repeated during deployment.\n")
    first = {r.path.rsplit("/", 1)[-1]: r.status for r in run_ingest(s, progress=False).sources}
    assert first == {"notes.md": "added", "plain.txt": "added"}
    monkeypatch.setattr(store_module, "MARKDOWN_VERSION", store_module.MARKDOWN_VERSION + 1)
    again = {r.path.rsplit("/", 1)[-1]: r.status for r in run_ingest(s, progress=False).sources}
    assert again == {"notes.md": "updated", "plain.txt": "unchanged"}
    text = "\n".join(Store(s, create=False).chunks.get(include=["documents"])["documents"])
    assert "**" not in text and "# Notes" not in text and "gender training" in text


def test_a_change_to_texts_without_pages_re_ingests_them_not_pdfs(fake_embeddings, make_settings, monkeypatch):
    """TEXT_VERSION covers TXT, Markdown and HTML (a short one became paragraphs, "¶ 1", instead of "p. 1")."""
    import ingest.index.store as store_module

    s = make_settings()
    (s.corpus_dir / "notes.md").write_text("# Notes\n\nCommanders endorse gender training in person.\n")
    (s.corpus_dir / "plain.txt").write_text("Refresher courses are repeated.\n\nMentors follow up in the field.\n")
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(11, 2))
    assert {r.status for r in run_ingest(s, progress=False).sources} == {"added"}
    labels = {m["page_label"] for m in Store(s, create=False).chunks.get(include=["metadatas"])["metadatas"]
              if m["source_id"] == "plain"}
    assert labels == {"¶ 1–2"}
    monkeypatch.setattr(store_module, "TEXT_VERSION", store_module.TEXT_VERSION + 1)
    again = {r.path.rsplit("/", 1)[-1]: r.status for r in run_ingest(s, progress=False).sources}
    assert again == {"notes.md": "updated", "plain.txt": "updated", "a.pdf": "unchanged"}
