"""Model and document text are untrusted: streamed model text is only ever a visibly provisional
draft (issue 12, item 7), and bare URLs in document text never become links (item 8)."""
from __future__ import annotations

import re

from .conftest import all_markdown, plain

# GitHub-flavoured markdown's autolink literals (mdast-util-gfm-autolink-literal, which Streamlit's
# markdown renderer uses): they are found in text *after* backslash escapes are resolved.
GFM_URL = re.compile(r"(?<![A-Za-z0-9_])(https?://|www(?=\.))([-.A-Za-z0-9_]+)", re.IGNORECASE)
GFM_EMAIL = re.compile(r"(?<![A-Za-z0-9_])([-.A-Za-z0-9_+]+)@([-A-Za-z0-9_]+(?:\.[-A-Za-z0-9_]+)+)")


def autolinks(md: str) -> list[str]:
    """Bare links a GFM renderer would make out of this markdown's text."""
    text = plain(md)
    return [m.group(0) for m in GFM_URL.finditer(text)] + [m.group(0) for m in GFM_EMAIL.finditer(text)]


def _recorder(monkeypatch) -> list[str]:
    """Every markdown body the app sends to the browser, in order, including each streaming state
    (recorded before Streamlit's queue coalesces repeated updates of one element)."""
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    shown: list[str] = []
    original = ForwardMsgQueue.enqueue

    def record(self, msg):
        if msg.HasField("delta") and msg.delta.HasField("new_element"):
            el = msg.delta.new_element
            if el.WhichOneof("type") == "markdown":
                shown.append(el.markdown.body)
        return original(self, msg)

    monkeypatch.setattr(ForwardMsgQueue, "enqueue", record)
    return shown


def test_injected_model_text_is_streamed_only_as_a_provisional_draft(ui_index, use_index, app_test, monkeypatch):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from app.engine import Engine
    from app.ui import state

    use_index(*ui_index)
    obedient = FakeListChatModel(responses=["PWNED [1]"])  # what a model steered by the injected note might say
    monkeypatch.setattr(state, "ENGINE_FACTORY", lambda s: Engine(s, llm=obedient))
    state.forget_engine()
    shown = _recorder(monkeypatch)
    at = app_test().run()
    at.sidebar.radio[0].set_value("generate").run()
    at.chat_input[0].set_value("What do gender advisers keep a register of?")
    at.run()
    assert not at.exception
    streamed = [b for b in shown if "PWNED" in b]
    assert streamed, "the fake model's text was never streamed: the test would prove nothing"
    for body in streamed:  # every state the browser saw while streaming is marked as an unchecked draft
        assert "not yet checked against the sources" in body and ":gray[" in body, body
    final = all_markdown(at)
    answer = at.session_state["messages"][-1]["answer"]
    assert "PWNED" not in answer.text or any(not c.supported for c in answer.verified)
    if "PWNED" in final:  # only ever shown marked as unverified, never as the answer
        assert ":red-badge[unverified]" in final
    assert "not yet checked" not in final  # the draft was replaced by the verified answer


def test_bare_urls_in_document_text_are_not_links():
    from app.ui.render import answer_markdown
    from app.ui.text import escape_md, highlight_md

    WJ = "\u2060"  # the invisible word joiner that breaks autolink detection

    text = ("Report fraud at https://evil.example/login?next=1 or www.evil.example, or write to "
            "helpdesk@evil.example (HTTP://EVIL.EXAMPLE too).")
    assert autolinks(escape_md("see https://a.example and x@y.example")) == []
    for md in (escape_md(text), highlight_md(text, [(0, 30), (40, 60)]), highlight_md(text, [(20, 70)])):
        assert autolinks(md) == [], md
    assert plain(escape_md(text)).replace(WJ, "") == text  # the URLs are still there, as text

    class _A:  # an answer whose (model) text carries a URL
        text, citations, verified = "Go to https://evil.example now.", [], []
    assert autolinks(answer_markdown(_A())) == []

