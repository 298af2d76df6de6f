"""The index under attack (issue 12): one writer at a time, repairs that do not trust the registry,
and one-line errors (never tracebacks) for an unreadable store, a full disk, a lost Chroma server,
``--db`` on a file and a read-only index (which readers still serve)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from ingest.check import check_index
from ingest.index.store import Store
from ingest.pipeline import run_ingest
from tests.conftest import ROOT, free_port as _free_port
from tests.fixtures.simple_pdf import synthetic_pages, write_pdf

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
QUESTION_TEXT = "Mixed-gender engagement teams improve community outreach in peace operations.\n"


def _run(*args: str, env: dict | None = None, wrap: list[str] | None = None, timeout: float = 600):
    cmd = [*(wrap or []), sys.executable, *args]
    return subprocess.run(cmd, cwd=ROOT, env={**ENV, **(env or {})}, capture_output=True, text=True, timeout=timeout)


def _one_line_error(proc, *words: str) -> str:
    """The process failed with exit 2 and exactly one 'error:' line (no traceback) containing ``words``."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, proc.stderr[-3000:]
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def _check_ok(db: Path, env: dict | None = None, wrap: list[str] | None = None):
    proc = _run("-m", "ingest", "check", "--db", str(db), env=env, wrap=wrap)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    return proc


def _corpus(d: Path, seed: int, n: int = 3) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        write_pdf(d / f"doc{seed}-{i}.pdf", synthetic_pages(seed * 10 + i, 2))
    return d


