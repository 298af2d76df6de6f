"""Fetch reliability (issue 12, item 6) and politeness: a total deadline per download that a server
dripping one byte at a time cannot stretch, a budget that bounds the app's start, retries only on
429/5xx, one request at a time per host with a pause, DOIs through the resolver setting, and
downloads without a ``file`` matched back to their manifest entry."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ingest.fetch import run as fetch
from ingest.fetch.links import resolvable_url
from ingest.index.settings import Settings
from ingest.manifest import ManifestEntry, load_manifest, set_entry_file, with_fetched_files
from tests.fixtures.simple_pdf import write_pdf

ROOT = Path(__file__).resolve().parents[3]
PDF = b"%PDF-1.4\n%fixture\n" + b"0" * 100 + b"\n%%EOF\n"


class Web:
    def __init__(self):
        self.hits: dict[str, list[float]] = {}
        self.sent = 0
        self.busy_left = 1

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?")[0]
        self.hits.setdefault(path, []).append(time.monotonic())
        if path == "/drip-body.pdf":  # valid headers, then one byte every 0.1 s (per-read timeout never trips)
            h.send_response(200)
            h.send_header("Content-Length", "5000")
            h.end_headers()
            return self._drip(h, b"%" * 5000)
        if path == "/drip-headers.pdf":  # the status line, then the headers one byte at a time
            h.wfile.write(b"HTTP/1.1 200 OK\r\n")
            return self._drip(h, b"X-Slow: " + b"a" * 5000 + b"\r\n\r\n")
        if path == "/busy.pdf" and self.busy_left:
            self.busy_left -= 1
            return self._send(h, 429, PDF[:0], {"Retry-After": "0"})
        if path == "/forbidden.pdf":
            return self._send(h, 403, b"no")
        if path.startswith("/doi/10.1234/"):
            return self._send(h, 302, b"", {"Location": "/files/" + path.rsplit("/", 1)[1] + ".pdf"})
        if path.startswith("/files/") or path == "/busy.pdf":
            return self._send(h, 200, PDF, {"Content-Type": "application/pdf"})
        self._send(h, 404, b"gone")

    def _drip(self, h, data: bytes) -> None:
        for i in range(len(data)):
            h.wfile.write(data[i:i + 1])
            h.wfile.flush()
            self.sent += 1
            time.sleep(0.1)

    @staticmethod
    def _send(h, status: int, body: bytes, headers: dict | None = None) -> None:
        h.send_response(status)
        for k, v in {"Content-Length": str(len(body)), **(headers or {})}.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)


@pytest.fixture
def web(monkeypatch):
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    state = Web()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            try:
                state.handle(self)
            except OSError:  # the client cut the connection (deadline)
                pass

        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.handle_error = lambda *a: None
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


def settings(tmp_path, **kw) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    base = dict(corpus_dir=corpus, db_dir=tmp_path / "db", fetch_timeout_s=0.5, fetch_deadline_s=1.0,
                fetch_retries=0, fetch_delay_s=0.0)
    return Settings(**{**base, **kw})


@pytest.mark.parametrize("path", ["/drip-body.pdf", "/drip-headers.pdf"])
def test_a_server_dripping_bytes_cannot_hang_fetch(web, tmp_path, path):
    s = settings(tmp_path)
    r = fetch.fetch_entry(ManifestEntry(id="slow", url=web.base + path, file="slow.pdf"), s.corpus_dir, s, {})
    assert r.status == "failed" and r.kind == "deadline", r
    assert r.reason.startswith("gave up after 1 s") and "MANDATE_FETCH_DEADLINE_S" in r.reason
    assert web.sent < 200  # cut off after about a second, not read to the end (5,000 bytes at 10 per second)
    assert "run `python -m ingest build` again later" in r.action
    assert sorted(p.name for p in s.corpus_dir.iterdir()) == []  # no partial file, no temp file


def test_a_spent_budget_tries_nothing(web, tmp_path):
    s = settings(tmp_path)
    r = fetch.fetch_entry(ManifestEntry(id="x", url=web.base + "/files/x"), s.corpus_dir, s, {},
                          until=time.monotonic() - 1)
    assert r.status == "failed" and r.kind == "budget" and web.hits == {}
    assert "time budget" in r.action


@pytest.mark.slow  # runs the .ci/app build line in a fresh interpreter
def test_app_start_is_bounded_by_the_fetch_deadline(web, tmp_path):
    """The build line of .ci/app, run as it is: three dripping servers, a 1 s deadline: the first gives up,
    the others are not tried, and the app would start."""
    line = next(ln for ln in (ROOT / ".ci" / "app").read_text().splitlines() if "python -m ingest build" in ln)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "sources.toml").write_text("".join(
        f'[[source]]\nid = "s{i}"\nurl = "{web.base}/drip-body.pdf?{i}"\n\n' for i in range(3)))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "MANDATE_FETCH_DEADLINE_S": "1",
           "MANDATE_CORPUS_DIR": str(corpus), "MANDATE_DB_DIR": str(tmp_path / "db"), "MANDATE_FETCH_DELAY_S": "0"}
    p = subprocess.run(["bash", "-c", line + "; echo app-starts"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.stdout.strip().endswith("app-starts"), p.stderr
    assert len(web.hits["/drip-body.pdf"]) == 1, p.stderr  # one try, then the budget was spent
    assert "s0: gave up after 1 s" in p.stderr and p.stderr.count("not tried: the time budget") == 2


def test_only_429_and_5xx_are_retried(web, tmp_path):
    s = settings(tmp_path, fetch_retries=2)
    ok = fetch.fetch_entry(ManifestEntry(id="busy", url=web.base + "/busy.pdf"), s.corpus_dir, s, {})
    assert ok.status == "downloaded" and len(web.hits["/busy.pdf"]) == 2  # 429 (Retry-After: 0), then 200
    no = fetch.fetch_entry(ManifestEntry(id="f", url=web.base + "/forbidden.pdf"), s.corpus_dir, s, {})
    assert no.status == "failed" and no.http_status == 403 and len(web.hits["/forbidden.pdf"]) == 1
    assert no.action.startswith("HTTP 403: behind a login or paywall")


def test_one_host_gets_a_pause_between_requests(web, tmp_path):
    s = settings(tmp_path, fetch_delay_s=0.4)
    for name in ("a", "b"):
        assert fetch.fetch_entry(ManifestEntry(id=name, url=f"{web.base}/files/{name}"), s.corpus_dir, s, {}).status \
            == "downloaded"
    (a,), (b,) = web.hits["/files/a.pdf" if "/files/a.pdf" in web.hits else "/files/a"], web.hits["/files/b"]
    assert b - a >= 0.3  # server-side clock: allow some jitter around the 0.4 s pause (without it: ~ms)


def test_dois_go_through_the_resolver_setting(web, tmp_path):
    assert resolvable_url("doi:10.1234/abc", "https://resolver.example/") == "https://resolver.example/10.1234/abc"
    assert resolvable_url("https://dx.doi.org/10.1234/abc", "http://proxy.lib/doi") == "http://proxy.lib/doi/10.1234/abc"
    assert resolvable_url("https://example.org/x.pdf", "http://r/") == "https://example.org/x.pdf"
    s = settings(tmp_path, doi_resolver=web.base + "/doi/")
    lock: dict = {}
    r = fetch.fetch_entry(ManifestEntry(id="Doc One", url="https://doi.org/10.1234/doc1"), s.corpus_dir, s, lock)
    assert r.status == "downloaded" and r.final_url == web.base + "/files/doc1.pdf" and r.saved == "doc-one.pdf"
    assert web.hits.keys() == {"/doi/10.1234/doc1", "/files/doc1.pdf"}
    assert lock["Doc One"]["url"] == "https://doi.org/10.1234/doc1"  # the manifest's DOI, not the resolver's


def test_download_without_file_keeps_its_entry(tmp_path):
    """A download saved as <slug>.pdf (no ``file`` in the manifest) is ingested under its entry."""
    from ingest.index.store import Store
    from ingest.pipeline import run_ingest

    s = settings(tmp_path)
    (s.corpus_dir / "sources.toml").write_text('[[source]]\nid = "Report 7"\ntitle = "The seventh report"\n'
                                               'url = "https://example.org/r7"\nyear = 2020\n')
    write_pdf(s.corpus_dir / "fetched-name.pdf", ["Page one of the seventh report on training evaluation."])
    (s.corpus_dir / "sources.lock").write_text(json.dumps({"version": 1, "sources": {
        "Report 7": {"url": "https://example.org/r7", "file": "fetched-name.pdf"}}}))
    assert with_fetched_files(load_manifest(s.corpus_dir), s.corpus_dir)[0].file == "fetched-name.pdf"
    assert not run_ingest(s, progress=False).failed
    reg = Store(s, create=False).registry()
    assert set(reg) == {"Report 7"} and reg["Report 7"].title == "The seventh report"
    assert reg["Report 7"].url == "https://example.org/r7" and reg["Report 7"].year == 2020


def test_set_entry_file_edits_only_that_entry(tmp_path):
    text = ("# my notes\n[[source]]\nid = 'a'  # first\ntitle = \"A\"\n\n[[source]]\nid = \"b\"\nfile = \"old.pdf\"\n"
            "# keep me\n")
    (tmp_path / "sources.toml").write_text(text)
    assert set_entry_file(tmp_path, "a", "scan 1.pdf") and set_entry_file(tmp_path, "b", "new.pdf")
    assert not set_entry_file(tmp_path, "zzz", "x.pdf")
    out = (tmp_path / "sources.toml").read_text()
    assert "# my notes" in out and "# keep me" in out and "old.pdf" not in out
    assert {e.id: e.file for e in load_manifest(tmp_path)} == {"a": "scan 1.pdf", "b": "new.pdf"}
    assert re.search(r"id = 'a'  # first\nfile = \"scan 1.pdf\"\ntitle", out)


def test_a_manifest_saved_with_a_byte_order_mark_loads_and_is_edited(tmp_path):
    """Notepad's "UTF-8 with BOM": tomllib stopped at line 1 ("Invalid statement") and nothing was ingested."""
    (tmp_path / "sources.toml").write_bytes(b"\xef\xbb\xbf[[source]]\nid = \"a\"\ntitle = \"A\"\n")
    assert [e.id for e in load_manifest(tmp_path)] == ["a"]
    assert set_entry_file(tmp_path, "a", "a.pdf")
    assert {e.id: e.file for e in load_manifest(tmp_path)} == {"a": "a.pdf"}
