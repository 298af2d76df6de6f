"""The corpus folder is trusted for nothing (issue 12): links are not followed, the content (not
the name) decides the parser, hostile HTML parses in linear time, every parse runs under a budget,
and manifest values are type-checked before anything is written."""
from __future__ import annotations

import pytest

from ingest.__main__ import main as cli
from ingest.check import check_index
from ingest.index.store import Store
from ingest.pipeline import run_ingest
from tests.fixtures.simple_pdf import synthetic_pages, write_pdf

GOOD = "Mixed-gender engagement teams improve community outreach in peace operations.\n"
NOISE = bytes(b for b in range(1, 256) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D, 0x0C)) * 400  # no NUL, valid cp1252


def _by_name(report):
    return {s.path.rsplit("/", 1)[-1]: s for s in report.sources}


def _all_text(settings) -> str:
    return "\n".join(Store(settings, create=False).chunks.get(include=["documents"])["documents"])


def test_symlink_out_of_the_corpus_is_reported_not_ingested(make_settings, tmp_path):
    s = make_settings()
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\nzebrafinch:x:1000:1000::/home/zebrafinch:/bin/bash\n")
    (s.corpus_dir / "passwd.txt").symlink_to(secret)
    (s.corpus_dir / "linked-folder").symlink_to(secret.parent, target_is_directory=True)
    (s.corpus_dir / "note.txt").write_text(GOOD)
    report = run_ingest(s, progress=False)
    got = _by_name(report)
    assert got["note.txt"].status == "added"
    assert got["passwd.txt"].status == "failed" and "symbolic link" in got["passwd.txt"].error
    assert got["linked-folder"].status == "failed" and "symbolic link" in got["linked-folder"].error
    store = Store(s, create=False)
    assert set(store.registry()) == {"note"}  # nothing the library could offer for download
    assert "zebrafinch" not in _all_text(s)
    assert check_index(store) == []


def test_pdf_named_txt_is_parsed_as_pdf_and_binary_noise_is_refused(fake_embeddings, make_settings):
    s = make_settings()
    pages = synthetic_pages(7, 2)
    write_pdf(s.corpus_dir / "report.txt", pages)
    (s.corpus_dir / "noise.md").write_bytes(NOISE)  # binary, yet decodes as Windows-1252 and has no NUL byte
    (s.corpus_dir / "page.txt").write_text("<!DOCTYPE html><html><body><p>" + GOOD + "</p></body></html>")
    report = run_ingest(s, progress=False)
    got = _by_name(report)
    assert got["report.txt"].status == "added" and got["report.txt"].pages == 2
    assert got["noise.md"].status == "failed" and "binary" in got["noise.md"].error
    assert got["page.txt"].status == "added"
    text = _all_text(s)
    assert pages[0].split()[3] in text  # the PDF's own words, not its syntax
    assert "endobj" not in text and "%PDF" not in text and "<body>" not in text
    assert check_index(Store(s, create=False)) == []


def test_sniffing_is_one_function_for_discovery_upload_and_fetch():
    from ingest.parsers.sniff import sniff_data

    assert sniff_data(b"%PDF-1.7\n...", ".txt").kind == "pdf"
    assert sniff_data(b"<html><body>x</body></html>", "").kind == "html"
    assert sniff_data(GOOD.encode(), ".md").kind == "text"
    assert not sniff_data(NOISE, ".md").ok and sniff_data(NOISE, ".md").refusal == "broken"
    assert not sniff_data(b"PK\x03\x04rest", ".pdf").ok
    assert "not a PDF" in sniff_data(b"just text", ".pdf").reason


def _nested_divs(path, n: int, text: str = "Deeply nested page about gender advisers in peace operations.") -> int:
    data = ("<html><body>" + "<div>" * n + f"<p>{text}</p>" + "</div>" * n + "</body></html>").encode()
    path.write_bytes(data)
    return len(data)


@pytest.mark.timeout(300)
@pytest.mark.slow  # a 10 MB adversarial HTML through the parse worker: a stress test
def test_10mb_nested_div_html_parses_within_the_budget(fake_embeddings, make_settings):
    s = make_settings()
    size = _nested_divs(s.corpus_dir / "hostile.html", 900_000)
    assert 9_000_000 < size < 50 * 1024 * 1024  # under the upload/corpus cap: it is accepted for parsing
    (s.corpus_dir / "note.txt").write_text(GOOD)
    report = run_ingest(s, progress=False)  # default per-file budget (MANDATE_PARSE_TIMEOUT_S)
    got = _by_name(report)
    assert got["note.txt"].status == "added"
    assert got["hostile.html"].status == "added", got["hostile.html"].error
    assert "gender advisers in peace operations" in _all_text(s)
    assert check_index(Store(s, create=False)) == []


