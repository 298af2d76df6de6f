"""Onboarding new trainers (issue 7): a guided, cited path through the paper — section by section
(marked done for the session), suggested questions that open in chat, a glossary, and a quiz with
immediate feedback and the supporting passage; the whole tour downloads as a Markdown handout.

The tour itself comes from ``app.onboarding`` (cached per index fingerprint). Corpus text
is only ever shown through ``escape_md``/``highlight_md``; never with ``unsafe_allow_html``.
"""
from __future__ import annotations

import logging

import streamlit as st

from app.engine.records import page_place

from . import common, nav, state
from .page_viewer import open_button
from .render import kind_badge
from .text import escape_md, highlight_md, page_md, quote_span, short_error

log = logging.getLogger("mandate.ui")
SS = "onboarding"  # session-state key: {"done": {tour: set(section index)}, "quiz": {tour: {qid: result}}}


def build(engine, source_id: str | None):
    """The tour (tests replace this to show a scripted tour)."""
    from app.onboarding import onboarding

    return onboarding(engine, source_id)


def _store() -> dict:
    return st.session_state.setdefault(SS, {"done": {}, "quiz": {}})


def _done(tk: str) -> set:
    return _store()["done"].setdefault(tk, set())


def _results(tk: str) -> dict:
    return _store()["quiz"].setdefault(tk, {})


def render(engine) -> None:
    """Draw the onboarding page; ``engine`` is the shared Engine, or None when there is no index yet."""
    st.title("Onboarding")
    if engine is None:
        common.empty_state(state.engine_handle())
        return
    if state.ingest_running():
        st.info("The library is being re-indexed; the tour is back as soon as the index is complete.",
                icon=":material/hourglass_top:")
        return
    st.caption("A guided, cited path through the paper for new trainers: read the key sentences of each section, "
               "ask the suggested questions, look up terms, then check yourself with the quiz.")
    docs = _documents(engine)
    source_id = None
    if len(docs) > 1:
        ids = list(docs)
        source_id = st.selectbox("Document", ids, index=_default_index(engine, ids), format_func=docs.get,
                                 key="onb_source")
    try:
        with st.spinner("Preparing the tour (only the first time for this index)…"):
            tour = build(engine, source_id)
    except Exception as exc:
        log.exception("onboarding tour failed")
        st.error(f"The tour could not be prepared: {escape_md(short_error(exc))}", icon=":material/error:")
        return
    tk = (tour.fingerprint or tour.source_id or "tour")[:12]
    _header(tour)
    sections, glossary, quiz = st.tabs(["Sections", f"Glossary ({len(tour.glossary)})", f"Quiz ({len(tour.quiz)})"])
    with sections:
        _walk(tour, tk, engine)
    with glossary:
        _glossary(tour)
    with quiz:
        _quiz(tour, tk, engine)


def _documents(engine) -> dict[str, str]:
    try:
        return {d["source_id"]: f"{d.get('title') or d['source_id']} ({d.get('kind', '')})" for d in engine.library()}
    except Exception:
        return {}


def _default_index(engine, ids: list[str]) -> int:
    try:
        from app.onboarding import default_source

        return ids.index(default_source(engine.store.registry()))
    except Exception:
        return 0


def _header(tour) -> None:
    from app.onboarding import handout_filename, handout_markdown

    st.markdown(f"**{escape_md(tour.title or tour.source_id)}** {kind_badge(tour.kind)}")
    st.caption(f"{len(tour.sections)} sections · {len(tour.glossary)} glossary terms · {len(tour.quiz)} quiz questions")
    for note in tour.notes:
        st.info(escape_md(note), icon=":material/info:")
    try:
        handout = handout_markdown(tour)
    except Exception as exc:
        st.caption(f"Handout unavailable: {escape_md(short_error(exc))}")
        return
    st.download_button("Download the handout (Markdown)", data=handout, file_name=handout_filename(tour),
                       mime="text/markdown", on_click="ignore", icon=":material/download:", key="onb-handout")


# -- sections ---------------------------------------------------------------------------------
def _label(tour, done: set, i: int) -> str:
    s = tour.sections[i]
    return f"{'✓ ' if i in done else ''}{'  ' * (s.level - 1)}{s.title} ({s.pages})"


def _go(delta: int, n: int) -> None:
    st.session_state["onb_section"] = min(max(st.session_state.get("onb_section", 0) + delta, 0), n - 1)


def _toggle(tk: str, i: int, advance: bool = False, n: int = 0) -> None:
    done = _done(tk)
    if i in done and not advance:
        done.discard(i)
    else:
        done.add(i)
        if advance and i + 1 < n:
            st.session_state["onb_section"] = i + 1


