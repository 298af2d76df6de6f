"""Bibliography extraction, citation -> reference links, reference -> source links, coverage, `refs` CLI.

Runs on the generated review-like corpus (tests/fixtures/corpus.py), ingested for real, plus small
synthetic page texts for the forms the fixture does not print (footnotes citing works, "2019a",
page locators, a reference list without a heading).
"""
from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest

from ingest.__main__ import main as ingest_cli
from ingest.bib.cli import missing_entries
from ingest.bib.document import extract_bibliography
from ingest.bib.links import (
    Bibliography,
    bib_path,
    build_bibliography,
    coverage,
    link_reference,
    load_or_build_bibliography,
    source_pages,
    title_similarity,
)
from ingest.bib.references import extract_references, parse_reference
from ingest.index.records import Page
from ingest.index.store import RegistryEntry, Store
from ingest.manifest import load_manifest
from tests.fixtures.corpus import PAPER_ID

FIELDS = ("authors", "year", "title", "container", "url", "doi", "text")


@pytest.fixture(scope="module")
def truth(fixture_index):  # tests/conftest.py: the generated corpus (+ seed page, injection note), ingested
    return fixture_index[1]


@pytest.fixture(scope="module")
def settings(fixture_index):
    return fixture_index[0]


@pytest.fixture(scope="module")
def store(settings):
    return Store(settings, create=False)


@pytest.fixture(scope="module")
def paper_pages(store):
    return source_pages(store, PAPER_ID, store.registry()[PAPER_ID])


def precision_recall(refs, truth_refs) -> tuple[float, float]:
    """A parsed reference counts when every field (authors, year, title, container, url, doi, text) is right."""
    want = [tuple(json.dumps(r[f]) for f in FIELDS) for r in truth_refs]
    got = [tuple(json.dumps(getattr(r, f)) for f in FIELDS) for r in refs]
    hits = sum(1 for g in got if g in want)
    return hits / max(1, len(got)), hits / max(1, len(want))


def test_reference_parsing_precision_recall(truth, paper_pages):
    refs = extract_references(paper_pages)
    p, r = precision_recall(refs, truth.paper.references)
    print(f"\nreference parsing on the indexed paper: precision {p:.3f}, recall {r:.3f} ({len(refs)} parsed, "
          f"{len(truth.paper.references)} true)")
    assert p >= 0.9 and r >= 0.9
    by_key = {x.key: x for x in refs}
    assert set(by_key) == {t["key"] for t in truth.paper.references}
    assert all(x.page_label == truth.paper.labels[t["page_index"]] for t in truth.paper.references
               for x in [by_key[t["key"]]])
    # the same on page texts without paragraph breaks (the truth's layout text)
    flat = [Page(i, truth.paper.labels[i], t) for i, t in enumerate(truth.paper.page_texts)]
    p2, r2 = precision_recall(extract_references(flat), truth.paper.references)
    print(f"reference parsing without paragraph breaks: precision {p2:.3f}, recall {r2:.3f}")
    assert p2 >= 0.9 and r2 >= 0.9


def test_citation_links_match_truth(truth, paper_pages):
    doc = extract_bibliography(paper_pages, PAPER_ID)
    index = {r.key: i for i, r in enumerate(doc.references)}
    got = sorted((c.text, c.page_index, index[k]) for c in doc.citations for k in c.refs)
    want = sorted(truth.paper.citations)
    hits = sum((Counter(got) & Counter(want)).values())
    print(f"\ncitation -> reference links: {hits}/{len(want)} true links found, {len(got)} links made")
    assert got == want
    for c in doc.citations:  # offsets point at the printed citation in the stored page text
        assert paper_pages[c.page_index].text[c.start:c.end] == c.text
    assert not [c.text for c in doc.citations if not c.refs]


def _pages(*texts: str) -> list[Page]:
    return [Page(i, str(i + 1), t) for i, t in enumerate(texts)]


REFS_TEXT = ("References\n\n"
             "Holvikivi, A. (2019a). Mandate rituals: gender training for peacekeepers in practice. International "
             "Peacekeeping 26(3): 395–418. doi:10.5555/ip.2019.0263\n\n"
             "———. (2019b). Gender experts and the making of peacekeeping knowledge. Geneva: DCAF.\n\n"
             "Mutua, G. and Pérez, A. (2020). From training to transformation? Gender reforms in East African police "
             "services. Policing and Society 30(7): 802–819.\n\n"
             "O'Neil, K., Smith-Jones, L., van der Berg, P. and Lee, D. (2021). Four authors wrote this. Journal of "
             "Tests 1(1): 1–2. Available at: https://example.org/oneil\n\n"
             "Organisation for Security and Co-operation in Europe (OSCE) (2018). Gender in police training. Vienna: "
             "OSCE.")


