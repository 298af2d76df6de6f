"""Rendering of answers, source cards and passages. Corpus text always goes through escape_md.

Nothing here passes ``unsafe_allow_html``; the only markdown built from corpus text is
``escape_md``/``highlight_md`` output plus fixed Streamlit directives (badges, backgrounds).
"""
from __future__ import annotations

import mimetypes
import re
from pathlib import Path

import streamlit as st

from app.engine.match import WEAK, match_note
from app.engine.records import Filters, is_paragraph_label

from . import state
from .page_viewer import open_button
from .text import (
    escape_inline,
    escape_md,
    highlight_md,
    kind_label,
    page_md,
    page_number,
    place_md,
    quote_span,
    safe_url,
    term_spans,
)

_MARKER = re.compile(r"\[(\d+)\]")
KIND_BADGE = {"paper": ":blue-badge[paper]", "cited": ":violet-badge[cited source]"}


def kind_badge(kind: str) -> str:
    return KIND_BADGE.get(kind, f":gray-badge[{escape_md(kind_label(kind))}]")


def _with_markers(raw: str, known: set[int]) -> str:
    """Escaped text whose [n] markers (when they resolve to a citation) are shown in bold."""
    out, pos = [], 0
    for m in _MARKER.finditer(raw):
        if int(m.group(1)) not in known:
            continue
        before = raw[pos:m.start()]
        out.append(escape_inline(before))
        if before[-1:].isalnum():  # '**' right after a letter would not open bold
            out.append(" ")
        out.append(f"**\\[{m.group(1)}\\]**")
        pos = m.end()
    out.append(escape_inline(raw[pos:]))
    return "".join(out)


def answer_markdown(answer) -> str:
    """The answer text, escaped, with [n] markers and unverified sentences visibly marked."""
    text = answer.text or ""
    known = {c.n for c in answer.citations}
    spans = []
    for check in answer.verified:
        sent = check.text.strip()
        i = text.find(sent) if sent and not check.supported else -1
        if i >= 0:
            spans.append((i, i + len(sent)))
    parts, pos = [], 0
    for s, e in sorted(spans):
        if s < pos:
            continue
        parts.append(_with_markers(text[pos:s], known))
        parts.append(f":red-background[{_with_markers(text[s:e], known).strip()}] :red-badge[unverified]")
        pos = e
    parts.append(_with_markers(text[pos:], known))
    return "".join(parts).strip()


def verification_note(answer) -> str | None:
    """A caption about verification, e.g. '2 of 3 sentences verified against the cited passages'."""
    checks = answer.verified
    if not checks:
        return None
    ok = sum(1 for c in checks if c.supported)
    note = f"{ok} of {len(checks)} sentences verified against the cited passages"
    missing = [c for c in checks if not c.supported and c.text.strip() and c.text.strip() not in (answer.text or "")]
    if missing:  # an unsupported sentence we could not mark inline: name it
        note += " · unverified: " + " / ".join(escape_md(c.text) for c in missing)
    return note


def render_answer(answer, key: str, engine=None) -> None:
    """Everything under an assistant message: notice, text, verification, cards or passages."""
    if answer.notice:
        st.warning(escape_md(answer.notice), icon=":material/info:")
    if answer.refused:
        st.markdown(escape_md(answer.text))
        if answer.elsewhere:  # asked within one document; another answers it: one click asks there
            title = answer.elsewhere_title or answer.elsewhere
            st.button(f"Ask within “{escape_md(title)}”", key=f"{key}-elsewhere", icon=":material/arrow_forward:",
                      on_click=state.ask_later, args=(answer.question, Filters(source_id=answer.elsewhere), title))
        if answer.passages:
            st.caption("Closest passages (not enough to answer):")
            for i, p in enumerate(answer.passages):
                passage_card(p, key=f"{key}-p{i}", query=answer.standalone_query or answer.question)
        return
    st.markdown(answer_markdown(answer))
    strength = match_note(answer.match)
    if answer.match == WEAK:
        st.warning(strength, icon=":material/help:")
    elif strength:
        st.caption(f":material/rule: {strength}")
    note = verification_note(answer)
    if note:
        st.caption(note)
    if answer.citations:
        st.caption(f"Sources · {answer.mode} mode" + (f" · {escape_md(answer.model)}" if answer.model not in ("", "none") else ""))
        for c in answer.citations:
            citation_card(c, key=f"{key}-c{c.n}", engine=engine)


