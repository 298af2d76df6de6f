"""A quoted sentence that runs on to the next page carries the in-text citations of both halves."""
from __future__ import annotations

from app.engine.records import Citation
from app.engine.tracing import Tracer
from ingest.bib.citations import InText

FIRST = "Officers whose commanders discussed the course (Holvikivi 2019) kept most of their"
SECOND = "gains a year later (Arvelo 2016)."


def _tracer(*cites: InText) -> Tracer:
    t = Tracer.__new__(Tracer)  # only the in-text citations per page: no engine, no bibliography
    t.by_page = {}
    for c in cites:
        t.by_page.setdefault(("paper", c.page_index), []).append(c)
    return t


def test_in_text_citations_of_both_halves_come_with_the_whole_sentence():
    page4 = "Earlier sentence. " + FIRST
    h = page4.index("(Holvikivi 2019)")
    a = SECOND.index("(Arvelo 2016)")
    holvikivi = InText("(Holvikivi 2019)", 3, "4", h, h + 16, refs=["holvikivi2019"])
    arvelo = InText("(Arvelo 2016)", 4, "5", a, a + 13, refs=["arvelo2016"])
    elsewhere = InText("(Bastick 2010)", 4, "5", 60, 74, refs=["bastick2010"])  # later on page 5
    c = Citation(n=1, source_id="paper", title="Paper", kind="paper", page="4", quote=FIRST, page_index=3,
                 quote_start=18, quote_end=len(page4), passage_text=page4, passage_start=0, continued=SECOND,
                 continued_page="5", continued_page_index=4, continued_start=0, continued_end=len(SECOND),
                 whole=f"{FIRST} {SECOND}")
    found = _tracer(holvikivi, arvelo, elsewhere).in_text(c)
    assert [(it.text, sentence) for it, sentence in found] == [("(Holvikivi 2019)", c.whole), ("(Arvelo 2016)", c.whole)]
