"""Pure text helpers for the UI (no streamlit): markdown escaping and highlight markup.

Corpus text is untrusted. It is only ever shown through ``st.markdown`` *after* ``escape_md``
(every ASCII punctuation character backslash-escaped, which CommonMark renders literally), so
``<script>``, ``[x](javascript:...)``, ``**bold**``, ``:red[...]`` directives, ``$math$`` and
emoji shortcodes all show as the characters they are, and bare URLs stay text (``unlink``).
Never with ``unsafe_allow_html``.
"""
from __future__ import annotations

import re
from urllib.parse import urlparse

from app.engine.records import is_paragraph_label

WJ = "\u2060"  # WORD JOINER: zero-width, not a word character for the autolinker
_AUTOLINK_SCHEME = re.compile(r"(?i)(?<![a-z])(?:https?|ftp|mailto|xmpp):")
_AUTOLINK_WWW = re.compile(r"(?i)(www)(?=\.)")
_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_TOKEN = re.compile(r"[\w][\w'-]*", re.UNICODE)
STOPWORDS = frozenset(
    "a an and are as at be by for from has have how in is it its of on or that the this to was were what when "
    "where which who whom why with does do did can could should would will about into than then there their they "
    "them these those our we you your i me my".split())


def unlink(text: str) -> str:
    """Text in which GitHub-flavoured markdown finds no bare link: a zero-width WORD JOINER after
    ``http(s):``, ``www`` and ``@`` breaks autolink-literal detection (which runs on the unescaped
    text, so backslash escapes alone do not stop it). Links are only made from manifest URLs."""
    text = _AUTOLINK_SCHEME.sub(lambda m: m.group(0) + WJ, text)
    text = _AUTOLINK_WWW.sub(lambda m: m.group(1) + WJ, text)
    return text.replace("@", "@" + WJ)


def escape_inline(text: str) -> str:
    """Like ``escape_md`` but keeps (collapsed) leading/trailing spaces, for joining pieces."""
    flat = unlink(re.sub(r"\s+", " ", str(text)))
    return "".join("\\" + ch if ch in _PUNCT else ch for ch in flat)


def escape_md(text: str) -> str:
    """Text that st.markdown renders literally: punctuation escaped, whitespace flattened.

    Newlines become spaces (single line breaks mean nothing in markdown, and leading spaces or
    ``>``/``#`` at a line start would otherwise start code blocks, quotes or headings).
    """
    return escape_inline(text or "").strip()


def code_md(text: str) -> str:
    """``text`` as an inline code span (literal: no escapes, links or HTML inside; backticks dropped)."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


def highlight_md(text: str, spans: list[tuple[int, int]], color: str = "orange") -> str:
    """Escaped ``text`` with each (start, end) span wrapped in ``:{color}-background[...]``."""
    out: list[str] = []
    pos = 0
    for start, end in _merge(spans, len(text)):
        out.append(escape_inline(text[pos:start]))
        inner = escape_inline(text[start:end])
        core = inner.strip()
        if core:
            lead = " " if inner[:1] == " " else ""
            trail = " " if inner[-1:] == " " else ""
            out.append(f"{lead}:{color}-background[{core}]{trail}")
        pos = end
    out.append(escape_inline(text[pos:]))
    return "".join(out).strip()


def _merge(spans: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for s, e in sorted((max(0, s), min(n, e)) for s, e in spans):
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def quote_span(text: str, quote: str, start: int | None = None, end: int | None = None) -> tuple[int, int] | None:
    """Where ``quote`` sits in ``text``: the given offsets when they match, else a search."""
    if not text or not quote:
        return None
    if start is not None and end is not None and 0 <= start < end <= len(text) and text[start:end] == quote:
        return start, end
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    # whitespace may differ (passage text vs page text): match on a collapsed form
    words = quote.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.search(pattern, text)
    return (m.start(), m.end()) if m else None


def term_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Spans of the query's content words in ``text`` (case-insensitive, whole words)."""
    terms = {t.lower() for t in _TOKEN.findall(query or "") if len(t) > 2 and t.lower() not in STOPWORDS}
    if not terms:
        return []
    alt = "|".join(sorted((re.escape(t) for t in terms), key=len, reverse=True))
    spans: list[tuple[int, int]] = []
    for m in re.finditer(rf"(?<!\w)(?:{alt})\w*", text, flags=re.IGNORECASE):
        if spans and not text[spans[-1][1]:m.start()].strip():  # "primary audience" as one mark
            spans[-1] = (spans[-1][0], m.end())
        else:
            spans.append((m.start(), m.end()))
    return spans


def safe_url(url: str | None) -> str | None:
    """``url`` if it is a plain http(s) link, else None (no javascript:, data:, file: links)."""
    if not url:
        return None
    try:
        parsed = urlparse(url.strip())
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    if any(ch in url for ch in " \n\r\t<>\"'()[]"):
        return None
    return url.strip()


def page_number(label: str, page_index: int) -> int:
    """The 1-based physical page for a ``#page=N`` link (labels like 'iv' don't say it)."""
    return int(page_index) + 1


def kind_label(kind: str) -> str:
    return {"paper": "paper", "cited": "cited source"}.get(kind or "", kind or "document")


def short_error(exc: BaseException, limit: int = 240) -> str:
    """One line for the user: the exception's first line, clipped."""
    msg = (str(exc) or type(exc).__name__).strip().splitlines()[0]
    return msg if len(msg) <= limit else msg[: limit - 1] + "…"


def place_md(locator: str, page: str) -> str:
    """Where a quote is, Markdown-safe: the engine's locator ("p. 4, n. 1", "§ 2 Methods, ¶ 4") as is, else "p. <label>"."""
    for lead in ("p. ", "pp. "):  # "pp. 4–5": a sentence that runs on to the next page
        if locator.startswith(lead):
            return lead + escape_md(locator[len(lead):])
    return escape_md(locator) if locator else page_md(page)


def page_md(label: str) -> str:
    """A page as a reader names it, Markdown-safe: "p. 4" (the "p." unescaped), or "¶ 3–9" of a text without pages."""
    return escape_md(label) if is_paragraph_label(label) else "p. " + escape_md(label)