def test_in_text_forms_and_footnotes():
    body = ("Training is ritual (Holvikivi 2019a, p. 4; see Mutua and Perez 2020). Holvikivi's (2019b) later "
            "study and O'Neil et al. (2021) agree (OSCE 2018: 12). In 2019 (Holvikivi 2019a, b) said so. "
            "Reforms stall without budgets.7 Nothing else (October 2000).\n\n"
            "7 See Holvikivi 2019b, pp. 12–14.")
    doc = extract_bibliography(_pages(body, REFS_TEXT))
    keys = [r.key for r in doc.references]
    assert keys == ["holvikivi2019a", "holvikivi2019b", "mutua2020", "oneil2021", "osce2018"]
    assert doc.references[1].authors == ["Holvikivi"]  # "———." repeats the authors above
    assert doc.references[3].authors == ["O'Neil", "Smith-Jones", "van der Berg", "Lee"]
    assert doc.references[3].url == "https://example.org/oneil" and doc.references[3].title == "Four authors wrote this"
    assert doc.references[2].title.startswith("From training to transformation? Gender reforms")
    assert doc.references[4].authors == ["Organisation for Security and Co-operation in Europe (OSCE)"]
    got = {c.text: c.refs for c in doc.citations}
    assert got["(Holvikivi 2019a, p. 4; see Mutua and Perez 2020)"] == ["holvikivi2019a", "mutua2020"]
    assert got["Holvikivi's (2019b)"] == ["holvikivi2019b"]
    assert got["O'Neil et al. (2021)"] == ["oneil2021"]
    assert got["(OSCE 2018: 12)"] == ["osce2018"]
    assert got["(Holvikivi 2019a, b)"] == ["holvikivi2019a", "holvikivi2019b"]
    assert got["budgets.7"] == ["holvikivi2019b"]  # the footnote marker stands for its note
    note = next(c for c in doc.citations if c.kind == "footnote")
    assert note.note.startswith("7 See Holvikivi") and body[note.start:note.end] == "budgets.7"
    assert "(October 2000)" not in got
    first = next(c for c in doc.citations if c.text.startswith("(Holvikivi 2019a, p. 4"))
    assert first.items[0].locator == "p. 4"


def test_reference_list_without_heading_and_wrapped_over_pages():
    p1 = ("Body text that cites Alpha (2001) and (Beta and Gamma 2002).\n\n"
          "Alpha, B. (2001). A first work. Oxford: Clarendon.\n\n"
          "Beta, C. and Gamma, D. (2002). A second work whose entry is wrapped")
    p2 = ("over a page break. Journal of Things 4: 5–6.\n\n"
          "Delta, E. (2003). A third work. https://example.org/delta.")
    doc = extract_bibliography(_pages(p1, p2))
    assert [r.key for r in doc.references] == ["alpha2001", "beta2002", "delta2003"]
    assert doc.references[1].title == "A second work whose entry is wrapped over a page break"
    assert doc.references[1].container == "Journal of Things 4: 5–6"
    assert doc.references[2].url == "https://example.org/delta"
    assert [c.refs for c in doc.citations] == [["alpha2001"], ["beta2002"]]
    assert extract_references(_pages("Just prose with a year (2019) and no references at all.")) == []


def test_parse_reference_without_link_and_nd():
    r = parse_reference("Kirkpatrick, D. L. (1994). Evaluating training programs: the four levels. "
                        "San Francisco: Berrett-Koehler.")
    assert (r.authors, r.year, r.url, r.doi, r.link()) == (["Kirkpatrick"], 1994, "", "", "")
    assert r.container == "San Francisco: Berrett-Koehler"
    nd = parse_reference("UN Women (n.d.). Gender equality glossary. https://example.org/glossary")
    assert nd.year is None and nd.authors == ["UN Women"] and nd.url == "https://example.org/glossary"


def test_references_link_to_the_three_cited_sources(truth, store):
    bib = build_bibliography(store)
    doc = bib.documents[PAPER_ID]
    linked = {r.key: (r.linked_source, r.link_method) for r in doc.references if r.linked_source}
    assert linked == {"holvikivi2019": ("holvikivi-2019", "doi"), "ghittoni2018": ("ghittoni-2018", "url"),
                      "kirkpatrick1994": ("kirkpatrick-1994", "title")}
    assert {s.key: s.id for s in truth.sources} == {k: v[0] for k, v in linked.items()}
    assert set(bib.documents) == {PAPER_ID}  # the cited sources (and the other documents) have no reference list