# -- one writer at a time -----------------------------------------------------------------------
@pytest.mark.slow  # subprocess CLI runs that each load torch (crash/disk-full/server/lock)
@pytest.mark.timeout(900)
def test_a_second_writer_exits_2_naming_the_holder_or_waits(tmp_path):
    db = tmp_path / "db"
    a = _corpus(tmp_path / "a", 1)
    # several seconds of parsing while the lock is held: the second writer certainly meets it
    (a / "big.html").write_text("<html><body>" + "<div>" * 900_000 + "<p>Deep page on gender advisers.</p>"
                                + "</div>" * 900_000 + "</body></html>")
    b = _corpus(tmp_path / "b", 2)
    run_ingest(_settings(b, db), progress=False)  # an index readers can use while the next ingest runs
    for pdf in b.glob("*.pdf"):  # corpus a keeps b's documents: the first ingest adds, removes nothing
        shutil.copy(pdf, a / pdf.name)
    first = subprocess.Popen([sys.executable, "-m", "ingest", "--corpus", str(a), "--db", str(db), "--no-progress"],
                             cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:  # wait until the first ingest holds the lock
        try:
            if json.loads(lock_path_for(db).read_text() or "{}").get("pid") == first.pid:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    else:
        first.kill()
        pytest.fail("the first ingest never took the write lock")
    reader = subprocess.Popen([sys.executable, "-m", "app", "search", "gender training", "--db", str(db), "--json"],
                              cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = _run("-m", "ingest", "--corpus", str(b), "--db", str(db), "--no-progress")
    out, err = reader.communicate(timeout=300)
    assert first.poll() is None, "the first ingest ended before the second writer and the reader were done: make it longer"
    assert reader.returncode == 0 and json.loads(out)["results"], err[-2000:]  # readers keep answering
    line = _one_line_error(second, f"pid {first.pid}", "python -m ingest", "since")
    assert "being written" in line
    waiter = _run("-m", "ingest", "--corpus", str(b), "--db", str(db), "--no-progress", "--wait", "600")
    assert first.wait(600) == 0, first.stderr.read()[-2000:]
    assert waiter.returncode == 0, waiter.stderr[-2000:]
    assert f"waiting for the index lock held by pid {first.pid}" in waiter.stderr
    _check_ok(db)
    registry = Store(_settings(b, db), create=False).registry()
    assert sorted(registry) == sorted(p.stem for p in b.glob("*.pdf"))  # the last writer's corpus, complete


def lock_path_for(db: Path) -> Path:
    return db / "write.lock"  # ingest.lock.LOCK_FILE


def _settings(corpus: Path, db: Path):
    from ingest.index.settings import Settings

    return Settings(corpus_dir=corpus, db_dir=db)


# -- repairs that do not trust the registry -----------------------------------------------------
def test_rerun_repairs_sources_the_store_disagrees_with(fake_embeddings, make_settings):
    s = make_settings()
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(11, 3))
    (s.corpus_dir / "b.txt").write_text(QUESTION_TEXT)
    run_ingest(s, progress=False)
    store = Store(s, create=False)
    ids = store.chunks.get(where={"source_id": "a"}, include=[])["ids"]
    store.chunks.delete(ids=ids[:2])  # what a second writer on another corpus snapshot did to it
    store.pages.delete(ids=store.pages.get(where={"source_id": "b"}, include=[])["ids"])
    problems = check_index(store)
    assert any("'a'" in p and "chunks" in p for p in problems) and any("'b'" in p and "pages" in p for p in problems)
    report = run_ingest(s, progress=False)
    assert {x.source_id: x.status for x in report.sources} == {"a": "repaired", "b": "repaired"}
    assert check_index(Store(s, create=False)) == []
    again = run_ingest(s, progress=False)
    assert {x.status for x in again.sources} == {"unchanged"}


# -- an unreadable store, a full disk -------------------------------------------------------------
def _corrupt_hnsw(db: Path) -> int:
    """Garbage in the vector segments' metadata pickle: what a write cut off by a full disk leaves."""
    n = 0
    for seg in db.iterdir():
        if seg.is_dir() and (seg / "header.bin").exists():
            (seg / "index_metadata.pickle").write_bytes(b"\x80\x04garbage")
            n += 1
    return n


@pytest.mark.slow  # subprocess CLI runs that each load torch (crash/disk-full/server/lock)
@pytest.mark.timeout(900)
def test_unreadable_store_every_command_says_rebuild_in_one_line(make_settings):
    s = make_settings()
    (s.corpus_dir / "b.txt").write_text(QUESTION_TEXT)
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(12, 2))
    run_ingest(s, progress=False)
    assert _corrupt_hnsw(Path(s.db_dir))
    db, corpus = str(s.db_dir), str(s.corpus_dir)
    for args in (["-m", "ingest", "check", "--db", db], ["-m", "ingest", "--corpus", corpus, "--db", db, "--no-progress"],
                 ["-m", "app", "search", "engagement teams", "--db", db],
                 ["-m", "app", "ask", "What improves community outreach?", "--db", db]):
        _one_line_error(_run(*args), "cannot be read", "python -m ingest --rebuild")
    rebuilt = _run("-m", "ingest", "--corpus", corpus, "--db", db, "--no-progress", "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    _check_ok(s.db_dir)


DISK_FULL = """
import errno, sys
import ingest.index.store as store
calls = {"n": 0}
original = store.Store.upsert_chunks
def upsert_chunks(self, vs, chunks):
    calls["n"] += 1
    if calls["n"] >= 3:
        raise OSError(errno.ENOSPC, "No space left on device")
    return original(self, vs, chunks)
store.Store.upsert_chunks = upsert_chunks
from ingest.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow  # subprocess CLI runs that each load torch (crash/disk-full/server/lock)
def test_disk_full_mid_ingest_is_one_line_and_a_rerun_converges(make_settings):
    s = make_settings()
    _corpus(Path(s.corpus_dir), 3, n=4)
    args = ["--corpus", str(s.corpus_dir), "--db", str(s.db_dir), "--no-progress"]
    full = _run("-c", DISK_FULL, *args, env={"MANDATE_EMBED_BATCH_SIZE": "4"})
    _one_line_error(full, "disk full", "free some space")
    again = _run("-m", "ingest", *args)  # space freed
    assert again.returncode == 0, again.stderr[-2000:]
    _check_ok(s.db_dir)
    assert len(Store(s, create=False).registry()) == 4


REAL_DISK_FULL = """
set -u
mount -t tmpfs -o size=400k tmpfs "$MNT" || exit 97
"$PY" -m ingest --corpus "$CORPUS" --db "$MNT/db" --no-progress > "$OUT/full.out" 2> "$OUT/full.err"; echo $? > "$OUT/full.rc"
mount -o remount,size=256m "$MNT"
"$PY" -m ingest --corpus "$CORPUS" --db "$MNT/db" --no-progress > "$OUT/again.out" 2> "$OUT/again.err"; echo $? > "$OUT/again.rc"
"$PY" -m ingest check --db "$MNT/db" > "$OUT/check.out" 2>&1; echo $? > "$OUT/check.rc"
"""


@pytest.mark.slow  # subprocess CLI runs that each load torch (crash/disk-full/server/lock)
@pytest.mark.timeout(900)
def test_real_disk_full_on_a_small_tmpfs(make_settings, tmp_path):
    """A real ENOSPC: the index on a 400 KB tmpfs (private mount namespace), then the space is freed."""
    unshare = shutil.which("unshare")
    if not unshare or subprocess.run([unshare, "--mount", "--propagation", "private", "sh", "-c",
                                      f"mount -t tmpfs -o size=1m tmpfs '{tmp_path}'"], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root and mount namespaces)")
    s = make_settings()
    _corpus(Path(s.corpus_dir), 5, n=5)
    mnt, out = tmp_path / "mnt", tmp_path / "out"
    mnt.mkdir()
    out.mkdir()
    env = {**ENV, "MNT": str(mnt), "OUT": str(out), "CORPUS": str(s.corpus_dir), "PY": sys.executable}
    proc = subprocess.run([unshare, "--mount", "--propagation", "private", "sh", "-c", REAL_DISK_FULL], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=800)
    assert proc.returncode == 0, proc.stderr
    full = subprocess.CompletedProcess([], int((out / "full.rc").read_text()), "", (out / "full.err").read_text())
    _one_line_error(full, "disk full", "free some space")
    assert (out / "again.rc").read_text().strip() == "0", (out / "again.err").read_text()[-2000:]
    assert (out / "check.rc").read_text().strip() == "0", (out / "check.out").read_text()


# -- the Chroma server down or lost mid-run ----------------------------------------------------------
def _chroma(path: Path, port: int) -> subprocess.Popen:
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(exe).exists():
        pytest.skip("the `chroma` CLI is not installed")
    proc = subprocess.Popen([exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import socket

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("chroma run did not start listening within 60 s")


@pytest.mark.slow  # subprocess CLI runs that each load torch (crash/disk-full/server/lock)
@pytest.mark.timeout(900)
def test_chroma_server_lost_mid_ingest_then_rerun_converges(make_settings, tmp_path):
    s = make_settings()
    _corpus(Path(s.corpus_dir), 4, n=6)
    port = _free_port()
    data = tmp_path / "server-data"
    down = _run("-m", "ingest", "--corpus", str(s.corpus_dir), "--db", str(s.db_dir), "--no-progress",
                env={"MANDATE_CHROMA_HOST": "127.0.0.1", "MANDATE_CHROMA_PORT": str(port)})
    _one_line_error(down, f"127.0.0.1:{port}")  # not started at all
    server = _chroma(data, port)
    try:
        env = {**ENV, "MANDATE_CHROMA_HOST": "127.0.0.1", "MANDATE_CHROMA_PORT": str(port), "MANDATE_EMBED_BATCH_SIZE": "4"}
        proc = subprocess.Popen([sys.executable, "-m", "ingest", "--corpus", str(s.corpus_dir), "--db", str(s.db_dir)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stderr = _stop_server_when(proc, server, b"embedding", 8)
    finally:
        server.kill()
        server.wait()
    assert proc.returncode == 2, stderr[-3000:]
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.replace("\r", "\n").splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Chroma server" in lines[0] and "run `python -m ingest` again" in lines[0], stderr[-3000:]
    port2 = _free_port()
    server = _chroma(data, port2)  # the server comes back (same data)
    try:
        env2 = {"MANDATE_CHROMA_HOST": "127.0.0.1", "MANDATE_CHROMA_PORT": str(port2)}
        rerun = _run("-m", "ingest", "--corpus", str(s.corpus_dir), "--db", str(s.db_dir), "--no-progress", env=env2)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        _check_ok(s.db_dir, env=env2)
    finally:
        server.terminate()
        server.wait(10)


def _stop_server_when(proc, server, marker: bytes, min_count: int) -> str:
    """Kill the Chroma server once the ingest's progress bar shows ``min_count`` embedded chunks."""
    buf = b""
    deadline = time.time() + 300
    os.set_blocking(proc.stderr.fileno(), False)
    killed = False
    while time.time() < deadline and proc.poll() is None:
        buf += proc.stderr.read(65536) or b""
        tail = buf[-400:]
        if not killed and marker in tail:
            seg = tail.rsplit(marker, 1)[1]
            digits = "".join(ch for ch in seg.decode(errors="ignore").lstrip(" :") if ch.isdigit() or ch == "/").split("/")[0]
            if digits.isdigit() and int(digits) >= min_count:
                server.kill()
                server.wait()
                killed = True
        time.sleep(0.02)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    os.set_blocking(proc.stderr.fileno(), True)
    buf += proc.stderr.read() or b""
    assert killed, "the ingest finished before the server could be stopped: make the corpus bigger"
    return buf.decode(errors="replace")


# -- --db on a file, a read-only index ------------------------------------------------------------
def test_db_pointing_at_a_file_is_one_line_for_every_command(tmp_path, capsys):
    """In-process through each entry's main() (what `python -m` runs); the slow tests here run the same one-line rule as subprocesses."""
    import app.__main__ as app_main
    import ingest.__main__ as ingest_main

    f = tmp_path / "index.db"
    f.write_text("not a folder")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "b.txt").write_text(QUESTION_TEXT)
    for main, args in ((ingest_main.main, ["--corpus", str(corpus), "--db", str(f), "--no-progress"]),
                       (ingest_main.main, ["check", "--db", str(f)]), (app_main.main, ["search", "outreach", "--db", str(f)])):
        try:
            code = main(args)
        except SystemExit as exc:
            code = exc.code
        _one_line_error(SimpleNamespace(returncode=code, stderr=capsys.readouterr().err), str(f))
    assert f.read_text() == "not a folder"


