"""Pure helpers of the UI: escaping, highlighting, links, upload checks, Markdown export."""
from __future__ import annotations

import os
import re

import pytest

from app.ui.export import conversation_markdown
from app.ui.text import escape_md, highlight_md, quote_span, safe_url, term_spans
from app.ui.uploads import check_upload, sanitize_name, save_upload

from .conftest import INJECTION
from .fakes import cited_answer

UNESCAPED = re.compile(r"(?<!\\)[<>\[\]()*_`#:$~|!]")


def test_escape_md_leaves_no_markup_active():
    out = escape_md(INJECTION + "\n    indented :red[x] $x$ ~~s~~ # h")
    assert not UNESCAPED.search(out), out
    assert "\\<script\\>" in out and "\\[link\\]\\(javascript\\:alert\\(1\\)\\)" in out and "\\*\\*bold\\*\\*" in out
    assert "\n" not in out


def test_highlight_wraps_only_the_quote():
    text = "First sentence. The quoted **one** [x](javascript:y). Last."
    span = quote_span(text, "The quoted **one** [x](javascript:y).")
    md = highlight_md(text, [span])
    assert md.startswith("First sentence\\. :orange-background[The quoted \\*\\*one\\*\\*")
    assert md.endswith("] Last\\.")
    inner = md[md.index("[") + 1: md.rindex("]")]
    assert not UNESCAPED.search(inner)


def test_quote_span_prefers_offsets_and_tolerates_whitespace():
    text = "a b. a b. c"
    assert quote_span(text, "a b.", 5, 9) == (5, 9)
    assert quote_span("x  alpha\nbeta y", "alpha beta") == (3, 13)
    assert quote_span("abc", "zzz") is None


def test_term_spans_merge_adjacent_words():
    text = "The primary audience is trainers; primary again."
    spans = term_spans(text, "Who is the primary audience?")
    assert [text[s:e] for s, e in spans] == ["primary audience", "primary"]


@pytest.mark.parametrize("url,ok", [("https://x.org/a.pdf", True), ("http://x.org", True), ("javascript:alert(1)", False),
                                    ("data:text/html,hi", False), ("file:///etc/passwd", False), ("", False),
                                    ("https://x.org/a)(b", False)])
def test_safe_url(url, ok):
    assert (safe_url(url) is not None) == ok


@pytest.mark.parametrize("name,expected", [("../../etc/passwd.txt", "passwd.txt"), ("..\\..\\win.PDF", "win.pdf"),
                                           (".hidden.md", "hidden.md"), ("Résumé 2024 (final).pdf", "Resume_2024_final.pdf"),
                                           ("a/b/<script>.html", "script.html"), ("...", "document")])
def test_sanitize_name(name, expected):
    assert sanitize_name(name) == expected


def test_check_upload_rejects_bad_input():
    assert check_upload("a.pdf", b"%PDF-1.7\n...", 1) is None
    assert "not a PDF" in check_upload("a.pdf", b"<html>fake</html>", 1)
    assert "unsupported" in check_upload("a.exe", b"MZ....", 1)
    assert "unsupported" in check_upload("a.docx", b"PK\x03\x04", 1)
    assert "over the" in check_upload("a.txt", b"x" * (1024 * 1024 + 1), 1)
    assert "empty" in check_upload("a.txt", b"", 1)
    assert check_upload("a.txt", b"%PDF-1.4 binary\x00", 1) is None  # the content decides: a PDF, parsed as one
    noise = bytes(b for b in range(1, 256) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)) * 40  # no NUL, valid cp1252
    assert "binary" in check_upload("notes.md", noise, 1)
    assert check_upload("a.md", "# Überschrift\n".encode(), 1) is None


def test_save_upload_stays_in_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    outside = tmp_path / "outside.txt"
    r = save_upload(corpus, "../outside.txt", b"hello", 1)
    assert r.status == "added" and r.path.parent == corpus.resolve() and not outside.exists()
    assert save_upload(corpus, "outside.txt", b"hello", 1).status == "duplicate"
    r2 = save_upload(corpus, "outside.txt", b"other", 1)
    assert r2.status == "added" and r2.path.name == "outside-2.txt"
    os.symlink(outside, corpus / "link.txt")  # a symlink planted in the corpus is never written through
    r3 = save_upload(corpus, "link.txt", b"through", 1)
    assert r3.path.name == "link-2.txt" and not outside.exists()
    assert not list(corpus.glob("*.part")) and not list(corpus.glob(".upload-*"))


def test_export_markdown_has_citations_and_flags():
    answer = cited_answer("What do advisers do?")
    md = conversation_markdown([{"role": "user", "content": "What do advisers do?"},
                                {"role": "assistant", "content": answer.text, "answer": answer},
                                {"role": "user", "content": "And then?"},
                                {"role": "assistant", "content": "", "answer": None, "error": "engine down"}])
    assert "## Q1. What do advisers do\\?" in md
    assert "**Sources** (generate mode):" in md
    assert "1. Note \\*\\*bold\\*\\* \\<b\\>title\\<\\/b\\> (cited source), pp. 7–8:" in md
    assert "gender advisers\\. \\<b\\>runs on\\<\\/b\\> to page 8\\.”" in md  # the sentence's second half, page 8
    assert "**Not verified against the sources:**\n- They also fly to the moon every week\\." in md
    assert "javascript" not in md.replace("javascript\\:", "")  # only as escaped text, never a link
    assert "*No answer: engine down*" in md
    assert "Smith \\(2019\\): Smith study, p. 3" in md
