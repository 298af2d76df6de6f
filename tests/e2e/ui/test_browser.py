"""End to end in a real headless Chromium (Debian's, driven by Playwright): the app as a person uses it.

Starts ``streamlit run app/streamlit_app.py`` on 127.0.0.1 against a small generated index, asks a
question, waits for the cited answer, opens the Search page. Screenshots go to tests/artifacts/.
Never downloads a browser: skipped when /usr/bin/chromium is absent.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

from .conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (/usr/bin/chromium)"),
]



def _start_app(corpus: Path, db: Path, log: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    env = {**os.environ, "MANDATE_CORPUS_DIR": str(corpus), "MANDATE_DB_DIR": str(db), "MANDATE_MODE": "quote",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app/streamlit_app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return proc, url, t0
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise AssertionError("streamlit did not become healthy within 90 s:\n" + log.read_text()[-3000:])


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _ask(page, url: str, question: str, dialogs: list[str]) -> float:
    """Open the chat at ``url`` (any JS dialog is recorded and dismissed) and ask ``question``;
    returns the moment the chat box was ready (time.perf_counter)."""
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url + "/")
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=60_000)
    ready = time.perf_counter()
    box.fill(question)
    box.press("Enter")
    return ready


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM),
                               args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def test_ask_see_citation_card_then_search(ui_index, browser, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    proc, url, t0 = _start_app(*ui_index, log=tmp_path / "streamlit.log")
    dialogs: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        t_ready = _ask(page, url, "Who is the primary audience of the paper?", dialogs) - t0
        card = page.locator("[class*='st-key-card-']").first
        card.wait_for(timeout=60_000)
        t_answer = time.perf_counter() - t0
        page.get_by_role("button", name="Export conversation (Markdown)").wait_for(timeout=30_000)  # run finished
        text = card.inner_text()
        assert "More than a mandate? (test paper)" in text and "p. 1" in text and "paper" in text
        assert "primary audience of the paper is gender trainers" in page.get_by_test_id("stChatMessage").last.inner_text()
        page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

        page.get_by_test_id("stSidebarNav").get_by_text("Search", exact=True).click()
        page.get_by_role("heading", name="Search passages").wait_for(timeout=30_000)
        query = page.get_by_label("Words or a question")
        query.fill("gender advisers register")
        query.press("Enter")
        hit = page.locator("[class*='st-key-passage-']").filter(has_text="alert(1)").first
        hit.wait_for(timeout=30_000)
        shown = hit.inner_text()
        assert "<script>alert(1)</script>" in shown and "[link](javascript:alert(1))" in shown and "**bold**" in shown
        assert page.locator("a[href^='javascript']").count() == 0
        assert page.locator("script:has-text('alert(1)')").count() == 0
        page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)

        hit.get_by_role("button", name="Ask in chat").click()  # back on the chat page, asked within that note
        page.get_by_test_id("stChatMessage").filter(has_text="Asked within: Note on gender advisers").wait_for(timeout=30_000)
        page.locator("[class*='st-key-card-m3-']").first.wait_for(timeout=60_000)
        page.get_by_role("button", name="Export conversation (Markdown)").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "ask_in_chat.png"), full_page=True)

        page.get_by_test_id("stSidebarNav").get_by_text("Library", exact=True).click()
        page.get_by_test_id("stDataFrame").wait_for(timeout=30_000)
        page.get_by_test_id("stFileUploader").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "library.png"), full_page=True)
        assert not dialogs, dialogs
        print(f"\ncold start (process start -> page ready): {t_ready:.1f} s; -> first answer: {t_answer:.1f} s")
        (ARTIFACTS / "cold_start.txt").write_text(f"ready_s={t_ready:.2f}\nfirst_answer_s={t_answer:.2f}\n")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure.png"), full_page=True)
        raise
    finally:
        _stop(proc)


def test_empty_index_shows_guidance_in_browser(browser, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (tmp_path / "corpus").mkdir()
    proc, url, _ = _start_app(tmp_path / "corpus", tmp_path / "db", log=tmp_path / "streamlit.log")
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url + "/")
        alert = page.get_by_text("No documents are indexed yet")
        alert.wait_for(timeout=60_000)
        body = page.locator("body").inner_text()
        assert "python -m ingest" in body and "Library" in body
        assert page.get_by_test_id("stChatInputTextArea").count() == 0
        page.screenshot(path=str(ARTIFACTS / "empty.png"), full_page=True)
    finally:
        _stop(proc)
