"""The parse worker's pipes work whatever their descriptor numbers: a process that already holds over 1,024
files (a long test run, an app serving many sessions) gets pipes numbered above select()'s limit."""
from __future__ import annotations

import os

import pytest


def test_parse_worker_reads_replies_on_descriptors_above_1024(make_settings):
    resource = pytest.importorskip("resource")
    from ingest.index.records import Source
    from ingest.parsers.worker import ParseWorker

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1300:
        pytest.skip(f"this machine allows only {hard} open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1300) if soft != resource.RLIM_INFINITY else soft, hard))
    s = make_settings(parse_timeout_s=60)
    path = s.corpus_dir / "note.txt"
    path.write_text("Gender training works best when commanders take part.\n")
    held = []
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        held.append(null)
        while held[-1] < 1100:  # the worker's pipes get the next free numbers: above 1,100
            held.append(os.dup(null))
        with ParseWorker(s) as worker:
            assert worker.proc is None
            doc = worker.parse(Source(source_id="note", path=path, sha256="0" * 64, title="note"), "text")
            assert worker.proc.stdout.fileno() > 1024
        assert "commanders take part" in doc.pages[0].text
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
