"""``python -m ingest fetch`` against a loopback HTTP server started inside the tests (no internet)."""
from __future__ import annotations

import hashlib
import io
import json
import socket
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfWriter

from ingest.fetch import download as http_download, run as fetch
from ingest.fetch.run import main
from ingest.manifest import LOCK_NAME


def make_pdf(width: float = 200, height: float = 200) -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=width, height=height)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


PAPER_PDF = make_pdf(300, 400)
DIRECT_PDF = make_pdf(210, 297)
BROCHURE_PDF = make_pdf(100, 100)
FLAKY_PDF = make_pdf(123, 321)
BIG = b"%PDF-1.4\n" + b"0" * 200_000  # > 0.05 MB cap

LANDING = b"""<!DOCTYPE html><html><head><title>More than a mandate</title></head><body>
<p>Summary of the report.</p>
<a href="other/brochure.pdf">Brochure</a>
<a href="files/paper.pdf">Download the full report (PDF)</a>
</body></html>"""
RU_ARTICLE = "<html><body><article><h1>Подготовка</h1><p>" + "Курс длится три дня и включает ролевые игры. " * 30 + "</p></article></body></html>"
ARTICLE = (b"<!doctype html><html><body><nav>Home Menu</nav><article><h1>An article</h1><p>"
           + b"Text of an article published as HTML, without any PDF. " * 40 + b"</p></article></body></html>")
FAKE_PDF = b"<html><head><title>Access</title></head><body><p>Please log in.</p></body></html>"


class Server:
    """Routes: path -> (status, headers, body) or a callable(handler) -> that triple."""

    def __init__(self):
        self.hits: dict[str, int] = {}
        self.agents: list[str] = []
        self.flaky_left = 2
        self.routes = {
            "/landing.html": (200, {"Content-Type": "text/html; charset=utf-8"}, LANDING),
            "/files/paper.pdf": (200, {"Content-Type": "application/pdf"}, PAPER_PDF),
            "/other/brochure.pdf": (200, {"Content-Type": "application/pdf"}, BROCHURE_PDF),
            "/direct.pdf": (200, {"Content-Type": "application/pdf"}, DIRECT_PDF),
            "/redirect": (302, {"Location": "/direct.pdf"}, b""),
            "/redirect-ftp": (302, {"Location": "ftp://127.0.0.1/x.pdf"}, b""),
            "/missing.pdf": (404, {"Content-Type": "text/html"}, b"<html>not found</html>"),
            "/slow.pdf": self._slow,
            "/fake.pdf": (200, {"Content-Type": "application/pdf"}, FAKE_PDF),
            "/article.html": (200, {"Content-Type": "text/html"}, ARTICLE),
            "/ru.html": (200, {"Content-Type": "text/html; charset=windows-1251"}, RU_ARTICLE.encode("cp1251")),
            "/big.pdf": (200, {"Content-Type": "application/pdf"}, BIG),
            "/big-nolength.pdf": self._big_nolength,
            "/flaky.pdf": self._flaky,
            "/untouched.pdf": (200, {"Content-Type": "application/pdf"}, DIRECT_PDF),
        }

    def _slow(self, h):
        time.sleep(1.5)
        return 200, {"Content-Type": "application/pdf"}, DIRECT_PDF

    def _flaky(self, h):
        if self.flaky_left > 0:
            self.flaky_left -= 1
            return 503, {}, b"busy"
        return 200, {"Content-Type": "application/pdf"}, FLAKY_PDF

    def _big_nolength(self, h):  # HTTP/1.0, no Content-Length: the cap must stop the read loop
        return 200, {"Content-Type": "application/pdf", "Content-Length": None}, BIG


