"""HTML, plain text and Markdown -> pages (a text document is one page; form feeds split pages)."""
from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from .clean import normalise
from .errors import BrokenFile, EmptyDocument
from .records import Heading, Page, ParsedDocument

_DROP_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button", "template"]
_BLOCKS = ["p", "div", "section", "article", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "blockquote", "pre"]


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise BrokenFile(path, "binary content in a text file")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise BrokenFile(path, "text is neither UTF-8 nor Windows-1252")


def _paragraphs(text: str) -> str:
    """Plain text: blank lines separate paragraphs, single line breaks are soft."""
    return normalise(text)


def _text_headings(page_index: int, raw: str, text: str, markdown: bool) -> list[Heading]:
    heads = []
    for line in raw.splitlines():
        s = line.strip()
        if markdown and s.startswith("#"):
            title, level = s.lstrip("#").strip(), len(s) - len(s.lstrip("#"))
        elif re.match(r"^\d{1,2}(\.\d+)*\.?\s+[A-Z][^.!?,]{2,80}$", s) and not re.search(r"\b(19|20)\d\d\b", s):
            title, level = s, 1
        else:
            continue
        off = text.find(title)
        if title and off >= 0:
            heads.append(Heading(page_index, off, title, level))
    return heads


def parse_text(path: Path) -> ParsedDocument:
    raw = _read_text(path)
    markdown = path.suffix.lower() in {".md", ".markdown"}
    pages, headings = [], []
    for i, part in enumerate(raw.split("\f")):
        text = _paragraphs(part)
        pages.append(Page(index=i, label=str(i + 1), text=text))
        headings += _text_headings(i, part, text, markdown)
    if not any(p.text for p in pages):
        raise EmptyDocument(path, "no text")
    title = next((h.title for h in headings if h.level == 1), "")
    return ParsedDocument(pages=pages, headings=headings, title=title)


def parse_html(path: Path) -> ParsedDocument:
    raw = _read_text(path)
    soup = BeautifulSoup(raw, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    heads_raw = [(h.name, h.get_text(" ", strip=True)) for h in root.find_all(["h1", "h2", "h3"])]
    for tag in root.find_all(_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    text = normalise(root.get_text())
    if not text:
        raise EmptyDocument(path, "HTML page has no main text")
    if not title and heads_raw:
        title = heads_raw[0][1]
    headings = []
    for name, h in heads_raw:
        off = text.find(h)
        if h and off >= 0:
            headings.append(Heading(0, off, h, int(name[1])))
    return ParsedDocument(pages=[Page(0, "1", text)], headings=sorted(headings, key=lambda h: h.offset), title=title)
