"""HTML, plain text and Markdown -> pages (a text document is one page; form feeds split pages)."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from ..errors import BrokenFile, EmptyDocument
from ..index.records import Heading, Page, ParsedDocument
from .clean import normalise
from .markdown import markdown_text
from .registry import is_markdown
from .sniff import bom_encoding, decode_bytes, html_charset

_DROP_TAGS = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button", "template"}
_BLOCKS = {"p", "div", "section", "article", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "blockquote", "pre"}


def read_text(path: Path) -> str:
    """A text file's characters, decoded in the sniffer's order (``sniff.decode_bytes``: byte-order mark, UTF-8, the
    charset an HTML page declares, Windows-1252)."""
    data = path.read_bytes()
    wide = bom_encoding(data)
    if not wide and b"\x00" in data[:4096]:
        raise BrokenFile(path, "binary content in a text file")
    got = decode_bytes(data, html_charset(data))
    if got is None:
        raise BrokenFile(path, f"not {wide.upper()} text despite its byte-order mark" if wide else
                         "text is neither UTF-8 nor Windows-1252")
    return got[0]


def _paragraphs(text: str) -> str:
    """Plain text: blank lines separate paragraphs, single line breaks are soft."""
    return normalise(text)


def _text_headings(page_index: int, raw: str, text: str, marked: list[tuple[str, int]]) -> list[Heading]:
    """Headings of a page: Markdown's own (``marked``), and numbered lines ("3.2 Method") in any text."""
    found = list(marked)
    for line in raw.splitlines():
        s = line.strip()
        if re.match(r"^\d{1,2}(\.\d+)*\.?\s+[A-Z][^.!?,]{2,80}$", s) and not re.search(r"\b(19|20)\d\d\b", s):
            if s not in {t for t, _ in marked}:
                found.append((s, 1))
    heads, pos = [], 0
    for title, level in found:
        # a Markdown heading is a paragraph of its own, after the one before it ("Method" may be a word earlier on)
        m = re.compile(r"(?:^|\n\n)(" + re.escape(title) + r")(?=\n\n|$)").search(text, pos) if (title, level) in marked else None
        off = m.start(1) if m else text.find(title)
        if title and off >= 0:
            heads.append(Heading(page_index, off, title, level))
            pos = off + len(title) if m else pos
    return sorted(heads, key=lambda h: h.offset)


def parse_text(path: Path) -> ParsedDocument:
    raw = read_text(path)
    markdown = is_markdown(path.suffix)
    pages, headings = [], []
    for i, part in enumerate(raw.split("\f")):
        part, marked = markdown_text(part) if markdown else (part, [])
        text = _paragraphs(part)
        pages.append(Page(index=i, label=str(i + 1), text=text))
        headings += _text_headings(i, part, text, marked)
    if not any(p.text for p in pages):
        raise EmptyDocument(path, "no text")
    title = next((h.title for h in headings if h.level == 1), "")
    return ParsedDocument(pages=pages, headings=headings, title=title)


class _Extractor(HTMLParser):
    """One linear pass over the tag stream: text of the page (blocks separated by blank lines),
    of its first <main> and first <article>, the <title> and h1-h3 headings. No tree is built."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: dict[str, list[str]] = {"all": [], "main": [], "article": []}
        self.seen = {"main": False, "article": False}
        self.inside = {"main": 0, "article": 0}
        self.done = {"main": False, "article": False}
        self.drop = 0
        self.title: list[str] = []
        self.in_title = False
        self.head: list | None = None  # [name, [text], regions] while inside h1-h3
        self.heads: list[tuple[str, str, set[str]]] = []

    def _regions(self) -> list[str]:
        return ["all"] + [r for r in ("main", "article") if self.inside[r] and not self.done[r]]

    def _emit(self, text: str) -> None:
        for r in self._regions():
            self.parts[r].append(text)

    def handle_starttag(self, tag, attrs):
        if tag in _DROP_TAGS:
            self.drop += 1
            return
        if tag == "title" and not self.drop and not self.title:
            self.in_title = True
        if tag in self.inside and not self.done[tag]:
            self.inside[tag] += 1
            self.seen[tag] = True
        if self.drop:
            return
        if tag in _BLOCKS:
            self._emit("\n\n")
        if tag in ("h1", "h2", "h3") and self.head is None:
            self.head = [tag, [], set(self._regions())]

    def handle_startendtag(self, tag, attrs):
        if not self.drop and tag in _BLOCKS:
            self._emit("\n\n")

    def handle_endtag(self, tag):
        if tag in _DROP_TAGS:
            self.drop = max(0, self.drop - 1)
            return
        if tag == "title":
            self.in_title = False
        if self.drop:
            return
        if tag in _BLOCKS:
            self._emit("\n\n")
        if self.head is not None and tag == self.head[0]:
            self.heads.append((tag, " ".join("".join(self.head[1]).split()), self.head[2]))
            self.head = None
        if tag in self.inside and self.inside[tag]:
            self.inside[tag] -= 1
            self.done[tag] = self.inside[tag] == 0

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
            return
        if self.drop:
            return
        self._emit(data)
        if self.head is not None:
            self.head[1].append(data)


def parse_html(path: Path) -> ParsedDocument:
    """Main text of an HTML page in one linear pass (time grows with size, whatever the nesting)."""
    raw = read_text(path)
    ex = _Extractor()
    try:
        ex.feed(raw)
        ex.close()
    except Exception as exc:  # html.parser is lenient; anything it still raises is a broken page
        raise BrokenFile(path, f"broken HTML ({type(exc).__name__}: {exc})") from exc
    region = next((r for r in ("main", "article") if ex.seen[r] and "".join(ex.parts[r]).strip()), "all")
    title = " ".join("".join(ex.title).split())
    text = normalise("".join(ex.parts[region]))
    if not text:
        raise EmptyDocument(path, "HTML page has no main text")
    heads_raw = [(name, h) for name, h, regions in ex.heads if region in regions]
    if not title and heads_raw:
        title = heads_raw[0][1]
    headings = []
    for name, h in heads_raw:
        off = text.find(h)
        if h and off >= 0:
            headings.append(Heading(0, off, h, int(name[1])))
    return ParsedDocument(pages=[Page(0, "1", text)], headings=sorted(headings, key=lambda h: h.offset), title=title)
