"""Locating quotes on generated PDFs: two columns, hyphen breaks, footnotes, ligatures, roman labels.

The truth is the layout that drew each PDF (tests/fixtures/layout.py knows which words went on
which printed line). For every box, the text pdfium finds inside it must be exactly the part of
the quote printed on that line.
"""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from app.engine.locate import find_quote, locate_pdf, text_in_box
from tests.fixtures.corpus import PAPER_ID, _paper_layout
from tests.fixtures.layout import Block, Geometry, Style, flow, page_model, render

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def expected_lines(layout_page, quote: str) -> list[str]:
    """The folded part of ``quote`` on each printed line it spans, in order (from the layout)."""
    hay, owner = "", []
    for n, (_, line) in enumerate(layout_page.lines()):
        f = fold(line.text)
        hay += f
        owner += [n] * len(f)
    q = fold(quote)
    a = hay.find(q)
    assert a >= 0, quote
    parts: dict[int, str] = {}
    for i in range(a, a + len(q)):
        parts[owner[i]] = parts.get(owner[i], "") + hay[i]
    return [parts[k] for k in sorted(parts)]


def assert_boxes_hold_lines(pdf: Path, page_index: int, quote: str, boxes: list, layout_page) -> list[str]:
    texts = [text_in_box(pdf, page_index, b) for b in boxes]
    assert [fold(t) for t in texts] == expected_lines(layout_page, quote), (quote, texts)
    for a, b in zip(boxes, boxes[1:]):  # one box per line: no two boxes overlap
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    return texts


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    from tests.fixtures.corpus import make_paper_pdf

    path = tmp_path_factory.mktemp("locate") / "paper.pdf"
    return path, make_paper_pdf(path)


def test_every_known_sentence_and_footnote_of_the_two_column_paper(paper):
    path, truth = paper
    layout, _ = _paper_layout()
    cases = truth.known_sentences + truth.footnotes
    assert truth.column_crossing and truth.hyphenated_sentences and truth.footnotes
    for quote, i in cases:
        loc = locate_pdf(path, i, quote)
        assert loc.boxes, quote
        assert_boxes_hold_lines(path, i, quote, loc.boxes, layout[i])
        assert (loc.width, loc.height) == (595.28, 841.89)
    crossing, i = truth.column_crossing[0]  # left column foot -> right column top: boxes in both columns
    boxes = locate_pdf(path, i, crossing).boxes
    assert boxes[0][0] < 300 < boxes[-1][0] and boxes[-1][1] < boxes[0][1]


def test_hyphen_break_is_one_quote_over_two_lines(paper):
    path, truth = paper
    layout, models = _paper_layout()
    quote, i = next((s, i) for s, i in truth.hyphenated_sentences if "full-time specialist" in s)
    assert "integrating" in quote and "integrating" in models[i].text  # joined in the cleaned text
    texts = assert_boxes_hold_lines(path, i, quote, locate_pdf(path, i, quote).boxes, layout[i])
    assert any(t.rstrip().endswith(("inte-", "inte\x02")) for t in texts) and any(t.startswith("grating") for t in texts)


def test_part_of_a_line_and_repeated_quotes(paper):
    path, truth = paper
    layout, models = _paper_layout()
    sentence, i = truth.known_sentences[5]
    words = sentence.split()
    part = " ".join(words[2:5])
    boxes = locate_pdf(path, i, part).boxes
    assert_boxes_hold_lines(path, i, part, boxes, layout[i])
    # "gender" occurs many times on the page: occurrence picks which one
    text = "".join(open_chars(path, i))
    first, third = find_quote(text, "gender"), find_quote(text, "gender", occurrence=2)
    assert first and third and third[0] > first[0]


def open_chars(path: Path, i: int) -> list[str]:
    from app.engine.locate import open_pdf, read_chars

    pdf = open_pdf(path)
    try:
        return read_chars(pdf[i]).chars
    finally:
        pdf.close()


def test_quote_that_is_not_on_the_page_gives_no_boxes(paper):
    path, truth = paper
    quote, i = truth.known_sentences[0]
    other = (i + 1) % truth.n_pages
    assert locate_pdf(path, other, quote).boxes == []
    assert locate_pdf(path, i, "").boxes == []
    assert locate_pdf(path, i, "Penguins of the Antarctic ice shelf migrate in winter.").boxes == []


def test_a_differing_character_inside_still_locates(paper):
    """pypdf and pdfium may disagree on a few characters (a footnote mark, an unmapped glyph)."""
    path, truth = paper
    layout, _ = _paper_layout()
    quote, i = next((s, i) for s, i in truth.hyphenated_sentences if "Nakamura" in s)
    damaged = quote.replace("surveyed", "surv\ufffdyed")
    boxes = locate_pdf(path, i, damaged).boxes
    texts = [fold(text_in_box(path, i, b)) for b in boxes]
    assert "".join(texts) == fold(quote)


