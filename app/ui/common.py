"""Parts shared by all pages: the sidebar (mode, model, index stats) and the empty state."""
from __future__ import annotations

import streamlit as st

from . import nav, state
from .text import code_md, escape_md, short_error

MODES = {"quote": "Quote (no LLM, instant)", "generate": "Generate (LLM, verified)"}


def sidebar(handle: state.EngineHandle) -> None:
    s = state.settings()
    with st.sidebar:
        st.radio("Answer mode", list(MODES), index=list(MODES).index(s.mode), key="mode",
                 format_func=MODES.get,
                 help="Quote composes the answer from exact sentences of the sources. Generate lets a language "
                      "model write it; every sentence is then checked against the cited passages.")
        if handle.engine is None:
            st.caption("No index loaded yet.")
            return
        try:
            stats = handle.engine.stats()
        except Exception as exc:
            st.caption(f"Index stats unavailable: {escape_md(short_error(exc))}")
            return
        llm = stats.get("llm") or "none"
        st.caption(f"**Model for generate mode:** {escape_md(str(llm))}")
        c1, c2, c3 = st.columns(3)
        c1.metric("Sources", stats.get("sources", 0))
        c2.metric("Pages", stats.get("pages", 0))
        c3.metric("Chunks", stats.get("chunks", 0))
        st.caption(f"Embeddings: {escape_md(str(stats.get('embedding_model', '')))}  \n"
                   f"Index: {escape_md(str(stats.get('index', '')))}")
        if state.ingest_running():
            st.warning("Ingest running: chat paused.", icon=":material/hourglass_top:")


def engine_or_empty_state():
    """The engine, or None after showing what to do when there is no usable index yet."""
    handle = state.engine_handle()
    if handle.engine is None:
        empty_state(handle)
    return handle.engine


def empty_state(handle: state.EngineHandle) -> None:
    """No index (or it can't be opened): say exactly what to do, never a stack trace."""
    s = state.settings()
    if handle.not_ready:
        st.info("**No documents are indexed yet.** To start:\n\n"
                "1. Open the **Library** page, upload the paper and its sources (PDF, HTML, TXT or MD) and press "
                "**Add to the library and ingest**; or\n"
                f"2. put the files into {code_md(s.corpus_dir)} and run `python -m ingest` in a terminal, "
                "then press **Check again**.", icon=":material/menu_book:")
        if handle.error:
            st.caption(escape_md(handle.error))
    else:
        st.error(f"The index could not be opened: {escape_md(handle.error)}", icon=":material/error:")
        st.caption("If the index was built with other settings, rebuild it with `python -m ingest --rebuild` "
                   "or point MANDATE\\_DB\\_DIR at another folder.")
    c1, c2 = st.columns(2)
    with c1:
        st.page_link(nav.page("library"), label="Go to the Library page", icon=":material/upload:")
    with c2:
        if st.button("Check again", icon=":material/refresh:", key="check-again"):
            state.forget_engine()
            st.rerun()


def documents(engine) -> dict[str, str]:
    """{source id: "title (kind)"} of the library, for choosing one document (empty after an error)."""
    try:
        return {d["source_id"]: f"{d.get('title') or d['source_id']} ({d.get('kind', '')})" for d in engine.library()}
    except Exception as exc:
        st.error(f"Library unavailable: {escape_md(short_error(exc))}")
        return {}