def _entry(sid, title, year=None, authors=(), url=""):
    return RegistryEntry(sid, "0" * 64, f"/x/{sid}.pdf", title, "cited", url, 1, 1, list(authors), year)


def test_link_fallbacks():
    ref = parse_reference("Eriksen, L. (2016). Laughing it off: humour as resistance in mandatory gender training. "
                          "Armed Forces and Society 42(4): 701–719.")
    reg = {"e": _entry("e", "Laughing it off - humour as resistance in mandatory gender training", 2016)}
    assert link_reference(ref, reg) == ("e", "title")
    assert link_reference(ref, {"e": _entry("e", "Laughing it off: humour as resistance", 2015)}) == (None, "")
    assert link_reference(ref, {"e": _entry("e", "scan_0042", 2016, ["Eriksen"])}) == ("e", "author-year")
    assert link_reference(ref, {"e": _entry("e", "Report", 2016, ["Lars Eriksen"])}) == ("e", "author-year")
    assert link_reference(ref, {"e": _entry("e", "Gender training", 2016, ["Other"])}) == (None, "")
    assert title_similarity("Training", "Training in armed forces") == 0.0  # too little in common


def test_coverage_and_persisted_bibliography(truth, settings, store, monkeypatch):
    cov = coverage(store, settings)
    assert (cov["references"], cov["ingested"]) == (12, 3)
    missing = {m["key"] for m in cov["missing"]}
    assert missing == {r["key"] for r in truth.paper.references} - {s.key for s in truth.sources}
    assert all(m["url"] for m in cov["missing"])  # every missing one has a URL or DOI in the fixture
    path = bib_path(settings)
    assert path.is_file() and json.loads(path.read_text())["fingerprint"]
    import ingest.bib.links as rl

    monkeypatch.setattr(rl, "build_bibliography", lambda s: pytest.fail("re-parsed despite a matching fingerprint"))
    assert len(load_or_build_bibliography(store, settings).documents[PAPER_ID].references) == 12


