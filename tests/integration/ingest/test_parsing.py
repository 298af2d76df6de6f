"""Parsing and chunking on real pypdf: the generated paper-like PDF and the real-world samples."""
from __future__ import annotations

import logging
import re
import shutil

import pytest

from ingest.chunking import chunk_pages, make_splitter
from ingest.errors import IngestError
from ingest.index.embedder import load_embeddings, tokenizer_of
from ingest.index.records import Source
from ingest.parsers.pdf import parse_pdf
from ingest.pipeline import run_ingest
from ingest.sources import sha256_file
from tests.fixtures.corpus import LOCKED_PASSWORD, make_bad_files, make_paper_pdf


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    path = tmp_path_factory.mktemp("paper") / "paper.pdf"
    truth = make_paper_pdf(path)
    return truth, parse_pdf(path)


def test_pages_and_labels(paper):
    truth, doc = paper
    assert len(doc.pages) == truth.n_pages
    assert [p.label for p in doc.pages] == truth.labels
    assert doc.pages[0].label == "i" and doc.pages[1].label == "1"


def test_known_sentences_are_on_their_page_exactly_once(paper):
    truth, doc = paper
    for sentence, page_index in truth.known_sentences:
        page = doc.pages[page_index].text
        assert page.count(sentence) == 1, (page_index, sentence)
        for other in doc.pages:
            if other.index != page_index:
                assert sentence not in other.text


def test_hyphenation_joined_and_running_lines_dropped(paper):
    truth, doc = paper
    text = " ".join(p.text for p in doc.pages)
    for joined in ("participation", "curricula", "commanders"):
        assert joined in text
    assert "parti- cipation" not in text and "parti-cipation" not in text
    header = truth.header_text
    assert all(header not in p.text for p in doc.pages)
    assert all(not p.text.rstrip().endswith(f"Page {p.label}") for p in doc.pages)


def test_footnotes_stay_on_their_page(paper):
    truth, doc = paper
    for note, page_index in truth.footnotes:
        probe = note[2:60] if note[:1].isdigit() else note[:60]
        assert probe in doc.pages[page_index].text, note


def test_outline_headings_in_order(paper):
    truth, doc = paper
    got = [(h.title, h.page_index) for h in doc.headings]
    assert got == truth.headings
    # each heading is located on its page (not defaulted to offset 0 unless it starts the page)
    for h in doc.headings:
        assert doc.pages[h.page_index].text[h.offset:].startswith(h.title)


def test_chunks_fit_the_window_and_point_into_pages(paper, tmp_path):
    truth, doc = paper
    emb = load_embeddings()
    tok = tokenizer_of(emb)
    src = Source("fixture-paper", truth.path, sha256_file(truth.path), "Paper", "paper")
    chunks = chunk_pages(src, doc.pages, doc.headings, make_splitter(tok, 200, 40))
    assert len(chunks) > len(doc.pages)
    for c in chunks:
        assert len(tok(c.text)["input_ids"]) <= 256  # incl. [CLS]/[SEP]: never truncated
        assert doc.pages[c.page_index].text[c.start:c.end] == c.text
        assert c.page_label == truth.labels[c.page_index]
    again = chunk_pages(src, doc.pages, doc.headings, make_splitter(tok, 200, 40))
    assert [c.chunk_id for c in again] == [c.chunk_id for c in chunks]
    # overlap inside long paragraphs, and no page text left out of every chunk
    same_page = [(a, b) for a, b in zip(chunks, chunks[1:]) if a.page_index == b.page_index]
    assert any(b.start < a.end for a, b in same_page)
    for page in doc.pages:
        covered = [False] * len(page.text)
        for c in chunks:
            if c.page_index == page.index:
                covered[c.start:c.end] = [True] * (c.end - c.start)
        assert all(ok or ch.isspace() for ok, ch in zip(covered, page.text)), page.index
    # sections follow the outline
    sentence, page_index = next((s, p) for s, p in truth.known_sentences if p == truth.headings[-2][1])
    holder = next(c for c in chunks if c.page_index == page_index and sentence[:40] in c.text)
    assert holder.section in {h for h, p in truth.headings}


