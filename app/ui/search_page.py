"""Search: look up passages without any LLM; each result can be asked about in chat."""
from __future__ import annotations

import logging

import streamlit as st

from app.engine.records import Filters

from . import common, nav, state
from .render import passage_card
from .text import escape_md, short_error

log = logging.getLogger("mandate.ui")

SCOPES = {"all": "Everything", "paper": "The paper", "cited": "Cited sources", "one": "One document"}


def page() -> None:
    st.title("Search passages")
    engine = common.engine_or_empty_state()
    if engine is None:
        return
    if state.ingest_running():
        st.info("The library is being re-indexed; search is back as soon as the index is complete.",
                icon=":material/hourglass_top:")
        return
    query = st.text_input("Words or a question", key="search_query",
                          placeholder="e.g. pre-deployment training for police contributing countries")
    c1, c2 = st.columns([5, 1])
    with c1:
        scope = st.radio("Look in", list(SCOPES), format_func=SCOPES.get, horizontal=True, key="search_scope")
    with c2:
        k = st.number_input("Results", min_value=1, max_value=50, value=10, step=1, key="search_k")
    source_id, doc_title = None, ""
    if scope == "one":
        docs = common.documents(engine)
        if docs:
            source_id = st.selectbox("Document", list(docs), format_func=docs.get, key="search_doc")
            doc_title = docs.get(source_id, "")
        else:
            st.caption("No documents in the library.")
    if not query.strip():
        st.caption("Type words or a question and press Enter. Search uses the index only, no language model.")
        return
    filters = Filters(scope=scope if scope in ("paper", "cited") else "all", source_id=source_id)
    try:
        results = engine.search(query.strip(), k=int(k), filters=filters)
    except Exception as exc:
        log.exception("search failed")
        st.error(f"Search failed: {escape_md(short_error(exc))}", icon=":material/error:")
        return
    if not results:
        st.info("No passage matches. Try other words or a wider scope.")
        return
    st.caption(f"{len(results)} passages" + (f" in {escape_md(doc_title)}" if doc_title else ""))
    for i, p in enumerate(results):
        if passage_card(p, key=f"s{i}", query=query, engine=engine, ask=True):
            state.ask_later(query.strip(), Filters(source_id=p.source_id), label=p.title or p.source_id)
            st.switch_page(nav.page("chat"))
