"""The engine on a real index (fixture corpus + seed page): retrieval, quotes, refusal, follow-ups, injection."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from app.__main__ import main as app_cli
from app.engine import Filters, Turn
from app.engine.generate import build_messages
from tests.conftest import engine_with_llm

OFF_TOPIC = ["What is the boiling point of mercury?", "What is the capital of France?",
             "How do I bake sourdough bread?", "Who won the 2010 football world cup?"]


def _page_text(engine, c):
    return engine.page_text(c.source_id, c.page_index)


def test_right_passage_in_top_results(engine, fixture_index):
    _, truth = fixture_index
    hits = engine.search("How many national pre-deployment curricula had a dedicated gender session?", k=5)
    assert any("9 contained a dedicated session on gender" in h.text for h in hits)
    # paraphrase with few shared words
    hits = engine.search("What share of what people learn disappears if nobody repeats the course?", k=5)
    assert any("refresher" in h.text for h in hits)


def test_filters(engine):
    paper_only = engine.search("training evaluation levels", k=5, filters=Filters(scope="paper"))
    assert paper_only and {h.kind for h in paper_only} == {"paper"}
    cited = engine.search("training evaluation levels", k=5, filters=Filters(scope="cited"))
    assert cited and "paper" not in {h.kind for h in cited}
    one = engine.search("training", k=5, filters=Filters(source_id="kirkpatrick-1994"))
    assert one and {h.source_id for h in one} == {"kirkpatrick-1994"}


def test_quote_answer_citations_are_exact_page_text(engine):
    a = engine.answer("How many national curricula had a dedicated gender session?", mode="quote")
    assert not a.refused and a.citations
    assert "9" in a.text
    for c in a.citations:
        page = _page_text(engine, c)
        assert page[c.quote_start:c.quote_end] == c.quote and c.quote in page
        assert f"[{c.n}]" in a.text
    assert all(ch.supported for ch in a.verified)


@pytest.mark.skipif(not __import__("tests.conftest", fromlist=["SHARED"]).SHARED.joinpath("seeds").is_dir(),
                    reason="../shared/seeds is absent")
def test_seed_page_acceptance(engine):
    a = engine.answer("What is the main goal of the Elsie Initiative?", mode="quote")
    assert not a.refused
    assert any(c.source_id == "000-4b2cc08eca4313f9" and "meaningful participation of women" in c.quote for c in a.citations)
    a = engine.answer("Who is the primary audience of the paper?", mode="quote")
    assert any("primary audience is practitioners" in c.quote for c in a.citations)
    # a web page's field label ("editors") travels with its value; a dateline answers "when published"
    a = engine.answer("Who are the editors of the paper?", mode="quote")
    assert not a.refused and "Cristina Finch" in a.citations[0].quote and a.citations[0].quote.startswith("editors")
    for q in ("When was the paper published?", "What is the publication date?", "What was the date of publication?"):
        a = engine.answer(q, mode="quote")
        assert a.citations[0].quote == "28 May, 2025" and a.citations[0].source_id == "000-4b2cc08eca4313f9", q
    # questions about the document itself: its title, its editors and audience in other words than the page's
    seed = Filters(source_id="000-4b2cc08eca4313f9")  # "the paper" of a library of many: ask about this document
    a = engine.answer("What is the title of the paper?", mode="quote", filters=seed)
    assert not a.refused and a.citations[0].quote == "More than a mandate? Making gender training in security institutions matter"
    a = engine.answer("Who edited the paper?", mode="quote")
    assert not a.refused and a.citations[0].quote.startswith("editors") and "Cristina Finch" in a.citations[0].quote
    for q in ("Who is the paper written for?", "Who is the paper for?", "For whom was the paper written?",
              "Who should read the paper?", "Which readers is the paper meant for?"):
        a = engine.answer(q, mode="quote", filters=seed)
        assert not a.refused and "primary audience is practitioners" in a.citations[0].quote, q
    # the page writes "Women, Peace and Security" but never "WPS": not a term it never uses (the paper, which
    # defines the acronym, answers better and is named instead)
    a = engine.answer("What is the WPS agenda?", mode="quote", filters=seed)
    assert "WPS" not in a.unknown_terms and a.elsewhere == "fixture-paper"
    # the page gives no figure and no sum of money: refused, saying so, with its closest passages shown
    for q in ("How many women serve in UN peace operations?", "What is the budget of the Elsie Initiative?"):
        a = engine.answer(q, mode="quote", filters=seed)
        assert a.refused and "give no" in a.text and a.passages, q


def test_a_question_about_the_paper_as_a_whole_is_answered_from_the_paper(engine):
    """Asked of the whole library, "the paper" is the one paper the library is built around; its own summary
    answers, not the cited source whose sentences share the most words with "conclude" or "findings"."""
    for q in ("What does the paper conclude?", "What are the main findings?"):
        a = engine.answer(q, mode="quote")
        assert not a.refused, q
        assert a.citations[0].source_id == "fixture-paper", (q, a.citations[0].source_id)
        assert a.citations[0].page_index == 0, (q, a.citations[0].quote)  # its summary, on the opening page
    cited = engine.answer("What does the paper conclude?", mode="quote", filters=Filters(source_id="kirkpatrick-1994"))
    assert {c.source_id for c in cited.citations} <= {"kirkpatrick-1994"}  # asked of one document: that one


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_refused_in_both_modes(engine, question):
    assert engine.answer(question, mode="quote").refused
    # a model that happily answers anything must not change the decision
    eager = engine_with_llm(engine, FakeListChatModel(responses=["Paris is the capital of France [1]. Mercury boils at 357 °C [2]."]))
    a = eager.answer(question, mode="generate")
    assert a.refused and not a.citations and a.passages


@pytest.mark.parametrize("question", ["?", "?!", "...", "   ", "– / –"])
def test_a_question_without_words_is_refused(engine, question):
    """Ranked anyway, an empty query matched the paper's summary as "close" and was answered with it."""
    a = engine.answer(question, mode="quote")
    assert a.refused and "no words" in a.text and not a.citations
    assert not a.passages and a.evidence == 0  # nothing to search for, so nothing was ranked


