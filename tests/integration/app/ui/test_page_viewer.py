"""'Open at p. N' under AppTest on a real index: the page image with its highlight, text sources escaped."""
from __future__ import annotations

from .conftest import all_markdown, plain


def dialog_elements(at, kind: str) -> list:
    """Elements of ``kind`` (e.g. "markdown", "image") inside the open dialog."""
    found: list = []

    def walk(node, inside: bool) -> None:
        inside = inside or getattr(node, "type", "") == "dialog"
        children = getattr(node, "children", None) or {}
        for child in children.values() if isinstance(children, dict) else children:
            if inside and getattr(child, "type", "") == kind:
                found.append(child)
            walk(child, inside)

    walk(at._tree, False)
    return found


def _open(at, label: str, within: str = ""):
    buttons = [b for b in at.button if b.label == label and within in b.key]
    assert buttons, [b.label for b in at.button]
    buttons[0].click()
    return at.run()


def test_answer_card_opens_the_cited_page_with_the_quote_highlighted(ui_index, use_index, app_test):

    use_index(*ui_index)
    at = app_test().run()
    at.chat_input[0].set_value("Who is the primary audience of the paper?")
    at.run()
    assert not [b for b in at.download_button if "then go to page" in b.label]
    at = _open(at, "Open at p. 1", within="m1-c")
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert "Page 1 of 3 of the file, printed as p. 1 · the quote is highlighted on 1 line" in captions
    images = dialog_elements(at, "image")
    assert len(images) == 2  # a close-up of the marked lines, then the whole page
    png = images[1].proto.imgs[0].url
    assert png.endswith(".png")  # as rendered: no lossy re-encoding of the highlight


def test_search_result_of_a_text_source_opens_its_section_escaped(ui_index, use_index, app_test):
    use_index(*ui_index)
    at = app_test().run()
    at.switch_page("ui/pages/search.py").run()
    at.text_input(key="search_query").set_value("gender advisers register").run()
    hit = next(i for i, m in enumerate(at.markdown) if "Note on gender advisers" in plain(m.value))
    assert hit >= 0
    labels = [b.label for b in at.button if "open-s" in b.key]
    assert "Open at ¶ 1–2" in labels, labels  # a text without pages is opened at its paragraphs, not "p. 1"
    at = _open(at, "Open at ¶ 1–2", within="open-s")
    assert not at.exception
    shown = [m.value for m in dialog_elements(at, "markdown")]
    assert shown and "Note on gender advisers" in plain(shown[0])
    marked = [v for v in shown if ":orange-background[" in v and "alert" in v]
    assert marked and "\\<script\\>alert\\(1\\)\\<\\/script\\>" in marked[-1]
    for m in at.markdown:
        assert not m.proto.allow_html
    assert "javascript:" not in all_markdown(at).replace("javascript\\:", "")


def test_fake_engine_without_a_viewer_shows_no_button(fake_engine, app_test):
    at = app_test().run()
    at.chat_input[0].set_value("What do gender advisers do?")
    at.run()
    assert not at.exception and not [b for b in at.button if b.label.startswith("Open at")]


def test_traced_source_opens_at_its_own_page(paper_index, use_index, app_test):
    use_index(*paper_index)
    at = app_test().run()
    at.chat_input[0].set_value("What did Holvikivi find about gender training as a mandate ritual?")
    at.run()
    traced = [b for b in at.button if b.key.startswith("open-m1-c") and "-t" in b.key]
    assert traced, [(b.label, b.key) for b in at.button]
    traced[0].click()
    at.run()
    assert not at.exception
    shown = plain("\n".join(m.value for m in dialog_elements(at, "markdown")))
    assert "Mandate rituals: gender training for peacekeepers in practice" in shown
    captions = [c.value for c in dialog_elements(at, "caption")]
    assert any("printed as p. 2 · the quote is highlighted on" in c for c in captions), captions


def test_onboarding_key_sentences_open_at_their_page(paper_index, use_index, app_test):
    use_index(*paper_index)
    at = app_test().run()
    at.switch_page("ui/pages/onboarding.py").run()
    assert not at.exception
    buttons = [b for b in at.button if b.key.startswith("open-onb-s")]
    assert buttons and all(b.label.startswith("Open at p. ") for b in buttons)
    buttons[0].click()
    at.run()
    captions = [c.value for c in dialog_elements(at, "caption")]
    assert any("the quote is highlighted on" in c for c in captions), captions


def test_a_quote_that_runs_on_to_the_next_page_shows_and_opens_both_pages(tmp_path, use_index, app_test):
    from tests.fixtures.simple_pdf import write_page_break_pdf

    from .conftest import _ingest

    corpus = write_page_break_pdf(tmp_path / "corpus")
    _ingest(corpus, tmp_path / "db")
    use_index(corpus, tmp_path / "db")
    at = app_test().run()
    at.chat_input[0].set_value("Which officers kept their knowledge gains a year after the course?")
    at.run()
    assert not at.exception
    cards = [m.value for m in at.markdown if m.value.startswith("**\\[") and ":gray-badge[pp. 1–2]" in m.value]
    assert cards, all_markdown(at)
    assert any(m.value.startswith("continues on p. 2: :orange-background[knowledge gains a year after")
               for m in at.markdown)
    at = _open(at, "Open at p. 2", within="-next")
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Page 2 of 2 of the file, printed as p. 2 · the quote is highlighted") for c in captions), captions
