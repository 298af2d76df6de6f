"""``python -m ingest build`` against a loopback web started by the test (tests/fixtures/web_site.py):
the manifest names only the paper's landing page; one build fetches and ingests every work the paper
cites that can be fetched, says why each other one is missing, and a rerun downloads nothing."""
from __future__ import annotations

import contextlib
import io
import json

import pytest

from ingest.__main__ import main as ingest_main
from ingest.bib.links import source_pages
from ingest.build import Builder, load_last_build
from ingest.index.settings import Settings
from ingest.index.store import Store
from ingest.manifest import load_manifest
from tests.fixtures.simple_pdf import write_pdf
from tests.fixtures.web_site import FOCAL, HOLM_TITLE, JOKES, PAPER_TITLE, Site

ENV = {"MANDATE_FETCH_TIMEOUT_S": "5", "MANDATE_FETCH_DEADLINE_S": "1.5", "MANDATE_FETCH_RETRIES": "0",
       "MANDATE_FETCH_DELAY_S": "0"}
DOCS = ["/files/more-than-a-mandate.pdf", "/dcaf/files/elsie-study.pdf", "/journals/ip/26/3/395.pdf",
        "/ggr/2022/nakamura", "/publications/more-than-a-mandate"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """First build in-process, then a rerun through the CLI (``build --json``); returns a namespace."""
    root = tmp_path_factory.mktemp("build")
    site = Site(root).start()
    with pytest.MonkeyPatch.context() as mp:
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            mp.delenv(var, raising=False)
        for k, v in {**ENV, "MANDATE_DOI_RESOLVER": site.base + "/doi/"}.items():
            mp.setenv(k, v)
        corpus, db = root / "corpus", root / "db"
        site.write_corpus(corpus)
        settings = Settings(corpus_dir=corpus, db_dir=db)
        logs: list[str] = []
        first = Builder(settings, log=logs.append).run()
        hits = dict(site.hits)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rerun_code = ingest_main(["build", "--corpus", str(corpus), "--db", str(db), "--json"])
        with contextlib.redirect_stdout(io.StringIO()):
            check_code = ingest_main(["check", "--db", str(db)])
    yield dict(site=site, settings=settings, first=first, hits=hits, logs=logs, rerun=json.loads(out.getvalue()),
               rerun_code=rerun_code, rerun_log=err.getvalue(), check_code=check_code)
    site.stop()


def missing(rep: dict) -> dict[str, dict]:
    return {m["key"]: m for m in rep["references"]["missing"]}


@pytest.mark.slow  # end to end: a loopback web site, fetch, ingest, a CLI rerun (one module fixture)
def test_one_build_fetches_every_fetchable_cited_work(built):
    rep = built["first"]
    assert rep["exit_code"] == 1  # some references with a link could not be fetched
    assert rep["references"]["total"] == 9 and rep["references"]["ingested"] == 4
    assert set(missing(rep)) == {"eriksen2016", "kirkpatrick1994", "okafor2023", "vasquez2017", "zeller2024"}
    assert set(rep["fetch"]["downloaded"]) == {"more-than-a-mandate", "ghittoni-2018", "holvikivi-2019",
                                               "nakamura-2022"}
    assert not [s for s in rep["sources"] if s["status"] == "failed"]
    assert [line for line in built["logs"] if line.startswith("build [")] == \
        [f"build [{n}/6] {w}" for n, w in enumerate(["fetching the manifest's missing files", "ingesting the corpus",
         "reading the paper's reference list", "matching files dropped in by hand to references",
         "fetching the cited works", "ingesting the cited works"], 1)]


@pytest.mark.slow  # end to end: a loopback web site, fetch, ingest, a CLI rerun (one module fixture)
def test_each_missing_reference_says_what_to_do(built):
    m = missing(built["first"])
    assert m["eriksen2016"]["reason"].startswith("HTTP 403: behind a login or paywall; download it yourself")
    assert m["eriksen2016"]["url"] == "https://doi.org/10.5555/afs.2016.4204"
    assert m["vasquez2017"]["reason"].startswith("404: the link is dead")
    assert m["okafor2023"]["reason"].startswith("only an abstract page, no full text")
    assert m["kirkpatrick1994"]["reason"] == "no URL or DOI: look it up by title and drop it in corpus/"
    assert m["kirkpatrick1994"]["url"] == "" and "Kirkpatrick, D. L. (1994)" in m["kirkpatrick1994"]["reference"]
    assert "gave up after 1.5 s" in m["zeller2024"]["reason"] and "MANDATE_FETCH_DEADLINE_S" in m["zeller2024"]["reason"]
    assert built["site"].sent["/slow/zeller-amini"] < 100  # cut off by the deadline, not read to the end
    assert load_last_build(built["settings"])["references"] == built["rerun"]["references"]


@pytest.mark.slow  # end to end: a loopback web site, fetch, ingest, a CLI rerun (one module fixture)
def test_paper_entry_without_file_keeps_its_metadata(built):
    reg = Store(built["settings"], create=False).registry()
    paper = reg["more-than-a-mandate"]
    assert paper.title == PAPER_TITLE and paper.kind == "paper" and paper.year == 2025
    assert paper.url == built["site"].base + "/publications/more-than-a-mandate"
    assert paper.path.endswith("more-than-a-mandate.pdf")
    assert built["hits"].get("/files/brochure.pdf") is None


@pytest.mark.slow  # end to end: a loopback web site, fetch, ingest, a CLI rerun (one module fixture)
def test_doi_goes_through_the_resolver_setting_and_citation_pdf_url(built):
    hits = built["hits"]
    assert hits["/doi/10.5555/ip.2019.0263"] == 1 and hits["/journals/ip/26/3/395.pdf"] == 1
    lock = json.loads((built["settings"].corpus_dir / "sources.lock").read_text())["sources"]
    assert lock["holvikivi-2019"]["url"] == "https://doi.org/10.5555/ip.2019.0263"
    assert lock["holvikivi-2019"]["final_url"] == built["site"].base + "/journals/ip/26/3/395.pdf"
    assert lock["ghittoni-2018"]["landing_url"] == built["site"].base + "/dcaf/elsie-baseline-study"


@pytest.mark.slow  # end to end: a loopback web site, fetch, ingest, a CLI rerun (one module fixture)
def test_html_article_is_an_html_source_with_main_text_only(built):
    store = Store(built["settings"], create=False)
    reg = store.registry()["nakamura-2022"]
    assert reg.path.endswith("nakamura-2022.html") and reg.title.startswith("Gender focal points")
    text = "\n".join(p.text for p in source_pages(store, "nakamura-2022", reg))
    assert FOCAL in text and "Log in" not in text and "Loopback Publishing" not in text


@pytest.mark.slow  # end to end: a loopback web site, fetch, ingest, a CLI rerun (one module fixture)
def test_hand_dropped_file_is_matched_by_content_and_recorded(built):
    (adopted,) = built["first"]["matched_by_content"]
    assert adopted["file"] == "scan_0042.pdf" and adopted["key"] == "holm2012" and "author" in adopted["how"]
    entry = next(e for e in load_manifest(built["settings"].corpus_dir) if e.file == "scan_0042.pdf")
    assert entry.title == HOLM_TITLE and entry.year == 2012 and entry.kind == "cited"
    reg = Store(built["settings"], create=False).registry()
    assert reg[entry.id].title == HOLM_TITLE and "scan-0042" not in reg
    assert "holm2012" not in missing(built["first"])


@pytest.mark.slow  # end to end: a loopback web site, fetch, ingest, a CLI rerun (one module fixture)
def test_rerun_downloads_and_embeds_nothing(built):
    rerun, site = built["rerun"], built["site"]
    assert built["rerun_code"] == 1 and rerun["exit_code"] == 1
    assert rerun["fetch"]["downloaded"] == [] and rerun["chunks_embedded"] == 0
    assert rerun["added_to_manifest"] == [] and rerun["matched_by_content"] == []
    assert {s["status"] for s in rerun["sources"]} == {"unchanged"}
    assert rerun["references"] == built["first"]["references"] | {"missing": rerun["references"]["missing"]}
    assert {k: m["reason"] for k, m in missing(rerun).items()} == \
        {k: m["reason"] for k, m in missing(built["first"]).items()}
    assert all(site.hits.get(p) == built["hits"].get(p) for p in DOCS)  # nothing fetched again
    assert "build [6/6]" in built["rerun_log"] and "nothing new" in built["rerun_log"]
    assert built["check_code"] == 0


@pytest.mark.slow  # end to end: a loopback web site, fetch, ingest, a CLI rerun (one module fixture)
def test_answer_cites_or_traces_into_the_doi_fetched_report(built):
    from app.engine import Engine

    ans = Engine(built["settings"]).answer("In how many sessions did trainers use jokes to defuse hostile questions?")
    assert not ans.refused
    hits = [c for c in ans.citations if c.source_id == "holvikivi-2019"]
    traced = [t for c in ans.citations for t in c.traces if t.source_id == "holvikivi-2019"]
    assert hits or traced, ans.to_json()
    quotes = " ".join([c.quote for c in hits] + [t.quote for t in traced])
    assert JOKES in quotes


def test_an_upload_is_matched_to_its_reference_by_content(fake_embeddings, tmp_path):
    """The app's ingest (after an upload) matches a file to the paper's reference by what it says."""
    from ingest.build import ingest_and_match
    from tests.fixtures.web_site import paper_pdf

    site = Site.__new__(Site)  # only its corpus writer: no server needed
    site.base = "http://127.0.0.1:9"
    corpus = tmp_path / "corpus"
    site.write_corpus(corpus)
    (corpus / "more-than-a-mandate.pdf").write_bytes(paper_pdf(site.base))
    write_pdf(corpus / "unrelated.pdf", [f"{HOLM_TITLE}: a review\n\nPer Moor\n\nBergen, 1999\n\nA review."])
    s = Settings(corpus_dir=corpus, db_dir=tmp_path / "db")
    report = ingest_and_match(s)
    reg = Store(s, create=False).registry()
    assert reg["holm2012"].path.endswith("scan_0042.pdf") and reg["holm2012"].title == HOLM_TITLE
    assert "unrelated" in reg and not report.failed  # same title, wrong author and no year match: left alone
    assert [e.id for e in load_manifest(corpus)] == ["more-than-a-mandate", "holm2012"]


@pytest.mark.slow  # end to end: a loopback web site, fetch, ingest, a CLI rerun (one module fixture)
def test_text_report_lists_each_missing_work_with_its_reason(built):
    from ingest.build import print_text

    out = io.StringIO()
    print_text(built["first"], out)
    text = out.getvalue()
    assert f"embedded {built['first']['chunks_embedded']} chunks this run; 4 downloaded" in text
    assert "references: 4 of 9 ingested; 5 missing" in text
    assert "  - eriksen2016: HTTP 403: behind a login or paywall" in text and "doi.org/10.5555/afs.2016.4204" in text
    assert "  - kirkpatrick1994: no URL or DOI" in text and "not fetched" not in text


@pytest.mark.slow  # end to end: a loopback web site, fetch, ingest, a CLI rerun (one module fixture)
def test_a_file_dropped_for_a_paywalled_work_completes_it(built):
    """Runs last: the user downloads the 403 work through their library and drops it in under any name."""
    s = built["settings"]
    write_pdf(s.corpus_dir / "download (3).pdf", [
        "Laughing it off: humour as resistance in mandatory gender training\n\nL. Eriksen\n\n"
        "Armed Forces and Society 42(4), 2016\n\nHumour in the training room protects the group from the topic."])
    with pytest.MonkeyPatch.context() as mp:
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            mp.delenv(var, raising=False)
        rep = Builder(s, log=lambda m: None).run()
    (adopted,) = rep["matched_by_content"]
    assert adopted["file"] == "download (3).pdf" and adopted["entry_id"] == "eriksen-2016"
    assert rep["references"]["ingested"] == 5 and "eriksen2016" not in missing(rep)
    assert "eriksen-2016" not in {m["id"] for m in rep["fetch"]["missing"]}
    assert {e.id: e.file for e in load_manifest(s.corpus_dir)}["eriksen-2016"] == "download (3).pdf"
    assert Store(s, create=False).registry()["eriksen-2016"].url == "https://doi.org/10.5555/afs.2016.4204"
