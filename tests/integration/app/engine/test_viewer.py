"""The source viewer on a real index: only indexed files by id, the rendered highlight, text sections."""
from __future__ import annotations

import io
import os
import unicodedata

import pytest

from app.engine.viewer import DocumentUnavailable, SourceViewer
from tests.fixtures.simple_pdf import write_pdf

PDF_PAGES = ["Opening page of the viewer fixture about gender training.",
             "Mentors reinforce what trainers teach before deployment, and commanders who champion gender "
             "equality increase the uptake of training in every contingent of the mission."]
NOTE = ("1 Background\n\nGender focal points advise units on day-to-day questions.\n\n"
        "2 Findings\n\nFirst paragraph of the findings about refresher modules.\n\n"
        "Refresher modules help trainers sustain learning outcomes after deployment. They are short.\n\n"
        "3 Outlook\n\nMore research is needed on long-term effects.\n")


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A small real index: a PDF, a symlink to it, a text note, and a file the test will change."""
    from ingest.index.settings import Settings
    from ingest.index.store import Store
    from ingest.pipeline import run_ingest
    from tests.fixtures.fake_embedder import fake_embedder_installed

    root = tmp_path_factory.mktemp("viewer")
    corpus = root / "corpus"
    write_pdf(corpus / "study.pdf", PDF_PAGES, title="Viewer study")
    (corpus / "note.txt").write_text(NOTE, encoding="utf-8")
    (corpus / "changing.txt").write_text("This note will change after it was indexed.\n", encoding="utf-8")
    (corpus / "linked.pdf").write_bytes((corpus / "study.pdf").read_bytes())
    write_pdf(corpus / "report.txt", ["A PDF saved under a text name, about refresher courses for trainers."])
    settings = Settings(corpus_dir=corpus, db_dir=root / "db")
    with fake_embedder_installed():  # the viewer reads stored pages and files, never vectors
        report = run_ingest(settings, progress=False)
    assert not report.failed, report.failed
    # ingest refuses symlinks; one that replaces an indexed file afterwards must not be opened either
    (corpus / "linked.pdf").unlink()
    os.symlink(corpus / "study.pdf", corpus / "linked.pdf")
    store = Store(settings, create=False)
    ids = {os.path.basename(e.path): sid for sid, e in store.registry().items()}
    return settings, store, ids


def test_pdf_page_rendered_with_the_quote_highlighted(library):
    from PIL import Image, ImageChops

    from app.engine.viewer import highlight_png

    settings, store, ids = library
    viewer = SourceViewer(settings, store)
    page_text = viewer.page_text(ids["study.pdf"], 1)
    quote = "Mentors reinforce what trainers teach before deployment, and commanders who champion gender equality"
    assert quote in page_text
    view = viewer.open_page(ids["study.pdf"], 1, quote, page_text.index(quote))
    boxes = view.location.boxes
    assert len(boxes) == 2 and view.page_label == "2" and view.n_pages == 2  # the line wraps once
    shown = Image.open(io.BytesIO(view.png)).convert("RGB")
    assert shown.size == view.size_px == (round(595.28 * view.scale), round(841.89 * view.scale))
    # the same page without highlight: every changed pixel lies in a box, and most of each box changed
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(settings.corpus_dir / "study.pdf"))
    plain = Image.open(io.BytesIO(highlight_png(pdf[1].render(scale=view.scale).to_pil(), [], view.scale))).convert("RGB")
    pdf.close()
    diff = ImageChops.difference(shown, plain).convert("L").point(lambda v: 255 if v > 8 else 0)
    s = view.scale
    x0, y0, x1, y1 = diff.getbbox()
    assert x0 >= min(b[0] for b in boxes) * s - 4 and x1 <= max(b[2] for b in boxes) * s + 4
    assert y0 >= min(b[1] for b in boxes) * s - 3 and y1 <= max(b[3] for b in boxes) * s + 3
    for b in boxes:
        region = diff.crop(tuple(int(v * s) for v in b))
        assert region.histogram()[255] > 0.8 * region.size[0] * region.size[1]


def test_quote_not_on_the_page_shows_the_page_without_highlight(library):
    settings, store, ids = library
    view = SourceViewer(settings, store).open_page(ids["study.pdf"], 0, "Words that are printed nowhere at all.")
    assert view.location.boxes == [] and view.png.startswith(b"\x89PNG")


def test_text_source_shows_the_section_with_the_paragraph(library):
    settings, store, ids = library
    viewer = SourceViewer(settings, store)
    quote = "Refresher modules help trainers sustain learning outcomes after deployment."
    # a text without pages is stored as section/paragraph pages (ingest.parsers.pages): find the quote's
    i = next(i for i in range(5) if quote in (viewer.page_text(ids["note.txt"], i) or ""))
    page = viewer.page_text(ids["note.txt"], i)
    view = viewer.open_page(ids["note.txt"], i, quote, page.index(quote))
    assert view.section == "2 Findings"
    assert view.text[view.quote[0]:view.quote[1]] == quote
    para = view.text[view.paragraph[0]:view.paragraph[1]]
    assert para == quote + " They are short."
    assert "Gender focal points" not in view.text and "More research" not in view.text  # other sections
    assert "First paragraph of the findings" in view.text
    assert viewer.locate(ids["note.txt"], quote, page_index=i).boxes == []  # no boxes for text sources


def test_a_pdf_named_txt_is_shown_as_pages_and_a_text_source_is_named_as_such_by_locate(library, capsys):
    """The viewer chose by the file's suffix (ingest by its bytes): a PDF named .txt was shown as bare text."""
    from app.__main__ import main as app_cli

    settings, store, ids = library
    viewer = SourceViewer(settings, store)
    quote = "refresher courses for trainers"
    assert viewer.locate(ids["report.txt"], quote, page_index=0).boxes  # drawn on the page
    assert getattr(viewer.open_page(ids["report.txt"], 0, quote), "png", None)
    where = ["--db", str(settings.db_dir), "--corpus", str(settings.corpus_dir)]
    assert app_cli(["locate", "--source", ids["note.txt"], "--page-index", "0", "--quote", "Refresher", *where]) == 0
    assert "is a text document, not a PDF" in capsys.readouterr().out  # not "0.0 x 0.0 pt: quote not found"


