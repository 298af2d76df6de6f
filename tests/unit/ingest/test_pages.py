"""Texts without pages are cut into section/paragraph pages, and chunks and quotes know their paragraph."""
from __future__ import annotations

from ingest.index.records import Heading, Page, ParsedDocument
from ingest.parsers.pages import paginate
from ingest.parsers.text import parse_text


def _doc(paragraphs: list[str], heads: list[tuple[int, str]] = ()) -> ParsedDocument:
    text = "\n\n".join(paragraphs)
    headings = [Heading(0, text.index(t), t, 1) for _, t in heads]
    return ParsedDocument(pages=[Page(0, "1", text)], headings=headings, title="T")


def test_long_text_without_headings_becomes_bounded_paragraph_pages():
    paras = [f"Paragraph {i} says something distinct about topic {i}. " * 8 for i in range(1, 41)]
    doc = paginate(_doc(paras), max_chars=2000)
    assert len(doc.pages) > 5
    assert all(len(p.text) <= 2000 for p in doc.pages)
    assert doc.pages[0].label.startswith("¶ 1–")
    # every paragraph is on exactly one page, in order, and para_base counts those before
    seen = 0
    for p in doc.pages:
        assert p.para_base == seen
        n = p.text.count("\n\n") + 1
        assert p.label == (f"¶ {seen + 1}–{seen + n}" if n > 1 else f"¶ {seen + 1}")
        seen += n
    assert seen == 40
    assert "\n\n".join(p.text for p in doc.pages) == "\n\n".join(paras)


def test_sections_restart_paragraph_numbers(tmp_path):
    md = tmp_path / "review.md"
    body = "Plain words about training go here. " * 3
    md.write_text(f"# Review\n\nIntro paragraph one.\n\n## 2 Methods\n\n{body}\n\n{body}\n\n## 3 Results\n\nResult one is clear.\n")
    doc = paginate(parse_text(md), max_chars=2500)
    labels = [p.label for p in doc.pages]
    assert any(lb.startswith("§ 2 Methods, ¶ 1–2") for lb in labels), labels
    assert any(lb.startswith("§ 3 Results, ¶ 1") for lb in labels), labels
    assert [h.title for h in doc.headings] == ["Review", "2 Methods", "3 Results"]
    assert all(h.offset == 0 for h in doc.headings)


def test_a_short_text_is_paragraphs_and_pdf_like_documents_keep_their_pages():
    """A short text without pages was one page "1", so every quote of it was cited as "p. 1" of a page never printed."""
    short = paginate(_doc(["One short paragraph.", "A second one."]))
    assert [(p.label, p.para_base) for p in short.pages] == [("¶ 1–2", 0)]
    two = ParsedDocument(pages=[Page(0, "1", "a" * 5000), Page(1, "2", "b")])
    assert paginate(two) is two