def test_paragraphs_found_by_line_length_do_not_move_chunk_boundaries(paper):
    """The fixture PDF prints no blank line between paragraphs: its page text shows them, its chunks
    are cut exactly as on the same text without them."""
    from dataclasses import replace

    truth, doc = paper
    tok = tokenizer_of(load_embeddings())
    src = Source("fixture-paper", truth.path, sha256_file(truth.path), "Paper", "paper")
    assert sum(len(p.soft_breaks) for p in doc.pages) >= 10
    assert all(p.text[b:b + 2] == "\n\n" for p in doc.pages for b in p.soft_breaks)
    def as_before(text: str, breaks: tuple[int, ...]) -> str:  # what the cleaner gave before it found them
        for at in sorted(breaks, reverse=True):
            text = f"{text[:at]} {text[at + 2:]}"
        return text

    flat = [replace(p, text=as_before(p.text, p.soft_breaks), soft_breaks=()) for p in doc.pages]
    chunks = chunk_pages(src, doc.pages, doc.headings, make_splitter(tok, 200, 40))
    before = chunk_pages(src, flat, doc.headings, make_splitter(tok, 200, 40))
    assert [" ".join(c.text.split()) for c in chunks] == [" ".join(c.text.split()) for c in before]


def test_generated_bad_files(fake_embeddings, tmp_path, make_settings, caplog):
    caplog.set_level(logging.INFO, logger="ingest")  # library code logs; the CLI prints
    s = make_settings(corpus_dir=tmp_path / "bad")
    expected = make_bad_files(s.corpus_dir)
    report = run_ingest(s, progress=False)
    got = {r.path.rsplit("/", 1)[-1]: r for r in report.sources}
    for name, kind in expected.items():
        r = got[name]
        if kind == "ok":
            assert r.status == "added", (name, r.error)
        else:
            assert r.status == "failed" and r.error_kind == kind, (name, r.error_kind, r.error)
    err = caplog.text
    assert all(name in err for name, kind in expected.items() if kind != "ok")
    # with its password configured, the locked file is ingested
    s2 = make_settings(corpus_dir=s.corpus_dir, db_dir=tmp_path / "db2", pdf_password=LOCKED_PASSWORD)
    locked = {r.path.rsplit("/", 1)[-1]: r for r in run_ingest(s2, progress=False).sources}["locked.pdf"]
    assert locked.status == "added"


SAMPLE_EXPECTED = {
    "005-libreoffice-writer-password": "encrypted",
    "007-imagemagick-images": "needs_ocr",
    "017-unreadable-meta-data": "broken",
}


def test_every_shared_sample_is_classified(shared_dir):
    for pdf in sorted((shared_dir / "pdf-samples").glob("*/*.pdf")):
        expected = SAMPLE_EXPECTED.get(pdf.parent.name)
        if expected:
            with pytest.raises(IngestError) as exc:
                parse_pdf(pdf)
            assert exc.value.kind == expected and pdf.name in str(exc.value)
        else:
            doc = parse_pdf(pdf)
            assert doc.pages and any(p.text.strip() for p in doc.pages), pdf


def test_encrypted_sample_opens_with_configured_password(shared_dir):
    pdf = next((shared_dir / "pdf-samples" / "005-libreoffice-writer-password").glob("*.pdf"))
    doc = parse_pdf(pdf, passwords=["openpassword"])
    assert any(p.text.strip() for p in doc.pages)


def test_outline_and_multicolumn_samples(shared_dir):
    outline = parse_pdf(next((shared_dir / "pdf-samples" / "006-pdflatex-outline").glob("*.pdf")))
    assert [h.title for h in outline.headings][:3] == ["Foo", "Bar", "Baz"]
    multi = parse_pdf(next((shared_dir / "pdf-samples" / "026-latex-multicolumn").glob("*.pdf")))
    assert len(multi.pages) >= 2 and all("  " not in p.text for p in multi.pages)
    text = " ".join(p.text for p in multi.pages)  # pypdf gives "ﬁlled": ligatures are spelled out
    assert "two columns filled" in text and not re.search("[\ufb00-\ufb06]", text)


@pytest.mark.slow  # ingests every ../shared sample through the CLI
def test_samples_corpus_cli_acceptance(shared_dir, make_settings):
    s = make_settings()
    for pdf in (shared_dir / "pdf-samples").glob("*/*.pdf"):
        shutil.copy(pdf, s.corpus_dir / pdf.name)
    for seed in (shared_dir / "seeds").glob("*.txt"):
        shutil.copy(seed, s.corpus_dir / seed.name)
    r1 = run_ingest(s, progress=False)
    failed = {r.path.rsplit("/", 1)[-1]: r.error_kind for r in r1.failed}
    assert failed == {"libreoffice-writer-password.pdf": "encrypted", "imagemagick-images.pdf": "needs_ocr",
                      "unreadablemetadata.pdf": "broken"}
    r2 = run_ingest(s, progress=False)
    assert {r.status for r in r2.sources} == {"unchanged", "failed"} and r2.chunks_total == r1.chunks_total