@pytest.mark.parametrize("case", ["symlink", "unknown", "outside", "too_large", "changed"])
def test_only_indexed_files_of_the_corpus_are_opened(library, case, tmp_path):
    settings, store, ids = library
    sid = {"symlink": "linked.pdf", "outside": "study.pdf", "too_large": "study.pdf", "changed": "changing.txt"}
    source = ids.get(sid.get(case, ""), "no-such-source")
    if case == "outside":
        settings = settings.model_copy(update={"corpus_dir": tmp_path})
    if case == "too_large":
        settings = settings.model_copy(update={"max_file_mb": 0.0001})
    if case == "changed":
        (settings.corpus_dir / "changing.txt").write_text("Edited after indexing.\n", encoding="utf-8")
    expected = {"symlink": "symbolic links are not opened", "unknown": "is not in the library",
                "outside": "outside the corpus folder", "too_large": "MB cap", "changed": "changed since it was indexed"}
    viewer = SourceViewer(settings, store)
    with pytest.raises(DocumentUnavailable, match=expected[case]):
        viewer.open_page(source, 0, "anything")
    with pytest.raises(DocumentUnavailable, match=expected[case]):
        viewer.locate(source, "anything", page_index=0)


def test_engine_open_page_and_labels(engine, fixture_index):
    """Through the Engine (what the UI calls): roman front matter maps to physical page 0."""
    _, corpus = fixture_index
    truth = corpus.paper
    viewer = engine.viewer()
    assert viewer.labels("fixture-paper") == truth.labels
    assert viewer.page_index("fixture-paper", "i") == 0 and viewer.page_index("fixture-paper", "3") == 3
    quote, i = truth.column_crossing[0]
    view = engine.open_page("fixture-paper", i, quote)
    assert view.page_label == truth.labels[i] and len(view.location.boxes) >= 2
    loc = engine.locate("fixture-paper", unicodedata.normalize("NFC", quote), page_label=truth.labels[i])
    assert loc.boxes == view.location.boxes and loc.page_index == i


def test_close_up_strip_keeps_to_the_first_column():
    from app.engine.viewer import focus_strip

    down = [[56, 400, 270, 412], [56, 413, 270, 425], [56, 426, 120, 438]]
    assert focus_strip(down, 842) == (370, 468)
    crossing = [[56, 760, 270, 772], [307, 77, 530, 89]]  # runs on to the top of the next column
    assert focus_strip(crossing, 842) == (730, 802)
    assert focus_strip([], 842) is None


def test_document_javascript_never_runs(tmp_path):
    """A PDF with an OpenAction script: opened without a form environment, it is only rendered to pixels."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.actions import JavaScript

    from app.engine.locate import locate_pdf, open_pdf

    write_pdf(tmp_path / "plain.pdf", PDF_PAGES)
    w = PdfWriter(clone_from=PdfReader(tmp_path / "plain.pdf"))
    w.add_open_action(JavaScript("app.alert('document script ran'); this.getField('x');"))
    w.write(tmp_path / "js.pdf")
    assert b"/JavaScript" in (tmp_path / "js.pdf").read_bytes()
    pdf = open_pdf(tmp_path / "js.pdf")
    try:
        assert pdf.formenv is None  # no form environment: pdfium has nothing to run scripts in
    finally:
        pdf.close()
    assert locate_pdf(tmp_path / "js.pdf", 1, "Mentors reinforce what trainers teach").boxes