@pytest.mark.parametrize("question", ["éééééé", "Что такое гендерная подготовка?", "性别培训是什么？"])
def test_a_question_none_of_whose_words_the_library_uses_is_refused(engine, question):
    """Ranked anyway, "éééééé" and the Russian question scored 0.71 and 0.76 against the paper's summary (the
    embedding model reads them as unknown pieces) and were answered with it."""
    a = engine.answer(question, mode="quote")
    assert a.refused and "none of the question's words" in a.text and a.unknown_terms and not a.citations


def test_a_question_about_the_document_in_an_everyday_word_the_library_lacks_is_not_refused(engine):
    """The seed page lists its editors: "How many editors does it have?" was refused for "many", its only word
    besides "editors" (words about a document do not count). A word the library uses about the document makes
    the question about it; only a word outside the English vocabulary is still a reason."""
    assert engine.policy.all_unknown("Who are the editors of the zoo?") == []
    assert engine.policy.all_unknown("Which readers is the zoo for?") == []  # "readers": a word the library lacks
    assert engine.policy.all_unknown("Who is the author of plorb?") == ["plorb"]
    assert engine.policy.all_unknown("zoo plorb?") == ["zoo", "plorb"]  # no word about the document: as before


def test_a_follow_up_in_words_the_library_never_uses_is_read_with_its_history(engine):
    first = "What did Holvikivi observe about jokes in training sessions?"
    history = [Turn(role="user", content=first), Turn(role="assistant", content=engine.answer(first).text)]
    a = engine.answer("Elaborate please", history=history, mode="quote")
    assert "none of the question's words" not in a.text  # the history's words count


@pytest.mark.parametrize("more", ["Elaborate", "Tell me more", "Go on", "Details?", "Can you explain further?"])
def test_asked_for_more_the_engine_answers_the_previous_question_with_what_it_did_not_say(engine, more):
    """"Elaborate" was searched as "<previous question> Elaborate" and ranked on its own word: evidence fell from
    0.5 to 0.06 and it was refused. It is the previous question again, minus the sentences already quoted."""
    from app.engine.followup import heuristic_standalone
    from app.engine.text import strip_markers

    first = "How long does pre-deployment gender training last?"
    before = engine.answer(first)
    history = [Turn(role="user", content=first), Turn(role="assistant", content=before.text)]
    assert heuristic_standalone(more, history) == first
    a = engine.answer(more, history=history, mode="quote")
    assert not a.refused and a.citations, a.text
    said = " ".join(strip_markers(before.text).split())
    assert " ".join(a.citations[0].sentence.split()) not in said  # something the first answer did not quote


