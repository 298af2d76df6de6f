"""Page text -> chunks measured in the embedding model's own word pieces, with exact offsets.

A chunk never crosses a page (citations are page-exact) and never exceeds the model window
(a truncated chunk would be partly unsearchable).
"""
from __future__ import annotations

import bisect
import re

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .errors import ConfigError
from .index.embedder import MAX_SEQ_TOKENS
from .index.records import Chunk, Heading, Page, Source, chunk_id

SEPARATORS = ["\n\n", "\n", ". ", "; ", ", ", " ", ""]


def make_splitter(tokenizer, chunk_tokens: int, overlap_tokens: int) -> RecursiveCharacterTextSplitter:
    if chunk_tokens + 2 > MAX_SEQ_TOKENS:
        raise ConfigError(f"chunk_tokens={chunk_tokens} exceeds the embedding window ({MAX_SEQ_TOKENS - 2} + 2 special tokens)")
    if not 0 <= overlap_tokens < chunk_tokens:
        raise ConfigError("chunk_overlap_tokens must be >= 0 and smaller than chunk_tokens")
    return RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
        tokenizer, chunk_size=chunk_tokens, chunk_overlap=overlap_tokens,
        separators=SEPARATORS, keep_separator="end", strip_whitespace=True,
    )


def _locate(text: str, piece: str, start_from: int) -> int:
    """Offset of a split piece in the page text (exact, else whitespace-insensitive)."""
    i = text.find(piece, start_from)
    if i >= 0:
        return i
    i = text.find(piece)
    if i >= 0:
        return i
    pattern = r"\s+".join(re.escape(w) for w in piece.split())
    m = re.compile(pattern).search(text, start_from) or re.compile(pattern).search(text)
    return m.start() if m else -1


def _without_soft_breaks(page: Page) -> str:
    """The page text with its soft paragraph breaks as two spaces (same offsets): chunks are cut as before them."""
    text = page.text
    for at in page.soft_breaks:
        if text[at:at + 2] == "\n\n":
            text = f"{text[:at]}  {text[at + 2:]}"
    return text


def section_at(headings: list[Heading], page_index: int, offset: int) -> str:
    keys = [(h.page_index, h.offset) for h in headings]
    i = bisect.bisect_right(keys, (page_index, offset)) - 1
    return headings[i].title if i >= 0 else ""


def chunk_pages(source: Source, pages: list[Page], headings: list[Heading], splitter) -> list[Chunk]:
    chunks: list[Chunk] = []
    for page in pages:
        if not page.text.strip():
            continue
        cursor = 0
        for pos, piece in enumerate(splitter.split_text(_without_soft_breaks(page))):
            start = _locate(page.text, piece, cursor)
            if start < 0:
                continue
            end = start + len(piece)
            if page.text[start:end] != piece:  # whitespace-insensitive hit: take the exact span
                m = re.compile(r"\s+".join(re.escape(w) for w in piece.split())).match(page.text, start)
                end = m.end() if m else end
            cursor = start + 1
            chunks.append(Chunk(
                chunk_id=chunk_id(source.source_id, source.sha256, page.index, pos),
                source_id=source.source_id, source_hash=source.sha256, title=source.title,
                kind=source.kind, page_index=page.index, page_label=page.label,
                section=section_at(headings, page.index, start), start=start, end=end,
                position=pos, text=page.text[start:end], url=source.url,
                paragraph=(page.para_base + 1 + page.text.count("\n\n", 0, start)) if page.para_base is not None else 0,
            ))
    return chunks