def test_readers_write_nothing_where_there_is_no_index(tmp_path, capsys):
    """`ask --db <typo>` (and check, list, search) created the folder and an empty chroma.sqlite3 there: in the
    corpus folder, the next ingest reported that file as a failed document, every time."""
    import app.__main__ as app_main
    import ingest.__main__ as ingest_main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "b.txt").write_text(QUESTION_TEXT)
    for main, args in ((ingest_main.main, ["check", "--db", str(tmp_path / "a")]),
                       (ingest_main.main, ["list", "--db", str(tmp_path / "b")]),
                       (app_main.main, ["ask", "What improves outreach?", "--db", str(tmp_path / "c")]),
                       (app_main.main, ["search", "outreach", "--db", str(corpus)])):
        assert main(args) == 2
        assert "no index at" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["b.txt", "corpus"]
    from ingest.errors import ConfigError
    from ingest.index.settings import Settings

    with pytest.raises(ConfigError, match="no index at"):
        Store(Settings(db_dir=tmp_path / "d"), create=False)
    assert not (tmp_path / "d").exists()


def _read_only_wrapper(path: Path) -> list[str]:
    """A command prefix that runs with ``path`` read-only: a read-only bind mount in a private mount
    namespace when we are root (root ignores permissions), plain permissions otherwise."""
    if os.geteuid() != 0:
        for p in [path, *path.rglob("*")]:
            p.chmod(p.stat().st_mode & ~0o222)
        return []
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare or "unshare", "--mount", "--propagation", "private", "sh", "-c",
                            f"mount --bind '{path}' '{path}' && mount -o remount,bind,ro '{path}' && ! touch '{path}/.probe'"],
                           capture_output=True) if unshare else None
    if probe is None or probe.returncode != 0:
        pytest.skip("cannot make a read-only index here (running as root without mount namespaces)")
    script = f"mount --bind '{path}' '{path}' && mount -o remount,bind,ro '{path}' && exec \"$@\""
    return [unshare, "--mount", "--propagation", "private", "sh", "-c", script, "sh"]