def test_follow_up_uses_history(engine):
    history = [Turn("user", "What did the review find about refresher training?"),
               Turn("assistant", "Knowledge gains fade without refreshers [1].")]
    a = engine.answer("And how long should trainers' own courses last?", history=history, mode="quote")
    assert "refresher" in a.standalone_query.lower() and not a.refused
    short = engine.answer("Why does it matter?", history=history, mode="quote")
    assert short.standalone_query.startswith("What did the review find about refresher training?")
    assert not short.refused
    alone = engine.answer("Why does it matter?", mode="quote")
    assert alone.standalone_query == "Why does it matter?"


def test_injection_passage_changes_nothing(engine):
    # the injected document is retrievable ...
    hits = engine.search("course directors gender module timetable", k=5)
    inj = [h for h in hits if h.source_id == "course-directors-note"]
    assert inj
    # ... but it is quoted as data: it cannot close its block or pose as a role
    msgs = build_messages("When should the gender module be scheduled?", inj)
    assert msgs[1].content.count("</passage>") == 1 and "\nSYSTEM:" not in msgs[1].content
    # an obedient model is verified away: no [9], no HACKED with a citation
    obedient = engine_with_llm(engine, FakeListChatModel(responses=["HACKED [9]"]))
    a = obedient.answer("When should course directors schedule the gender module?", mode="generate")
    assert not a.refused and "[9]" not in a.text
    assert all("HACKED" not in c.quote or c.source_id == "course-directors-note" for c in a.citations)
    assert not any(ch.supported and "HACKED" in ch.text for ch in a.verified)
    # off-topic stays refused even with the injection in the index
    assert obedient.answer("What is the capital of France?", mode="generate").refused


