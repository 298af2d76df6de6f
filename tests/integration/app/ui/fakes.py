"""A scripted engine with the real Engine's API, for UI paths a real index can't easily produce
(unverified sentences, a failing LLM, engine errors, markup in answers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.engine.records import Answer, Citation, Passage, SentenceCheck, Trace

from .conftest import INJECTION

PAGE = "Intro line. " + INJECTION + " Closing line."


def passage(text: str = PAGE, sid: str = "evil-note", title: str = "Note **bold** <b>title</b>") -> Passage:
    return Passage(chunk_id=f"{sid}:p0:c0", source_id=sid, source_hash="h" * 64, title=title, kind="cited",
                   page_index=0, page_label="7", section="", start=0, end=len(text), text=text,
                   url="javascript:alert(1)", similarity=0.8)


def cited_answer(question: str, mode: str = "generate") -> Answer:
    quote = "<script>alert(1)</script> See [link](javascript:alert(1)) and **bold** claims about gender advisers."
    start = PAGE.index(quote)
    cit = Citation(n=1, source_id="evil-note", title="Note **bold** <b>title</b>", kind="cited", page="7", quote=quote,
                   url="javascript:alert(1)", page_index=0, quote_start=start, quote_end=start + len(quote),
                   passage_text=PAGE, continued="<b>runs on</b> to page 8.", continued_page="8",
                   continued_page_index=1, continued_end=23, whole=f"{quote} <b>runs on</b> to page 8.", locator="pp. 7–8",
                   traces=[Trace(citation_text="Smith (2019)", reference="Smith, J. (2019). *Study*.", ingested=True,
                                 source_id="smith", title="Smith study", page="3", quote="Advisers <i>matter</i>.")])
    supported = "Gender advisers keep a register of training outcomes [1]."
    unsupported = "They also fly to the moon every week."
    return Answer(question=question, text=f"{supported} {unsupported}", refused=False, mode=mode, citations=[cit],
                  verified=[SentenceCheck(supported, [1], True, 0.9), SentenceCheck(unsupported, [], False, 0.1)],
                  passages=[passage()], model="fake-model")


@dataclass
class FakeEngine:
    fail_modes: dict = field(default_factory=dict)  # mode -> exception to raise
    calls: list = field(default_factory=list)
    reloads: int = 0

    def answer_stream(self, question, history=None, mode=None, filters=None):
        self.calls.append({"question": question, "history": list(history or []), "mode": mode, "filters": filters})
        if mode in self.fail_modes:
            raise self.fail_modes[mode]
        if "mars" in question and filters is None:  # as if asked within a document that does not answer it
            yield Answer(question=question, text="This document does not seem to answer this question.", refused=True,
                         mode=mode or "quote", passages=[passage()], elsewhere="evil-note",
                         elsewhere_title="Note **bold** <b>title</b>")
            return
        if "moon" in question:
            yield "Nothing covers this."
            yield Answer(question=question, text="Nothing covers this.", refused=True, mode=mode or "quote",
                         passages=[passage()])
            return
        answer = cited_answer(question, mode or "quote")
        for word in answer.text.split(" "):
            yield word + " "
        yield answer

    def answer(self, question, history=None, mode=None, filters=None):
        return [x for x in self.answer_stream(question, history, mode, filters)][-1]

    def search(self, query, k=10, filters=None):
        self.calls.append({"search": query, "k": k, "filters": filters})
        return [passage()]

    def stats(self):
        return {"sources": 1, "chunks": 1, "pages": 1, "embedding_model": "fake", "index": "memory",
                "llm": "fake-model", "mode": "quote"}

    def library(self):
        return [{"source_id": "evil-note", "title": "Note **bold** <b>title</b>", "kind": "cited", "path": "/nope.txt",
                 "url": "javascript:alert(1)", "pages": 1, "chunks": 1, "authors": [], "year": None}]

    def source_path(self, source_id) -> Path | None:
        return None

    def page_text(self, source_id, page_index):
        return PAGE

    def reload(self):
        self.reloads += 1