def _tree_digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        h.update(str(p.relative_to(path)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.mark.slow  # subprocess CLI runs that each load torch (crash/disk-full/server/lock)
@pytest.mark.timeout(900)
def test_read_only_index_is_served_to_readers_and_refused_to_writers(make_settings, tmp_path):
    s = make_settings()
    (s.corpus_dir / "b.txt").write_text(QUESTION_TEXT)
    write_pdf(s.corpus_dir / "a.pdf", synthetic_pages(13, 2))
    run_ingest(s, progress=False)
    ro = tmp_path / "readonly-index"
    shutil.copytree(s.db_dir, ro)
    before = _tree_digest(ro)
    wrap = _read_only_wrapper(ro)
    _check_ok(ro, wrap=wrap)
    search = _run("-m", "app", "search", "engagement teams outreach", "--db", str(ro), "--json", wrap=wrap)
    assert search.returncode == 0, search.stderr[-2000:]
    assert json.loads(search.stdout)["results"][0]["source_id"] == "b"
    ask = _run("-m", "app", "ask", "What improves community outreach in peace operations?", "--db", str(ro), "--json", wrap=wrap)
    assert ask.returncode == 0, ask.stderr[-2000:]
    assert "engagement teams" in json.loads(ask.stdout)["answer"]
    writer = _run("-m", "ingest", "--corpus", str(s.corpus_dir), "--db", str(ro), "--no-progress", wrap=wrap)
    _one_line_error(writer, str(ro))
    assert _tree_digest(ro) == before  # nothing was written to the read-only index