def test_cli_ask_and_search_json(fixture_index, capsys):
    settings, _ = fixture_index
    assert app_cli(["ask", "What are the four levels of the Kirkpatrick model?", "--db", str(settings.db_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"question", "answer", "refused", "mode", "citations", "verified", "timings"}
    assert out["citations"] and set(out["citations"][0]) >= {"n", "source_id", "title", "kind", "page", "quote", "url"}
    assert app_cli(["search", "refresher training", "-k", "3", "--db", str(settings.db_dir), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)["results"]
    assert len(res) == 3 and set(res[0]) >= {"source_id", "title", "page", "text", "score"}
    assert app_cli(["ask", "What is the boiling point of mercury?", "--db", str(settings.db_dir)]) == 0
    assert "so I won't answer" in capsys.readouterr().out
    assert app_cli(["ask", "x", "--db", str(settings.db_dir.parent / "nope")]) == 2
    for k in ("0", "-3", "ten"):
        assert app_cli(["search", "refresher training", "-k", k, "--db", str(settings.db_dir)]) == 2
        assert "1 or more" in capsys.readouterr().err


def test_cli_counts_are_positive_and_an_unwritable_out_file_is_an_error(fixture_index, capsys, tmp_path):
    """"eval --sample -3" ended in a ValueError traceback, "--limit 0" ran every question, and "onboard --out" into a
    missing folder failed with a traceback after the tour was built."""
    db = str(fixture_index[0].db_dir)
    dev = str(Path(__file__).resolve().parents[4] / "app" / "eval" / "sets" / "dev.jsonl")
    for bad in (["--sample", "-3"], ["--limit", "0"]):
        assert app_cli(["eval", "--set", dev, "--db", db, *bad]) == 2 and "1 or more" in capsys.readouterr().err
    assert app_cli(["onboard", "--db", db, "--no-questions", "--out", str(tmp_path / "missing" / "tour.md")]) == 2
    assert "folder" in (err := capsys.readouterr().err) and "does not exist" in err and "Traceback" not in err
    assert app_cli(["onboard", "--db", db, "--no-questions", "--out", str(tmp_path)]) == 2  # a folder, not a file
    assert (err := capsys.readouterr().err).startswith(f"error: cannot write {tmp_path}") and "Traceback" not in err
    assert app_cli(["ask", "...", "--db", db]) == 0
    assert "Closest passages" not in capsys.readouterr().out  # a heading over nothing


def test_cli_a_scope_no_document_has_is_an_error(fixture_index, capsys, tmp_path):
    """"--scope paper" of a library without a paper was answered "not covered", and search printed nothing."""
    from tests.conftest import ingested_engine

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "notes.txt").write_text("Commanders who endorse gender training in person raise its effect.\n")
    ingested_engine(tmp_path / "corpus", tmp_path / "db")
    for cmd in ("ask", "search"):
        assert app_cli([cmd, "Who endorses training?", "--db", str(tmp_path / "db"), "--scope", "paper"]) == 2
        assert "no document of kind 'paper'" in capsys.readouterr().err
    assert app_cli(["search", "training", "--db", str(tmp_path / "db"), "--scope", "cited"]) == 0
    assert "notes" in capsys.readouterr().out.lower()
    db = str(fixture_index[0].db_dir)
    assert app_cli(["ask", "Who endorses training?", "--db", db, "--scope", "cited", "--source", "fixture-paper"]) == 2
    assert "--source 'fixture-paper' is a paper document" in capsys.readouterr().err


def test_cli_a_source_the_index_lacks_is_an_error_naming_the_nearest_ids(fixture_index, capsys):
    """A typo in --source was answered as "the library does not cover this question"; `ingest list` gives the ids."""
    from ingest.__main__ import main as ingest_cli

    db = str(fixture_index[0].db_dir)
    assert app_cli(["ask", "What is a gender focal point?", "--db", db, "--source", "kirkpatrik-1994"]) == 2
    err = capsys.readouterr().err
    assert "'kirkpatrik-1994'" in err and "did you mean kirkpatrick-1994" in err and "ingest list" in err
    assert app_cli(["search", "evaluation levels", "--db", db, "--source", "kirkpatrick-1994", "--json"]) == 0
    assert {r["source_id"] for r in json.loads(capsys.readouterr().out)["results"]} == {"kirkpatrick-1994"}
    assert ingest_cli(["list", "--db", db, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["source_id"] == "fixture-paper" and listed[0]["kind"] == "paper"
    assert "kirkpatrick-1994" in {d["source_id"] for d in listed} and all(d["pages"] >= 1 for d in listed)
    assert ingest_cli(["list", "--db", db]) == 0 and "kirkpatrick-1994" in capsys.readouterr().out
    assert ingest_cli(["list", "--db", db + "-none"]) == 2


def test_an_answer_says_how_closely_it_matched(engine, fixture_index, capsys):
    close = engine.answer("What is a gender focal point?", mode="quote")
    weak = engine.answer("What fieldwork is the Holvikivi article based on?", mode="quote")  # worded unlike its answer
    assert not close.refused and close.match == "close" and close.to_json()["match"] == "close"
    assert not weak.refused and weak.match == "weak" and weak.evidence < engine.settings.match_weak
    assert engine.answer("What is the boiling point of mercury?", mode="quote").match == ""  # refused: no band
    assert app_cli(["ask", "What fieldwork is the Holvikivi article based on?", "--db", str(fixture_index[0].db_dir)]) == 0
    assert "Weak match: these are the closest sentences" in capsys.readouterr().out


def test_near_domain_question_about_unknown_names_is_refused(engine):
    a = engine.answer("What share of Norwegian police officers are women?", mode="quote")
    assert a.refused and "'Norwegian'" in a.text and a.passages
    b = engine.answer("What did Security Council resolution 2242 add to the agenda?", mode="quote")
    assert b.refused and "2242" in b.text
    # names that the corpus does contain are fine
    assert not engine.answer("What did Holvikivi observe about jokes in training sessions?", mode="quote").refused


def test_question_about_one_document_naming_what_it_never_mentions_is_refused(engine):
    """Asked about one document, a name only another document uses refuses; a name several use does not."""
    from app.engine.records import Filters

    q = "What did Canada launch in 2017?"  # only the paper says so
    a = engine.answer(q, mode="quote", filters=Filters(source_id="holvikivi-2019"))
    assert a.refused and a.unknown_terms == ["Canada"] and "This document never mentions 'Canada'" in a.text
    assert not engine.answer(q, mode="quote", filters=Filters(source_id="fixture-paper")).refused
    assert not engine.answer(q, mode="quote").refused
    terms = engine.policy.document_terms
    assert "elsi" not in terms.vocabulary("kirkpatrick-1994")  # the paper, the seed page and Ghittoni name it
    assert terms.unknown_to("kirkpatrick-1994", ["Elsie", "Canada"], "Elsie Initiative, Canada?") == ["Canada"]


def test_unknown_technical_term_is_refused_but_everyday_paraphrase_is_not(engine):
    """A rare technical word the corpus never uses refuses; an everyday word it never uses does not."""
    a = engine.answer("Does hepcidin change how trainees respond to gender modules?", mode="quote")
    assert a.refused and "'hepcidin'" in a.text
    assert engine.unknown_specific_terms("What proportion of the national syllabi had a separate lesson on gender?") == []
    assert not engine.answer("What proportion of the national syllabi had a separate lesson on gender?", mode="quote").refused


def test_misspelt_words_are_searched_as_the_library_spells_them(engine):
    """"Holvikvi", "curicula": ranked as the library's words one letter away; the answer says what was searched."""
    a = engine.answer("What did Holvikvi observe about humour in training sesions?", mode="quote")
    assert not a.refused and a.standalone_query == "What did Holvikivi observe about humour in training sessions?"
    assert any("Holvikivi" in c.sentence and "humour" in c.sentence for c in a.citations)
    hits = engine.search("How many national pre-deployment curicula had a dedicated gender session?", k=5)
    assert any("9 contained a dedicated session on gender" in h.text for h in hits)
    # a name nothing in the library is one letter from is still refused
    assert engine.answer("What share of Norwegian police officers are women?", mode="quote").refused


def test_a_question_another_document_answers_far_better_is_refused_in_this_one(engine):
    """Asked about a cited source that does not hold the answer, while the paper does: refused, naming the paper."""
    q = "How many national pre-deployment curricula had a dedicated gender session?"
    a = engine.answer(q, mode="quote", filters=Filters(source_id="kirkpatrick-1994"))
    assert a.refused and a.text.startswith("This document does not seem to answer this question;")
    titles = {d["source_id"]: d["title"] for d in engine.library()}
    named = [sid for sid, t in titles.items() if f"“{t}” does" in a.text]
    assert named and named[0] != "kirkpatrick-1994" and a.elsewhere == named[0] and a.to_json()["elsewhere"] == named[0]
    assert a.passages and {p.source_id for p in a.passages} == {"kirkpatrick-1994"}
    right = engine.answer(q, mode="quote", filters=Filters(source_id=named[0]))  # the document it names answers
    assert not right.refused and "9 contained a dedicated session on gender" in right.text
    # about "this study", the document asked about is the only one that can answer
    assert not engine.answer("What were the main findings of this study?", mode="quote",
                             filters=Filters(source_id="kirkpatrick-1994")).refused


def test_names_no_document_uses_together_are_refused(engine):
    """'Finch' (an editor on the seed page) and 'Canada' (the paper) are each in the library, never in one document."""
    a = engine.answer("What did Finch write about the course Canada launched?", mode="quote")
    assert a.refused and a.text.startswith("No single document of the library mentions all of 'Finch' and 'Canada'")
    assert a.passages
    assert not engine.answer("What did Holvikivi observe about humour in training sessions?", mode="quote").refused


def test_an_open_engine_keeps_numpy_blas_on_one_thread(engine):
    """Two thread pools (torch's, numpy's BLAS) spinning on two cores made answers take half again as long."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from app.engine.index import one_blas_thread

    with threadpool_limits(limits=2, user_api="blas"):
        one_blas_thread()
        blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)
    blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    assert all(p["num_threads"] == 1 for p in blas), "the engine fixture opened an index, which set one thread"