@pytest.mark.timeout(300)
def test_a_parse_over_its_budget_fails_that_file_and_the_run_goes_on(fake_embeddings, make_settings):
    s = make_settings(parse_timeout_s=0.3, max_text_chars=2000)
    _nested_divs(s.corpus_dir / "slow.html", 900_000)  # several seconds of parsing: over a 0.3 s budget
    (s.corpus_dir / "long.txt").write_text(GOOD * 40)  # 3,200 characters: over the text cap
    (s.corpus_dir / "note.txt").write_text(GOOD)
    report = run_ingest(s, progress=False)
    got = _by_name(report)
    assert got["slow.html"].status == "failed" and got["slow.html"].error_kind == "over_budget"
    assert "0.3 s budget" in got["slow.html"].error and "MANDATE_PARSE_TIMEOUT_S" in got["slow.html"].error
    assert got["long.txt"].status == "failed" and "MANDATE_MAX_TEXT_CHARS" in got["long.txt"].error
    assert got["note.txt"].status == "added"
    assert check_index(Store(s, create=False)) == []


def test_manifest_value_types_are_checked_before_any_write(fake_embeddings, make_settings, capsys):
    s = make_settings()
    (s.corpus_dir / "a.txt").write_text(GOOD)
    assert cli(["--corpus", str(s.corpus_dir), "--db", str(s.db_dir), "--no-progress"]) == 0
    before = Store(s, create=False).registry()
    (s.corpus_dir / "b.txt").write_text("Pre-deployment training prepares police officers for missions.\n")
    (s.corpus_dir / "sources.toml").write_text('[[source]]\nid = 5\nfile = "b.txt"\n')
    capsys.readouterr()
    for extra in ([], ["--rebuild"]):
        code = cli(["--corpus", str(s.corpus_dir), "--db", str(s.db_dir), "--no-progress", *extra])
        err = capsys.readouterr().err
        assert code == 2
        assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("error: ")
        assert "sources.toml" in err and "`id` must be a string" in err
        assert Store(s, create=False).registry() == before  # nothing written, nothing dropped
    assert check_index(Store(s, create=False)) == []


def test_the_summary_counts_the_sources_in_the_index_not_the_files_tried(fake_embeddings, make_settings, capsys):
    """Two files of three failed and the summary said "3 sources ... in index"."""
    s = make_settings()
    (s.corpus_dir / "a.txt").write_text(GOOD)
    (s.corpus_dir / "noise.md").write_bytes(NOISE)
    (s.corpus_dir / "empty.txt").write_bytes(b"")
    assert cli(["--corpus", str(s.corpus_dir), "--db", str(s.db_dir), "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "\n1 sources, 1 pages, 1 chunks in index;" in out and "2 failed" in out
    report = run_ingest(s, progress=False)
    assert report.sources_total == 1 == report.to_json()["sources_total"] and len(report.sources) == 3


def test_long_and_control_character_file_names(fake_embeddings, make_settings, capsys):
    """A 240-character file name made a sentence file name over 255 bytes: the ingest stopped with a traceback after
    storing the chunks. A name holding a newline or an escape sequence broke the one-line report and could recolour
    (or worse) the terminal."""
    s = make_settings()
    (s.corpus_dir / ("x" * 240 + ".txt")).write_text(GOOD)
    (s.corpus_dir / "line\nbreak.txt").write_text("Refresher courses are repeated during deployment.\n")
    (s.corpus_dir / "red\x1b[31m.txt").write_bytes(b"")
    assert cli(["--corpus", str(s.corpus_dir), "--db", str(s.db_dir), "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err and "red\\x1b[31m.txt" in captured.out
    assert "line\\nbreak.txt" in captured.out and len(captured.out.strip().splitlines()) == 5  # 3 files, blank, summary
    assert "2 sources" in captured.out and check_index(Store(s, create=False)) == []
    assert cli(["--corpus", str(s.corpus_dir), "--db", str(s.db_dir), "--no-progress"]) == 1  # and again: unchanged
    assert capsys.readouterr().out.count("unchanged") == 2


def test_terminal_codes_in_a_document_never_reach_the_terminal(fake_embeddings, make_settings, capsys):
    """A text file's colour codes were stored, and `ask`, `search` and `list` printed them to the terminal as codes."""
    s = make_settings()
    body = "Refresher courses are repeated during deployment and commanders attend them. " * 30
    (s.corpus_dir / "codes.txt").write_text("Training \x1b[31mnotes for\x07 trainers\n\n" + body
                                            + "Gender training \x1b[31min police academies\x1b[0m lasts three days.\n")
    assert cli(["--corpus", str(s.corpus_dir), "--db", str(s.db_dir), "--no-progress"]) == 0
    assert "\x1b" not in _all_text(s) and "police academies lasts three days" in _all_text(s)
    capsys.readouterr()
    assert cli(["list", "--db", str(s.db_dir)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "Training notes for trainers" in out