def citation_card(c, key: str, engine=None) -> None:
    with st.container(border=True, key=f"card-{key}"):
        st.markdown(f"**\\[{c.n}\\] {escape_md(c.title) or escape_md(c.source_id)}** {kind_badge(c.kind)} "
                    f":gray-badge[{place_md(c.locator, c.page)}]")
        context = c.passage_text or c.quote
        span = quote_span(context, c.quote)
        st.markdown(highlight_md(context, [span] if span else []))
        if c.continued:  # the quoted sentence runs on to the next page
            st.markdown(f"continues on p. {escape_md(c.continued_page)}: "
                        + highlight_md(c.continued, [(0, len(c.continued))]))
            open_button(engine, c.source_id, c.continued_page_index, c.continued_page, key=f"{key}-next",
                        quote=c.continued, quote_start=c.continued_start)
        if c.traces:
            st.caption("What the cited source says:")
            for j, t in enumerate(c.traces):
                trace_block(t, engine=engine, key=f"{key}-t{j}")
        document_links(engine, c.source_id, c.page_index, c.page, c.url, key, quote=c)


def trace_block(t, engine=None, key: str = "") -> None:
    head = escape_md(t.citation_text or t.reference)
    if getattr(t, "via", ""):
        head += " *(cited in the previous sentence)*"
    if t.ingested and t.quote:
        where = f"{escape_md(t.title)}, {page_md(t.page)}" if t.title else page_md(t.page)
        st.markdown(f"↳ {head} — {where}: “{escape_md(t.quote)}”")
    else:
        st.markdown(f"↳ {head} — *not in the library*" + (f": {escape_md(t.reference)}" if t.reference and t.citation_text else ""))
    url = safe_url(t.url)
    if url:
        st.markdown(f"[open the cited source]({url})")
    if t.ingested and t.source_id and t.page_index is not None and key:
        open_button(engine, t.source_id, t.page_index, t.page, key=key, quote=t.quote)


def passage_card(p, key: str, query: str = "", engine=None, ask: bool = False) -> bool:
    """A retrieved passage with the query's words highlighted; returns True when 'ask' was clicked."""
    clicked = False
    with st.container(border=True, key=f"passage-{key}"):
        st.markdown(f"**{escape_md(p.title) or escape_md(p.source_id)}** {kind_badge(p.kind)} "
                    f":gray-badge[{place_md(p.where, p.page_label)}]"
                    + (f" · {escape_md(p.section)}" if p.section else ""))
        st.markdown(highlight_md(p.text, term_spans(p.text, query)))
        cols = st.columns([1, 3]) if ask else None
        if ask:
            with cols[0]:
                clicked = st.button("Ask in chat", key=f"ask-{key}", icon=":material/chat:")
        if engine is not None:
            with cols[1] if ask else st.container():
                document_links(engine, p.source_id, p.page_index, p.page_label, p.url, key,
                               passage=(p.text, p.start))
    return clicked


def document_links(engine, source_id: str, page_index: int, label: str, url: str, key: str, quote=None,
                   passage: tuple[str, int] | None = None) -> None:
    """Ways to open the document at that page: the page here (quote marked), its text, the file, the URL."""
    if engine is None:
        return
    marked, marked_at = (quote.quote, quote.quote_start) if quote else passage or ("", None)
    open_button(engine, source_id, page_index, label, key=key, quote=marked, quote_start=marked_at)
    try:
        page = engine.page_text(source_id, page_index)
    except Exception:
        page = None
    if page:
        label = str(label or page_index + 1)
        with st.expander(f"{escape_md(label) if is_paragraph_label(label) else 'Page ' + escape_md(label)} — full text"):
            span = quote_span(page, quote.quote, quote.quote_start, quote.quote_end) if quote else None
            st.markdown(highlight_md(page, [span] if span else []))
    row = []
    link = safe_url(url)
    if link:
        row.append(f"[original at page {page_number(label, page_index)}]({link}#page={page_number(label, page_index)})"
                   if link.lower().split("?")[0].endswith(".pdf") else f"[original]({link})")
    if row:
        st.markdown(" · ".join(row))
    try:
        path = engine.source_path(source_id)
    except Exception:
        path = None
    if path:
        download_file(Path(path), key=f"dl-{key}",
                      label=f"Download {escape_md(Path(path).name)}")


def download_file(path: Path, key: str, label: str) -> None:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"

    def read() -> bytes:  # deferred: the bytes are read only when the button is clicked
        return path.read_bytes()

    st.download_button(label, data=read, file_name=path.name, mime=mime, key=key, on_click="ignore",
                       icon=":material/download:")