@pytest.mark.skipif(not DEJAVU.exists(), reason="DejaVu Sans (fonts-dejavu-core) is not installed")
def test_ligatures_in_two_columns(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from ingest.parsers.pdf import parse_pdf

    pdfmetrics.registerFont(TTFont("DejaVuLig", str(DEJAVU)))
    body = Style(font="DejaVuLig", size=10.0, leading=13.0)
    text = " ".join(f"Sentence {k}: the ﬁrst ofﬁcers {'ﬁeld ' * (k % 5)}gave con~ﬁr~ma~tion of efﬁ~cient "
                    f"ﬂex~ible ﬁnd~ings." for k in range(60))
    pages = flow([Block("para", text, body)], Geometry(), 2, {})
    render(tmp_path / "lig.pdf", pages, Geometry(), header="Ligature fixture", footers=["1"] * len(pages),
           title="Ligatures", author="tests")
    model = page_model(pages[0])
    joined = {model.text[:j].rsplit("Sentence ", 1)[1].split(":")[0] for j, _, _ in model.joins}
    crossing = model.text[:model.area_starts[1]].rsplit("Sentence ", 1)[1].split(":")[0]
    assert joined and crossing
    cleaned = parse_pdf(tmp_path / "lig.pdf").pages[0].text
    assert "ﬁ" in cleaned or "fi" in cleaned
    for k in sorted(joined)[:3] + [crossing]:  # hyphen breaks inside ligature words; a column change
        quote = cleaned[cleaned.index(f"Sentence {k}:"):].split(".")[0] + "."
        for q in (quote, unicodedata.normalize("NFKC", quote)):  # as pypdf gives it, and ligatures expanded
            boxes = locate_pdf(tmp_path / "lig.pdf", 0, q).boxes
            assert len(boxes) >= 2
            assert_boxes_hold_lines(tmp_path / "lig.pdf", 0, q, boxes, pages[0])


def test_boxes_follow_the_page_rotation():
    """/Rotate turns the page clockwise when shown: boxes are given in the displayed page's points."""
    from app.engine.locate import PageChars, to_view

    box = (10.0, 780.0, 110.0, 790.0)  # near the top-left corner of an unrotated 600 x 800 page
    want = {0: [10, 10, 110, 20], 90: [780, 10, 790, 110], 180: [490, 780, 590, 790], 270: [10, 490, 20, 590]}
    for rot, expected in want.items():
        pc = PageChars([], [], (0.0, 0.0, 600.0, 800.0), rot)
        assert to_view(pc, box) == expected, rot
        assert pc.size == ((800.0, 600.0) if rot in (90, 270) else (600.0, 800.0))
    shifted = PageChars([], [], (50.0, 40.0, 650.0, 840.0), 0)  # a cropbox not at the origin
    assert to_view(shifted, (60.0, 820.0, 160.0, 830.0)) == [10, 10, 110, 20]


# -- through the index: page labels, the CLI --------------------------------------------------
def _cli(capsys, settings, *args) -> tuple[int, str, str]:
    from app.__main__ import main

    rc = main(["locate", *args, "--db", str(settings.db_dir), "--corpus", str(settings.corpus_dir)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_locate_json_by_printed_label(fixture_index, capsys):
    settings, corpus = fixture_index
    truth = corpus.paper
    layout, _ = _paper_layout()
    on_page_2 = [s for s, i in truth.hyphenated_sentences if truth.labels[i] == "2"]  # each over a hyphen break
    assert len(on_page_2) == 3 and truth.labels.index("2") == 2
    for quote in on_page_2:
        rc, out, _ = _cli(capsys, settings, "--source", PAPER_ID, "--page", "2", "--quote", quote, "--json")
        got = json.loads(out)
        assert rc == 0 and set(got) == {"source_id", "page_index", "page_label", "width", "height", "boxes"}
        assert (got["source_id"], got["page_index"], got["page_label"]) == (PAPER_ID, 2, "2")
        assert_boxes_hold_lines(truth.path, 2, quote, got["boxes"], layout[2])
    front, k = next((s, i) for s, i in truth.known_sentences if truth.labels[i] == "i")  # roman front matter
    rc, out, _ = _cli(capsys, settings, "--source", PAPER_ID, "--page", "i", "--quote", front, "--json")
    got = json.loads(out)
    assert rc == 0 and got["page_index"] == k == 0 and got["page_label"] == "i" and got["boxes"]
    assert_boxes_hold_lines(truth.path, 0, front, got["boxes"], layout[0])


def test_cli_locate_not_found_and_bad_input(fixture_index, capsys):
    settings, _ = fixture_index
    rc, out, _ = _cli(capsys, settings, "--source", PAPER_ID, "--page", "3", "--quote", "No such words here at all.",
                      "--json")
    assert rc == 0 and json.loads(out)["boxes"] == []
    rc, _, err = _cli(capsys, settings, "--source", PAPER_ID, "--page", "xiv", "--quote", "x")
    assert rc == 2 and "no page labelled 'xiv'" in err and "i, 1, 2" in err
    rc, _, err = _cli(capsys, settings, "--source", "nope", "--page", "1", "--quote", "x")
    assert rc == 2 and "'nope' is not in the library" in err
