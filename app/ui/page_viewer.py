""""Open at p. N": the cited source inside the app, at that page, with the quoted words marked.

PDF pages arrive from the engine as a PNG with the highlight already drawn (``Engine.open_page``);
text sources as the section's text with the quoted paragraph framed. Either way the browser gets
an image or escaped text, never the document: no document scripts, links or HTML can run.
A quote that cannot be located shows the page without a highlight and says so (never an error).
"""
from __future__ import annotations

import logging

import streamlit as st

from app.engine.records import page_place

from .text import escape_md, highlight_md, short_error

log = logging.getLogger("mandate.ui")


def open_button(engine, source_id: str, page_index: int, label: str, key: str, quote: str = "",
                quote_start: int | None = None) -> None:
    """The "Open at p. N" button ("Open at ¶ 3–9" for a text without pages); a click shows the page in a dialog."""
    if engine is None or not hasattr(engine, "open_page") or not source_id:
        return
    shown = str(label or "").strip() or str(int(page_index) + 1)
    if st.button(f"Open at {page_place(shown)}", key=f"open-{key}", icon=":material/find_in_page:",
                 help="Show this page of the source here, with the quoted words highlighted"):
        _dialog(engine, source_id, int(page_index), shown, quote or "", quote_start)


@st.dialog("Source page", width="large")
def _dialog(engine, source_id: str, page_index: int, label: str, quote: str, quote_start: int | None) -> None:
    with st.container(key="page-viewer"):
        show(engine, source_id, page_index, label, quote, quote_start)


def show(engine, source_id: str, page_index: int, label: str, quote: str = "", quote_start: int | None = None) -> None:
    """Draw the page (or section) of ``source_id`` with ``quote`` marked."""
    try:
        with st.spinner("Opening the page…"):
            view = engine.open_page(source_id, page_index, quote, quote_start, label)
    except Exception as exc:  # noqa: BLE001 - DocumentUnavailable says why; anything else: a short message
        if type(exc).__name__ != "DocumentUnavailable":
            log.exception("open page failed")
        st.warning(f"This source can't be shown here: {escape_md(short_error(exc))}", icon=":material/block:")
        return
    if hasattr(view, "png"):
        _pdf_page(view)
    else:
        _text_section(view)


def _pdf_page(view) -> None:
    st.markdown(f"**{escape_md(view.title or view.source_id)}** :gray-badge[p. {escape_md(view.page_label)}]")
    n = len(view.location.boxes)
    where = f"Page {view.page_index + 1} of {view.n_pages} of the file, printed as p. {escape_md(view.page_label)}"
    if n:
        st.caption(f"{where} · the quote is highlighted on {n} line{'s' if n > 1 else ''}")
    else:
        st.caption(f"{where} · the quoted words could not be located on this page, so nothing is highlighted")
    if view.focus_png:  # the marked lines first, where the eye lands; the whole page below
        st.image(view.focus_png, width="stretch", output_format="PNG", alt="Close-up of the highlighted lines")
        st.caption("The whole page:")
    st.image(view.png, width="stretch", output_format="PNG", alt=f"Page {view.page_label} of {view.title or view.source_id}")


def _text_section(view) -> None:
    st.markdown(f"**{escape_md(view.title or view.source_id)}**"
                + (f" · {escape_md(view.section)}" if view.section else ""))
    if view.note:
        st.caption(escape_md(view.note))
    text = view.text or ""
    if not view.paragraph:
        st.markdown(_paragraphs(text) or "*(no text on this page)*")
        return
    p0, p1 = view.paragraph
    if text[:p0].strip():
        st.markdown(_paragraphs(text[:p0]))
    with st.container(border=True, key="viewer-paragraph"):
        q = view.quote
        spans = [(q[0] - p0, q[1] - p0)] if q else []
        st.markdown(highlight_md(text[p0:p1], spans))
    if text[p1:].strip():
        st.markdown(_paragraphs(text[p1:]))


def _paragraphs(text: str) -> str:
    """Escaped text keeping its paragraph breaks."""
    return "\n\n".join(highlight_md(p, []) for p in text.split("\n\n") if p.strip())
