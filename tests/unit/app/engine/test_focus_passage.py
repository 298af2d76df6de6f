from app.engine.records import Passage
from app.engine.sentence_rank import focus_passage

PAGE = ("Gender training has become a key approach in security sector institutions. At the same time, it is adapted "
        "to fit into institutions that are often male-dominated. This paper provides an overview of literature on "
        "gender training in peace operations and security institutions. The main goal of the Elsie Initiative is to "
        "increase the meaningful participation of women in UN peace operations. Therefore, while the review addresses "
        "literature on the security sector in general, it emphasizes training for personnel in peace operations.")


def _passage(offset: int = 100) -> Passage:
    return Passage.from_metadata("c", {"source_id": "s", "start": offset, "end": offset + len(PAGE)}, PAGE)


def test_a_focused_window_holds_whole_sentences_around_its_sentence():
    p = _passage()
    s = PAGE.index("This paper provides")
    e = PAGE.index("UN peace operations.") + len("UN peace operations.")
    f = focus_passage(p, p.start + s, p.start + e, max_chars=320)
    assert "This paper provides" in f.text and f.text.endswith("UN peace operations.")
    assert f.text[0].isupper() and f.text.rstrip()[-1] == "."  # never "rity institutions. …"
    assert f.text == PAGE[f.start - p.start:f.end - p.start] and len(f.text) <= 320


def test_a_short_passage_is_kept_whole():
    p = _passage()
    assert focus_passage(p, p.start, p.start + 10, max_chars=len(PAGE)) is p
