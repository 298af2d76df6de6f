"""Long texts without pages (TXT, MD, HTML) -> bounded "pages": one per section, long sections cut
between paragraphs.

A 50,000-character article used to be one page of ~100 chunks, so every citation said "p. 1" and
per-page work grew with the document. Here each page is one section's run of whole paragraphs (at
most ``max_chars`` unless a single paragraph is longer), labelled with where it sits
("§ 2 Methods, ¶ 1–6" or "¶ 14–21"), and ``para_base`` lets every chunk and quote name its own
paragraph number. Texts with form feeds keep their real pages.
"""
from __future__ import annotations

from ..index.records import Heading, Page, ParsedDocument

MAX_PAGE_CHARS = 2500


def _label(section: str, first: int, last: int) -> str:
    first = max(first, 1)
    paras = f"¶ {first}" if first >= last else f"¶ {first}–{last}"
    return f"§ {section}, {paras}" if section else paras


def paginate(doc: ParsedDocument, max_chars: int = MAX_PAGE_CHARS) -> ParsedDocument:
    """Split a one-page text document into section/paragraph pages; other documents are returned as is. A short one
    becomes one page of paragraphs ("¶ 1–12"), so its quotes are cited by paragraph, not as "p. 1"."""
    if len(doc.pages) != 1:
        return doc
    text = doc.pages[0].text
    heads = sorted((h for h in doc.headings if h.page_index == 0), key=lambda h: h.offset)
    # paragraphs with their offsets in the one page's text
    paras: list[tuple[int, int]] = []
    pos = 0
    for part in text.split("\n\n"):
        if part.strip():
            paras.append((pos, pos + len(part)))
        pos += len(part) + 2
    pages: list[Page] = []
    new_heads: list[Heading] = []
    hi = 0
    section, sec_para = "", 0  # current section title, paragraphs seen in it
    group: list[tuple[int, int]] = []
    group_base = 0

    def flush() -> None:
        nonlocal group
        if not group:
            return
        start, end = group[0][0], group[-1][1]
        pages.append(Page(index=len(pages), label=_label(section, group_base + 1, group_base + len(group)),
                          text=text[start:end], para_base=group_base))
        group = []

    for start, end in paras:
        starts_section = False
        while hi < len(heads) and heads[hi].offset < end:
            if heads[hi].offset >= start and len(text[start:end]) <= len(heads[hi].title) + 8:
                starts_section = True  # a heading that is (nearly) its whole paragraph ("## 2 Methods")
                title = heads[hi].title
            hi += 1
        if starts_section:
            flush()
            section, sec_para = title, 0
            if text[start:end].lstrip("# ").strip() == title.strip():
                sec_para = -1  # the heading's own paragraph is ¶ 0; the section's first paragraph is ¶ 1
            new_heads.append(Heading(len(pages), 0, title, next(h.level for h in heads if h.title == title)))
        if group and end - group[0][0] > max_chars:
            flush()
        if not group:
            group_base = sec_para
        group.append((start, end))
        sec_para += 1
    flush()
    return ParsedDocument(pages=pages, headings=new_heads, title=doc.title, warnings=doc.warnings)
