"""A real `kill -9` mid-ingest converges on rerun; the same code runs against a real `chroma run`."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.check import check_index
from ingest.index.store import Store
from ingest.pipeline import run_ingest
from tests.conftest import ROOT, free_port
from tests.fixtures.simple_pdf import synthetic_pages, write_pdf

pytestmark = pytest.mark.slow  # kill -9 of a real ingest, a real `chroma run` server


def _ids_docs(settings):
    got = Store(settings, create=False).chunks.get(include=["documents"])
    return dict(zip(got["ids"], got["documents"]))


def _ingest_proc(settings) -> subprocess.Popen:
    env = {**os.environ, "MANDATE_CORPUS_DIR": str(settings.corpus_dir), "MANDATE_DB_DIR": str(settings.db_dir),
           "MANDATE_EMBED_BATCH_SIZE": "8"}
    return subprocess.Popen([sys.executable, "-m", "ingest"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_when(proc: subprocess.Popen, marker: bytes, min_count: int, timeout: float = 240) -> bool:
    """Read the progress bar on stderr; SIGKILL once ``marker`` shows ``min_count`` or more."""
    buf = b""
    deadline = time.time() + timeout
    os.set_blocking(proc.stderr.fileno(), False)
    while time.time() < deadline and proc.poll() is None:
        chunk = proc.stderr.read(4096) or b""
        buf += chunk
        tail = buf[-400:]
        if marker in tail:
            seg = tail.rsplit(marker, 1)[1]
            digits = "".join(ch for ch in seg.decode(errors="ignore").lstrip(" :") if ch.isdigit() or ch == "/").split("/")[0]
            if digits.isdigit() and int(digits) >= min_count:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return True
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    return False


@pytest.mark.timeout(600)
def test_kill_9_mid_ingest_then_rerun_converges(make_settings):
    s = make_settings()
    for i in range(6):
        write_pdf(s.corpus_dir / f"doc{i}.pdf", synthetic_pages(100 + i, 3))
    killed = _kill_when(_ingest_proc(s), b"embedding", 16)
    assert killed, "ingest finished before it could be killed; make the corpus bigger"
    # second crash, this time after changing and deleting files
    write_pdf(s.corpus_dir / "doc0.pdf", synthetic_pages(200, 2))
    (s.corpus_dir / "doc5.pdf").unlink()
    _kill_when(_ingest_proc(s), b"embedding", 8)
    report = run_ingest(s, progress=False)
    assert not report.failed
    assert check_index(Store(s)) == []
    clean = make_settings(db_dir=s.db_dir.parent / "clean")
    run_ingest(clean, progress=False)
    assert _ids_docs(s) == _ids_docs(clean)  # no duplicates, no orphans, nothing lost



@pytest.fixture
def chroma_server(tmp_path):
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(exe).exists():
        pytest.skip("the `chroma` CLI is not installed")
    port = free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not start listening within 60 s")
    yield port
    proc.terminate()
    proc.wait(10)


def test_server_mode_ingest_and_check(make_settings, chroma_server):
    s = make_settings(chroma_host="127.0.0.1", chroma_port=chroma_server)
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(300, 2))
    (s.corpus_dir / "b.txt").write_text("Mixed-gender engagement teams improve community outreach in peace operations.\n")
    r1 = run_ingest(s, progress=False)
    assert {x.status for x in r1.sources} == {"added"}
    assert not (s.db_dir / "chroma.sqlite3").exists()  # nothing went to the embedded store
    r2 = run_ingest(s, progress=False)
    assert {x.status for x in r2.sources} == {"unchanged"}
    store = Store(s, create=False)
    assert store.client.__class__.__name__ != "PersistentClient"
    assert check_index(store) == [] and store.chunks.count() == r1.chunks_total
