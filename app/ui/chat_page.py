"""Chat: streamed, cited answers with source cards; history feeds follow-up questions."""
from __future__ import annotations

import logging

import streamlit as st

from app.engine.records import Filters

from . import common, state
from .export import conversation_markdown, export_filename
from .render import render_answer
from .text import escape_inline, escape_md, short_error

log = logging.getLogger("mandate.ui")

STARTERS = [
    "Who is the primary audience of the paper?",
    "What is the main goal of the Elsie Initiative?",
    "When does gender training contribute to the results we expect?",
    "What makes gender training in security institutions effective?",
]


def page() -> None:
    st.title("Ask the paper and its sources")
    engine = common.engine_or_empty_state()
    if engine is None:
        return
    busy = state.ingest_running()
    pending = None if busy else state.pop_pending()  # a queued question waits for the index
    scope, label = _scope(engine, pending)
    prompt = st.chat_input("Ask about the paper or the sources it cites…", disabled=busy, key="chat_prompt",
                           max_chars=2000)
    if busy:
        st.info("The library is being re-indexed: the chat opens again as soon as the index is complete.",
                icon=":material/hourglass_top:")
    msgs = state.messages()
    for i, m in enumerate(msgs):
        _show(m, key=f"m{i}", engine=engine)
    if not busy and prompt:
        ask(engine, prompt, scope, label)
    elif not busy and pending:
        ask(engine, pending["question"], pending.get("filters"), pending.get("label", ""))
    elif not msgs:
        _starters()
    if state.messages():
        _toolbar()


def _scope(engine, pending: dict | None) -> tuple[Filters | None, str]:
    """The document typed questions are asked about ("Ask within"), or None for the whole library.

    Asked about one document, a question naming what only other documents mention is refused, and
    "the study" or "the authors" mean that document's. A question queued about one document ("Ask
    about this document" on Search, a tour stop) sets it, so follow-ups stay within that document."""
    docs = common.documents(engine)
    queued = getattr((pending or {}).get("filters"), "source_id", None)
    if queued in docs:
        st.session_state["chat_scope"] = queued
    sid = st.selectbox("Ask within", [""] + list(docs), key="chat_scope",
                       format_func=lambda k: docs.get(k, k) if k else "The whole library",
                       help="Choose one document to ask about it only; the whole library by default.")
    return (Filters(source_id=sid), docs.get(sid, sid)) if sid else (None, "")


def _starters() -> None:
    st.caption("Not sure where to start? Try one of these:")
    cols = st.columns(2)
    for i, q in enumerate(STARTERS):
        with cols[i % 2]:
            st.button(q, key=f"starter-{i}", on_click=state.ask_later, args=(q,), width="stretch")


def _toolbar() -> None:
    c1, c2, _ = st.columns([2, 1, 3])
    with c1:
        st.download_button("Export conversation (Markdown)", data=conversation_markdown(state.messages()),
                           file_name=export_filename(), mime="text/markdown", on_click="ignore",
                           icon=":material/download:", key="export")
    with c2:
        st.button("New chat", icon=":material/add_comment:", key="new-chat", on_click=_clear)


def _clear() -> None:
    st.session_state["messages"] = []


def _show(m: dict, key: str, engine) -> None:
    with st.chat_message(m["role"]):
        if m["role"] == "user":
            st.markdown(escape_md(m["content"]))
            if m.get("label"):
                st.caption(f"Asked within: {escape_md(m['label'])}")
        elif m.get("answer") is not None:
            render_answer(m["answer"], key=key, engine=engine)
        else:
            st.error(f"Couldn't answer: {escape_md(m.get('error', ''))}", icon=":material/error:")


def ask(engine, question: str, filters=None, label: str = "") -> None:
    """Show the question, stream the answer, then replace the stream by the rendered answer."""
    question = " ".join(str(question).split())
    if not question:
        return
    history = state.history_turns()
    msgs = state.messages()
    mode = state.current_mode(state.settings().mode)
    user = {"role": "user", "content": question, "label": label}
    msgs.append(user)
    key = f"m{len(msgs)}"
    _show(user, key="", engine=engine)
    with st.chat_message("assistant"):
        slot = st.empty()
        answer, error = _stream(engine, slot, question, history, mode, filters)
        if answer is None and mode == "generate" and error:  # keep working in quote mode
            answer, error2 = _stream(engine, slot, question, history, "quote", filters)
            if answer is not None:
                answer.notice = (f"Generate mode failed ({error}); answered in quote mode. "
                                 + (answer.notice or "")).strip()
            error = error2 or error
        with slot.container():
            if answer is not None:
                render_answer(answer, key=key, engine=engine)
            else:
                st.error(f"Couldn't answer: {escape_md(error)}", icon=":material/error:")
    if answer is not None:
        msgs.append({"role": "assistant", "content": answer.text, "answer": answer})
    else:
        msgs.append({"role": "assistant", "content": "", "answer": None, "error": error})


DRAFT_BADGE = ":gray-badge[Draft · not yet checked against the sources]"


def draft_markdown(text: str) -> str:
    """Streamed text as a visibly provisional draft (badge, grey): never shown as the answer itself."""
    body = escape_inline(text).strip()
    return f"{DRAFT_BADGE}\n\n:gray[{body}]" if body else DRAFT_BADGE


def _stream(engine, slot, question, history, mode, filters):
    """Run ``answer_stream``, showing its deltas as a provisional draft in ``slot``; returns (Answer | None, error).

    The caller replaces the draft by the rendered, verified Answer: unverified model text (which an
    injected document may steer) is never displayed as if it were the answer.
    """
    holder: dict = {}
    try:
        with slot.container():
            with st.spinner("Searching the sources…"):
                draft, text = st.empty(), ""
                for item in engine.answer_stream(question, history=history or None, mode=mode, filters=filters):
                    if isinstance(item, str):
                        if item:
                            text += item
                            draft.markdown(draft_markdown(text))
                    else:
                        holder["answer"] = item
    except Exception as exc:
        log.exception("answer failed")
        from ingest.failures import describe

        return None, describe(exc, state.settings()) or short_error(exc)
    if holder.get("answer") is None:
        return None, "the engine returned no answer"
    return holder["answer"], ""