@pytest.fixture
def server():
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split("?")[0]
            state.hits[path] = state.hits.get(path, 0) + 1
            state.agents.append(self.headers.get("User-Agent", ""))
            route = state.routes.get(path, (404, {}, b"no route"))
            status, headers, body = route(self) if callable(route) else route
            try:
                self.send_response(status)
                headers = {"Content-Length": str(len(body)), **headers}
                for k, v in headers.items():
                    if v is not None:
                        self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # client gave up (timeout / size cap)
                pass

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.handle_error = lambda *a: None
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def fast_settings(monkeypatch):
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MANDATE_FETCH_TIMEOUT_S", "0.5")
    monkeypatch.setenv("MANDATE_FETCH_RETRIES", "0")
    monkeypatch.setenv("MANDATE_FETCH_DELAY_S", "0")
    monkeypatch.setenv("MANDATE_MAX_FILE_MB", "0.05")
    monkeypatch.setattr(http_download, "BACKOFF_BASE_S", 0.01)


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    return d


def write_manifest(corpus: Path, *entries: dict) -> None:
    blocks = []
    for e in entries:
        blocks.append("[[source]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in e.items()))
    (corpus / "sources.toml").write_text("\n".join(blocks), encoding="utf-8")


def run_json(corpus: Path, capsys) -> tuple[int, dict]:
    code = main(["--corpus", str(corpus), "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def by_id(report: dict) -> dict[str, dict]:
    return {r["id"]: r for r in report["results"]}


def lock(corpus: Path) -> dict:
    return json.loads((corpus / LOCK_NAME).read_text())["sources"]


def no_temp_files(corpus: Path) -> bool:
    return not [p for p in corpus.iterdir() if p.name.startswith(".fetch-")]


# --- success paths -------------------------------------------------------------------------


def test_landing_page_resolves_relative_pdf_link(server, corpus, capsys):
    write_manifest(corpus, {"id": "mandate", "title": "More than a mandate", "url": server.base + "/landing.html",
                            "file": "mandate.pdf"})
    code, report = run_json(corpus, capsys)
    assert code == 0 and report["ok"]
    r = by_id(report)["mandate"]
    assert r["status"] == "downloaded" and r["saved"] == "mandate.pdf"
    assert (corpus / "mandate.pdf").read_bytes() == PAPER_PDF  # the "download full report" link, not the brochure
    assert server.hits.get("/other/brochure.pdf") is None
    rec = lock(corpus)["mandate"]
    assert rec["url"] == server.base + "/landing.html"
    assert rec["final_url"] == server.base + "/files/paper.pdf"
    assert rec["landing_url"] == server.base + "/landing.html"
    assert rec["sha256"] == hashlib.sha256((corpus / "mandate.pdf").read_bytes()).hexdigest()
    assert rec["bytes"] == len(PAPER_PDF) and rec["content_type"] == "application/pdf"
    assert datetime.strptime(rec["fetched_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert set(server.agents) == {http_download.USER_AGENT} and "mandate-fetch/0.2 (More than a mandate?" in http_download.USER_AGENT
    assert no_temp_files(corpus)


def test_direct_and_redirect_then_second_run_skips(server, corpus, capsys):
    write_manifest(corpus, {"id": "direct", "url": server.base + "/direct.pdf", "file": "direct.pdf"},
                   {"id": "moved", "url": server.base + "/redirect", "file": "moved.pdf"},
                   {"id": "local-only", "file": "local-only.pdf"}, {"id": "meta-only", "title": "no url, no file"})
    (corpus / "local-only.pdf").write_bytes(BROCHURE_PDF)
    code, report = run_json(corpus, capsys)
    res = by_id(report)
    assert code == 0
    assert [res[i]["status"] for i in ("direct", "moved", "local-only", "meta-only")] == \
        ["downloaded", "downloaded", "present", "no-url"]
    assert (corpus / "moved.pdf").read_bytes() == DIRECT_PDF
    locked = lock(corpus)
    assert locked["moved"]["url"].endswith("/redirect") and locked["moved"]["final_url"] == server.base + "/direct.pdf"
    for rec in locked.values():
        assert rec["sha256"] == hashlib.sha256((corpus / rec["file"]).read_bytes()).hexdigest()
    assert set(locked) == {"direct", "moved"}
    hits = dict(server.hits)
    code = main(["--corpus", str(corpus)])
    out = capsys.readouterr().out
    assert code == 0 and "present     direct: direct.pdf" in out and "All manifest files are present." in out
    assert server.hits == hits  # nothing fetched again


def test_5xx_is_retried_with_backoff(server, corpus, capsys, monkeypatch):
    monkeypatch.setenv("MANDATE_FETCH_RETRIES", "2")
    write_manifest(corpus, {"id": "flaky", "url": server.base + "/flaky.pdf", "file": "flaky.pdf"})
    code, report = run_json(corpus, capsys)
    assert code == 0 and by_id(report)["flaky"]["status"] == "downloaded"
    assert server.hits["/flaky.pdf"] == 3
    assert (corpus / "flaky.pdf").read_bytes() == FLAKY_PDF


def test_a_page_whose_charset_only_the_header_names_is_saved_as_utf8_and_ingested(server, corpus, capsys):
    """Without a <meta charset> the saved bytes said nothing of windows-1251: the page was refused as binary."""
    write_manifest(corpus, {"id": "ru", "url": server.base + "/ru.html", "file": "ru.html"})
    code, report = run_json(corpus, capsys)
    assert code == 0, report
    assert (corpus / "ru.html").read_text(encoding="utf-8") == RU_ARTICLE
    from ingest.parsers.sniff import sniff_file
    from ingest.parsers.text import parse_html

    assert sniff_file(corpus / "ru.html").kind == "html"
    assert "Курс длится три дня" in parse_html(corpus / "ru.html").pages[0].text


def test_html_entry_and_suffixless_entry_save_the_page(server, corpus, capsys):
    write_manifest(corpus, {"id": "article", "url": server.base + "/article.html", "file": "article.html"},
                   {"id": "Some Page", "url": server.base + "/article.html"},  # no file: named after the id
                   {"id": "any", "url": server.base + "/direct.pdf", "file": "any-doc"})
    code, report = run_json(corpus, capsys)
    assert code == 0, report
    assert (corpus / "article.html").read_bytes() == ARTICLE
    assert (corpus / "some-page.html").read_bytes() == ARTICLE
    assert (corpus / "any-doc.pdf").read_bytes() == DIRECT_PDF
    assert lock(corpus)["article"]["content_type"] == "text/html"
    code, report = run_json(corpus, capsys)  # found again under their saved names
    assert code == 0 and {r["status"] for r in report["results"]} == {"present"}


# --- failures --------------------------------------------------------------------------------


def test_404_is_not_retried_and_report_says_where_to_drop(server, corpus, capsys, monkeypatch):
    monkeypatch.setenv("MANDATE_FETCH_RETRIES", "2")
    write_manifest(corpus, {"id": "gone", "url": server.base + "/missing.pdf", "file": "gone.pdf"},
                   {"id": "ok", "url": server.base + "/direct.pdf", "file": "ok.pdf"})
    code = main(["--corpus", str(corpus)])
    out = capsys.readouterr().out
    assert code == 1
    assert server.hits["/missing.pdf"] == 1
    assert "failed      gone: HTTP 404" in out and "downloaded  ok -> ok.pdf" in out
    assert "1 source(s) missing" in out and str(corpus) in out
    assert server.base + "/missing.pdf" in out and "save as gone.pdf" in out
    assert not (corpus / "gone.pdf").exists() and set(lock(corpus)) == {"ok"}


def test_offline_connection_refused(corpus, capsys, monkeypatch):
    monkeypatch.setenv("MANDATE_FETCH_RETRIES", "1")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    write_manifest(corpus, {"id": "off", "url": f"http://127.0.0.1:{port}/x.pdf", "file": "off.pdf"})
    code, report = run_json(corpus, capsys)
    r = by_id(report)["off"]
    assert code == 1 and r["status"] == "failed"
    assert "could not connect" in r["reason"] and "attempts" not in r["reason"]  # only 429/5xx are retried
    assert [{k: m[k] for k in ("id", "url", "file", "reason")} for m in report["missing"]] == \
        [{"id": "off", "url": f"http://127.0.0.1:{port}/x.pdf", "file": "off.pdf", "reason": r["reason"]}]
    assert "run `python -m ingest build` again when online" in report["missing"][0]["action"]
    assert not (corpus / LOCK_NAME).exists()


def test_timeout(server, corpus, capsys):
    write_manifest(corpus, {"id": "slow", "url": server.base + "/slow.pdf", "file": "slow.pdf"})
    code, report = run_json(corpus, capsys)
    assert code == 1 and "timed out after 0.5 s" in by_id(report)["slow"]["reason"]
    assert by_id(report)["slow"]["kind"] == "timeout"
    assert not (corpus / "slow.pdf").exists() and no_temp_files(corpus)


def test_login_page_served_as_pdf_is_not_saved(server, corpus, capsys):
    write_manifest(corpus, {"id": "fake", "url": server.base + "/fake.pdf", "file": "fake.pdf"})
    code, report = run_json(corpus, capsys)
    r = by_id(report)["fake"]
    assert code == 1 and r["status"] == "failed" and r["kind"] == "abstract"
    assert sorted(p.name for p in corpus.iterdir()) == ["sources.toml"]  # neither .pdf nor .html kept
    assert "only an abstract, login or landing page" in r["reason"] and "served as application/pdf" in r["reason"]
    assert "download it yourself and drop it in corpus/" in report["missing"][0]["action"]


def test_html_article_for_a_pdf_entry_is_kept_as_html_source(server, corpus, capsys):
    write_manifest(corpus, {"id": "art", "url": server.base + "/article.html", "file": "art.pdf"})
    code, report = run_json(corpus, capsys)
    r = by_id(report)["art"]
    assert code == 0 and r["status"] == "downloaded" and r["saved"] == "art.html"
    assert "HTML article" in r["note"] and (corpus / "art.html").read_bytes() == ARTICLE
    assert lock(corpus)["art"]["file"] == "art.html"
    code, report = run_json(corpus, capsys)  # the HTML stands for the entry's file from now on
    assert code == 0 and by_id(report)["art"]["status"] == "present"


def test_a_users_html_counts_as_the_entrys_file(server, corpus, capsys):
    (corpus / "fake.html").write_bytes(b"my own notes")
    write_manifest(corpus, {"id": "fake", "url": server.base + "/fake.pdf", "file": "fake.pdf"})
    code, report = run_json(corpus, capsys)
    assert code == 0 and by_id(report)["fake"]["status"] == "present" and server.hits == {}
    assert (corpus / "fake.html").read_bytes() == b"my own notes"


@pytest.mark.parametrize("path,how", [("/big.pdf", "announced"), ("/big-nolength.pdf", "more than")])
def test_oversized_file_is_rejected(server, corpus, capsys, path, how):
    write_manifest(corpus, {"id": "big", "url": server.base + path, "file": "big.pdf"})
    code, report = run_json(corpus, capsys)
    assert code == 1 and "too large" in by_id(report)["big"]["reason"] and how in by_id(report)["big"]["reason"]
    assert "MANDATE_MAX_FILE_MB" in by_id(report)["big"]["reason"]
    assert sorted(p.name for p in corpus.iterdir()) == ["sources.toml"]  # no partial, no temp file


def test_non_http_urls_refused_without_network(corpus, capsys, monkeypatch):
    def no_network(*a, **k):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    write_manifest(corpus, {"id": "passwd", "url": "file:///etc/passwd", "file": "passwd.pdf"},
                   {"id": "ftp-src", "url": "ftp://example.org/paper.pdf", "file": "ftp.pdf"})
    code = main(["--corpus", str(corpus)])
    out = capsys.readouterr().out
    assert code == 1
    assert "failed      passwd: refused URL 'file:///etc/passwd': only http:// and https://" in out
    assert "failed      ftp-src: refused URL 'ftp://example.org/paper.pdf'" in out
    assert sorted(p.name for p in corpus.iterdir()) == ["sources.toml"]


def test_redirect_to_ftp_is_refused(server, corpus, capsys):
    write_manifest(corpus, {"id": "sneaky", "url": server.base + "/redirect-ftp", "file": "sneaky.pdf"})
    code, report = run_json(corpus, capsys)
    assert code == 1 and "redirect 302" in by_id(report)["sneaky"]["reason"]
    assert "only http:// and https://" in by_id(report)["sneaky"]["reason"]


def test_existing_file_is_never_overwritten(server, corpus, capsys):
    (corpus / "mine.pdf").write_bytes(b"%PDF-1.4 user copy")
    (corpus / LOCK_NAME).write_text(json.dumps({"version": 1, "sources": {"mine": {
        "url": server.base + "/untouched.pdf", "file": "mine.pdf", "sha256": "0" * 64}}}))
    write_manifest(corpus, {"id": "mine", "url": server.base + "/untouched.pdf", "file": "mine.pdf"})
    code, report = run_json(corpus, capsys)
    r = by_id(report)["mine"]
    assert code == 0 and r["status"] == "present" and "differs from sources.lock" in r["note"]
    assert (corpus / "mine.pdf").read_bytes() == b"%PDF-1.4 user copy"
    assert "/untouched.pdf" not in server.hits


def test_malicious_file_names_write_nothing_outside(server, tmp_path, corpus, capsys):
    def tree():
        return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))

    write_manifest(corpus, {"id": "evil", "url": server.base + "/direct.pdf", "file": "../../evil.pdf"},
                   {"id": "abs", "url": server.base + "/direct.pdf", "file": str(tmp_path / "abs.pdf")},
                   {"id": "sub", "url": server.base + "/direct.pdf", "file": "sub/evil.pdf"})
    before = tree()
    code = main(["--corpus", str(corpus)])
    out = capsys.readouterr().out
    assert code == 1
    assert tree() == before and server.hits == {}
    assert "failed      evil: unsafe file name '../../evil.pdf'" in out
    assert "fix its file name in sources.toml first" in out
    with pytest.raises(ValueError):
        fetch.safe_name("..")
    assert fetch.safe_name("ok name.pdf") == "ok name.pdf"


# --- usage errors and helpers ------------------------------------------------------------------


def test_usage_errors_exit_2(tmp_path, corpus, capsys):
    assert main(["--corpus", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["--bogus"]) == 2
    (corpus / LOCK_NAME).write_text("{not json")
    write_manifest(corpus, {"id": "x", "url": "http://127.0.0.1:9/x.pdf", "file": "x.pdf"})
    assert main(["--corpus", str(corpus), "--json"]) == 2
    captured = capsys.readouterr()
    assert "not valid JSON" in captured.err and json.loads(captured.out)["exit_code"] == 2
    assert (corpus / LOCK_NAME).read_text() == "{not json"  # not clobbered


def test_sniff_and_link_ranking():
    assert http_download.sniff(PAPER_PDF, "text/html") == "pdf"
    assert http_download.sniff(FAKE_PDF, "application/pdf") == "html"
    assert http_download.sniff(b"\xef\xbb\xbf  <!DOCTYPE html><p>x") == "html"
    assert http_download.sniff(b"PK\x03\x04 zip", "application/pdf") == "other"
    html = b"""<html><head><base href="https://example.org/pub/"></head><body>
    <a href="a.pdf">Annex</a><a href="/x/Gender-Training-Report.PDF">Gender training report</a>
    <a href="javascript:void(0)">pdf</a><a href="b.pdf?download=1">Download</a></body></html>"""
    links = http_download.pdf_links(html, "https://example.org/landing", "Gender training in security")
    assert links[0] == "https://example.org/pub/b.pdf?download=1"
    assert links[1] == "https://example.org/x/Gender-Training-Report.PDF"
    assert links[2] == "https://example.org/pub/a.pdf" and len(links) == 3
    meta = b'<meta name="citation_pdf_url" content="/full.pdf"><a href="z.pdf">Download</a>'
    assert http_download.pdf_links(meta, "http://h/p/")[0] == "http://h/full.pdf"