def _walk(tour, tk: str, engine) -> None:
    n = len(tour.sections)
    if not n:
        st.info("No sections found in this document.")
        return
    done = _done(tk)
    st.progress(len(done) / n, text=f"{len(done)} of {n} sections done")
    if st.session_state.get("onb_section", 0) >= n:
        st.session_state["onb_section"] = 0
    i = st.selectbox("Section", list(range(n)), format_func=lambda k: _label(tour, done, k), key="onb_section")
    s = tour.sections[i]
    st.subheader(escape_md(s.title))
    st.caption(f"{escape_md(s.pages)}" + (" · done" if i in done else ""))
    if s.kind == "references":
        st.markdown("The reference list: the works this text cites. Their passages can be searched on the "
                    "Search page when they are in the library.")
    if s.generated:
        st.markdown(f"**In short:** {escape_md(s.generated)}")
        st.caption("Written by a language model; every sentence was checked against the key sentences below.")
    if s.summary:
        st.markdown("**Key sentences**")
        for k, c in enumerate(s.summary):
            _quote_card(c, key=f"onb-s{i}-{k}", engine=engine)
    elif s.kind != "references":
        st.caption("No key sentences could be picked from this section.")
    if s.questions:
        st.markdown("**Ask the assistant**")
        for k, q in enumerate(s.questions):
            if st.button(q, key=f"onb-ask-{i}-{k}", icon=":material/chat:"):
                _ask(tour, q)
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        st.button("Previous", key="onb-prev", icon=":material/arrow_back:", disabled=i == 0, on_click=_go, args=(-1, n))
    with c2:
        st.button("Mark as not done" if i in done else "Mark as done", key="onb-done",
                  icon=":material/check_circle:", on_click=_toggle, args=(tk, i))
    with c3:
        st.button("Done, next section", key="onb-done-next", icon=":material/done_all:", disabled=i + 1 >= n and i in done,
                  on_click=_toggle, args=(tk, i, True, n))
    with c4:
        st.button("Next", key="onb-next", icon=":material/arrow_forward:", disabled=i + 1 >= n, on_click=_go, args=(1, n))
    if len(done) == n:
        st.success("All sections done. Check yourself with the quiz.", icon=":material/school:")


def _ask(tour, question: str) -> None:
    """Ask in chat exactly as the question was checked: the whole library for the paper, else within the document."""
    from app.onboarding import ask_filters

    filters = ask_filters(tour)
    state.ask_later(question, filters, label="" if filters is None else (tour.title or tour.source_id))
    st.switch_page(nav.page("chat"))


def _quote_card(c, key: str, mark: str | None = None, engine=None) -> None:
    """A cited sentence (``mark``, e.g. a quiz answer, highlighted in it), its page, and its passage on demand."""
    from app.onboarding.handout import short_title

    with st.container(border=True, key=f"card-{key}"):
        j = c.quote.find(mark) if mark else -1
        st.markdown(f"{highlight_md(c.quote, [(j, j + len(mark))] if j >= 0 else [])} :gray-badge[{page_md(c.page)}]")
        context = c.passage_text or ""
        if context.strip() and context.strip() != c.quote:
            where = f"{short_title(c.title) or c.source_id}, {page_place(c.page)}"
            with st.expander(f"In context · {escape_md(where)}"):
                span = quote_span(context, c.quote, c.quote_start - c.passage_start, c.quote_end - c.passage_start)
                st.markdown(highlight_md(context, [span] if span else []))
        open_button(engine, c.source_id, c.page_index, c.page, key=key, quote=c.quote, quote_start=c.quote_start)


# -- glossary ---------------------------------------------------------------------------------
def _glossary(tour) -> None:
    if not tour.glossary:
        st.info("No key terms were found in this document.")
        return
    needle = st.text_input("Find a term", key="onb_term", placeholder="e.g. mainstreaming").strip().lower()
    shown = [g for g in tour.glossary if not needle or needle in g.term.lower() or needle in g.citation.quote.lower()]
    if not shown:
        st.caption("No term matches.")
    for g in shown:
        c = g.citation
        with st.container(border=True):
            st.markdown(f"**{escape_md(g.term)}** :gray-badge[{page_md(c.page)}]")
            j = c.quote.lower().find(g.term.lower())
            st.markdown(highlight_md(c.quote, [(j, j + len(g.term))] if j >= 0 else []))


# -- quiz -------------------------------------------------------------------------------------
def _grade(tk: str, i: int, q) -> None:
    from app.onboarding import check

    given = st.session_state.get(f"onb-quiz-{tk}-{i}")
    if given is None or not str(given).strip():
        _results(tk)[i] = {"given": "", "correct": False, "explanation": "", "empty": True}
        return
    ok, why = check(q, given)
    _results(tk)[i] = {"given": str(given), "correct": ok, "explanation": why, "empty": False}


def _reset(tk: str, n: int) -> None:
    _results(tk).clear()
    for i in range(n):
        st.session_state.pop(f"onb-quiz-{tk}-{i}", None)


def _quiz(tour, tk: str, engine=None) -> None:
    if not tour.quiz:
        st.info("No quiz questions could be made from this document.")
        return
    results = _results(tk)
    graded = [r for r in results.values() if not r.get("empty")]
    st.caption(f"Score: {sum(r['correct'] for r in graded)} of {len(graded)} checked · {len(tour.quiz)} questions")
    for i, q in enumerate(tour.quiz):
        with st.container(border=True, key=f"onb-q-{i}"):
            st.markdown(f"**{i + 1}.** {escape_md(q.prompt)}")
            if q.kind == "mcq":
                st.radio("Your answer", q.options, index=None, key=f"onb-quiz-{tk}-{i}", format_func=str)
            else:
                st.text_input("Your answer", key=f"onb-quiz-{tk}-{i}", placeholder="Type the missing word or figure")
            st.button("Check", key=f"onb-check-{i}", on_click=_grade, args=(tk, i, q))
            r = results.get(i)
            if r is None:
                continue
            if r.get("empty"):
                st.warning("Choose or type an answer first.", icon=":material/help:")
                continue
            head = "Correct." if r["correct"] else f"Not quite: the answer is “{q.answer}”."
            (st.success if r["correct"] else st.error)(escape_md(head),
                                                       icon=":material/check:" if r["correct"] else ":material/close:")
            st.caption("The supporting passage:")
            _quote_card(q.citation, key=f"onb-a{i}", mark=q.answer, engine=engine)
    st.button("Start the quiz again", key="onb-quiz-reset", icon=":material/restart_alt:", on_click=_reset,
              args=(tk, len(tour.quiz)))
