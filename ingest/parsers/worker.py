"""Parsing under a per-file budget: each file is parsed in a worker process that is killed when
it runs over ``parse_timeout_s`` (or over ``parse_memory_mb``), so one hostile file fails with a
reason and the run goes on. pypdf and html.parser are pure Python: only a process can be stopped.

Protocol: length-prefixed pickles over the worker's stdin/stdout (its prints go to stderr).
"""
from __future__ import annotations

import os
import pickle
import selectors
import struct
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from ..errors import ERROR_TYPES, BrokenFile, IngestError, OverBudget, TooLarge
from ..index.records import ParsedDocument, Source
from ..index.settings import Settings

_ROOT = Path(__file__).resolve().parents[2]
_HEADER = struct.Struct(">I")
STARTUP_TIMEOUT_S = 120.0


def _write_frame(fd: int, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _readable(fd: int, timeout: float) -> bool:
    """Whether ``fd`` has data within ``timeout`` s. Not ``select.select``: it fails on descriptors numbered 1024
    or more ("filedescriptor out of range in select()"), which a long-running process holding many files reaches."""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        return bool(sel.select(timeout))


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not _readable(fd, left):
                raise TimeoutError
        chunk = os.read(fd, min(1 << 20, n - len(buf)))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _read_frame(fd: int, deadline: float | None = None):
    head = _read_exact(fd, _HEADER.size, deadline)
    if head is None:
        return None
    body = _read_exact(fd, _HEADER.unpack(head)[0], deadline)
    return None if body is None else pickle.loads(body)


def check_text_budget(src: Source, doc: ParsedDocument, settings: Settings) -> None:
    chars = sum(len(p.text) for p in doc.pages)
    if settings.max_text_chars and chars > settings.max_text_chars:
        raise TooLarge(src.path, f"{chars:,} characters of text, over the {settings.max_text_chars:,} cap "
                                 f"(MANDATE_MAX_TEXT_CHARS)")


class ParseWorker:
    """Parses one file at a time in a child process; use as a context manager."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(_ROOT), os.environ.get("PYTHONPATH", "")) if p),
               "MANDATE_PARSE_MEMORY_MB": str(self.settings.parse_memory_mb)}
        proc = subprocess.Popen([sys.executable, "-m", "ingest.parsers.worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, env=env, cwd=str(_ROOT))
        try:  # the budget counts from a ready worker: its start-up (imports) is not charged to a file
            ready = _read_frame(proc.stdout.fileno(), time.monotonic() + STARTUP_TIMEOUT_S)
        except TimeoutError:
            ready = None
        if ready != ("ready",):
            proc.kill()
            proc.wait()
            raise RuntimeError("the parse worker process did not start")
        return proc

    def close(self) -> None:
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(5)
            except Exception:  # noqa: BLE001
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.proc = None

    def _kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdin.close()
            self.proc.stdout.close()
            self.proc = None

    def parse(self, src: Source, kind: str) -> ParsedDocument:
        """The parsed document, or an IngestError (OverBudget when the time budget runs out)."""
        budget = self.settings.parse_timeout_s
        if budget <= 0:  # no budget: parse in this process
            from .parse import parse_source

            doc = parse_source(src, self.settings, kind=kind)
        else:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = self._start()
            deadline = time.monotonic() + budget
            try:
                absolute = replace(src, path=Path(os.path.abspath(src.path)))  # the worker runs in the project root
                _write_frame(self.proc.stdin.fileno(), (absolute, self.settings, kind))
                reply = _read_frame(self.proc.stdout.fileno(), deadline)
            except TimeoutError:
                self._kill()
                raise OverBudget(src.path, f"parsing took longer than the {budget:g} s budget per file "
                                           f"(MANDATE_PARSE_TIMEOUT_S); the file was skipped") from None
            except (BrokenPipeError, OSError):
                reply = None
            if reply is None:
                code = self.proc.poll() if self.proc else None
                self._kill()
                raise BrokenFile(src.path, f"the parser crashed on this file (exit code {code})")
            if reply[0] == "err":
                raise ERROR_TYPES.get(reply[1], IngestError)(src.path, reply[2])
            doc = reply[1]
        check_text_budget(src, doc, self.settings)
        return doc


def _limit_memory() -> None:
    mb = int(os.environ.get("MANDATE_PARSE_MEMORY_MB", "0") or 0)
    if mb > 0:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (mb * 1024 * 1024, mb * 1024 * 1024))
        except (ImportError, ValueError, OSError):
            pass


def main() -> int:
    out = os.dup(1)
    os.dup2(2, 1)  # anything a parser prints goes to stderr, never into the reply channel
    from .parse import parse_source

    _limit_memory()
    _write_frame(out, ("ready",))
    while True:
        req = _read_frame(0)
        if req is None:
            return 0
        src, settings, kind = req
        try:
            reply = ("ok", parse_source(src, settings, kind=kind))
        except IngestError as exc:
            reply = ("err", type(exc).__name__, exc.reason)
        except MemoryError:
            reply = ("err", "OverBudget", f"parsing needed more than the {settings.parse_memory_mb} MB memory budget "
                                          f"(MANDATE_PARSE_MEMORY_MB)")
        except RecursionError:
            reply = ("err", "BrokenFile", "the document is nested too deeply to parse")
        except Exception as exc:  # noqa: BLE001 - a parser bug fails this file only
            reply = ("err", "BrokenFile", f"unexpected error: {type(exc).__name__}: {exc}")
        _write_frame(out, reply)


if __name__ == "__main__":
    sys.exit(main())