def test_refs_cli_json_and_exit_codes(truth, settings, capsys, tmp_path):
    rc = ingest_cli(["refs", "--db", str(settings.db_dir), "--corpus", str(settings.corpus_dir), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["coverage"]["references"] == 12 and out["coverage"]["ingested"] == 3
    assert len(out["coverage"]["missing"]) == 9
    refs = {r["key"]: r for r in out["documents"][0]["references"]}
    assert refs["holvikivi2019"]["ingested"] and refs["holvikivi2019"]["source_id"] == "holvikivi-2019"
    assert refs["holvikivi2019"]["cited_on"] == ["1", "2", "4"]
    assert refs["nakamura2022"]["ingested"] is False and refs["nakamura2022"]["link"] == "https://example.org/ggr/2022/nakamura"
    assert refs["carvalho2021"]["link"] == "https://doi.org/10.5555/jpos.2021.0092"
    assert ingest_cli(["refs", "--db", str(tmp_path / "none")]) == 2  # no index
    Store(settings.model_copy(update={"db_dir": tmp_path / "empty"}))  # an index without any source
    assert ingest_cli(["refs", "--db", str(tmp_path / "empty")]) == 1  # no reference list
    assert ingest_cli(["refs", "--bogus"]) == 2
    capsys.readouterr()
    assert ingest_cli(["refs", "--db", str(settings.db_dir)]) == 0
    text = capsys.readouterr().out
    assert "coverage: 3 of 12 references ingested; 9 missing" in text


def test_add_missing_is_exact_and_idempotent(truth, settings, tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(settings.corpus_dir / "sources.toml", corpus / "sources.toml")
    before = load_manifest(corpus)
    args = ["refs", "--db", str(settings.db_dir), "--corpus", str(corpus), "--add-missing", "--json"]
    assert ingest_cli(args) == 0
    added = json.loads(capsys.readouterr().out)["added"]
    after = load_manifest(corpus)
    new = after[len(before):]
    assert [e.id for e in new] == [a["id"] for a in added]
    truth_refs = {r["key"]: r for r in truth.paper.references}
    want = {k for k, r in truth_refs.items() if (r["url"] or r["doi"])} - {s.key for s in truth.sources}
    assert len(new) == len(want) == 9
    by_url = {e.url: e for e in new}
    for k in want:
        r = truth_refs[k]
        e = by_url[r["url"] or f"https://doi.org/{r['doi']}"]
        assert (e.kind, e.title, e.authors, e.year, e.file) == ("cited", r["title"], r["authors"], r["year"], f"{e.id}.pdf")
    assert by_url["https://doi.org/10.5555/ps.2020.3007"].id == "mutua-2020"
    assert by_url["https://example.org/un/dpo-gender-policy-2020"].id == "undpo-2020"
    text = (corpus / "sources.toml").read_text()
    assert ingest_cli(args) == 0  # second run: nothing more
    assert json.loads(capsys.readouterr().out)["added"] == []
    assert (corpus / "sources.toml").read_text() == text


def test_missing_entries_skip_references_without_a_link():
    with_link = parse_reference("Alpha, B. (2001). A first work. Oxford: Clarendon. https://example.org/a")
    without = parse_reference("Beta, C. (2002). A second work. Oxford: Clarendon.")
    from ingest.bib.document import DocumentBibliography

    bib = Bibliography("x", {"p": DocumentBibliography("p", "Paper", "paper", [with_link, without], [])})
    assert [e.id for e in missing_entries(bib, [])] == ["alpha-2001"]
    from ingest.manifest import ManifestEntry

    assert missing_entries(bib, [ManifestEntry(id="other", url="https://www.example.org/a/")]) == []
    clash = missing_entries(bib, [ManifestEntry(id="alpha-2001", url="https://example.org/elsewhere")])
    assert [e.id for e in clash] == ["alpha-2001-2"]


def test_chicago_author_date_style():
    refs = ("Bibliography\n\n"
            "Bastick, Megan, and Daniel de Torres. 2010. Implementing the Women, Peace and Security Resolutions in "
            "Security Sector Reform. Geneva: DCAF.\n\n"
            "Holvikivi, Aiko. 2019. “Gender Experts and Critical Friends: Research in Relations of Knowledge.” "
            "International Feminist Journal of Politics 21 (1): 131–47. https://doi.org/10.1080/14616742.2018.1547650.\n\n"
            "Kirkpatrick, Donald L., and James D. Kirkpatrick. 2006. Evaluating Training Programs: The Four Levels. "
            "3rd ed. San Francisco: Berrett-Koehler.\n\n"
            "UN DPO (United Nations Department of Peace Operations). 2020. Gender Responsive UN Peacekeeping "
            "Operations Policy. New York: United Nations.")
    body = ("Training is often ritual (Holvikivi 2019, 135). Bastick and de Torres (2010) argue it, as do "
            "(Kirkpatrick and Kirkpatrick 2006; UN DPO 2020).")
    doc = extract_bibliography(_pages(body, refs))
    got = [(r.key, r.authors, r.year, r.title, r.doi) for r in doc.references]
    assert got == [
        ("bastick2010", ["Bastick", "de Torres"], 2010, "Implementing the Women, Peace and Security Resolutions in "
         "Security Sector Reform", ""),
        ("holvikivi2019", ["Holvikivi"], 2019, "Gender Experts and Critical Friends: Research in Relations of "
         "Knowledge", "10.1080/14616742.2018.1547650"),
        ("kirkpatrick2006", ["Kirkpatrick", "Kirkpatrick"], 2006, "Evaluating Training Programs: The Four Levels", ""),
        ("undpo2020", ["UN DPO (United Nations Department of Peace Operations)"], 2020,
         "Gender Responsive UN Peacekeeping Operations Policy", "")]
    assert doc.references[1].container == "International Feminist Journal of Politics 21 (1): 131–47"
    assert [(c.text, c.refs) for c in doc.citations] == [
        ("(Holvikivi 2019, 135)", ["holvikivi2019"]), ("Bastick and de Torres (2010)", ["bastick2010"]),
        ("(Kirkpatrick and Kirkpatrick 2006; UN DPO 2020)", ["kirkpatrick2006", "undpo2020"])]


def test_coverage_counts_the_papers_references_only():
    from ingest.bib.document import DocumentBibliography
    from ingest.bib.links import coverage_of

    ref = parse_reference("Alpha, B. (2001). A first work. Oxford: Clarendon. https://example.org/a")
    cited = DocumentBibliography("src", "A cited source with its own bibliography", "cited", [ref], [])
    assert coverage_of(Bibliography("x", {"src": cited}, papers=["paper"]))["references"] == 0
    assert coverage_of(Bibliography("x", {"src": cited}))["references"] == 1  # no paper indexed: every list counts
