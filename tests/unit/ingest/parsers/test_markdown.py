"""Markdown files are cited as words: markup stripped, ATX and Setext headings found, headings kept apart."""
from __future__ import annotations

from ingest.parsers.markdown import markdown_text
from ingest.parsers.text import parse_text

DOC = """Gender training review
======================

Introduction
------------

Gender training is **delivered** because it is _mandated_; see [the report](https://example.org/r.pdf) \
and ![a chart](chart.png).
The method section below explains the `sample`.

## Method ##
We reviewed 64 sources.

> Quoted: commanders matter.

***

- a list item
---

```python
x = "**not emphasis**"
```

[r]: https://example.org/r.pdf
"""


def test_markup_is_stripped_and_headings_found(tmp_path):
    text, heads = markdown_text(DOC)
    assert heads == [("Gender training review", 1), ("Introduction", 2), ("Method", 2)]
    assert "**" not in text.replace('"**not emphasis**"', "") and "](" not in text and "##" not in text
    assert "=====" not in text and "Quoted: commanders matter." in text and ">" not in text.replace("->", "")
    assert "see the report and a chart." in " ".join(text.split())
    assert 'x = "**not emphasis**"' in text  # code keeps its text
    assert "https://example.org/r.pdf" not in text  # link targets and reference definitions are not words

    (tmp_path / "review.md").write_text(DOC, encoding="utf-8")
    doc = parse_text(tmp_path / "review.md")
    page = doc.pages[0].text
    assert doc.title == "Gender training review"
    # a heading is a paragraph of its own (not "Method We reviewed ...") and found where it stands, although the
    # word "method" occurs earlier
    assert "\n\nMethod\n\nWe reviewed 64 sources." in page
    method = next(h for h in doc.headings if h.title == "Method")
    assert page[method.offset:].startswith("Method\n\nWe reviewed") and method.level == 2
    assert [h.title for h in doc.headings] == ["Gender training review", "Introduction", "Method"]


def test_a_list_item_over_a_dash_line_is_no_heading_and_snake_case_keeps_its_underscores():
    text, heads = markdown_text("- item one\n---\n\nthe file_name and 2 * 3 * 4 stay\n")
    assert heads == [] and "file_name" in text and "2 * 3 * 4" in text
