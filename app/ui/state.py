"""Process-wide engine (built once, ``st.cache_resource``) and per-session state helpers."""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from ingest.index.settings import Settings, get_settings

from .text import short_error

log = logging.getLogger("mandate.ui")

# Tests replace this with a factory returning a fake engine; None = the real ``app.engine.Engine``.
ENGINE_FACTORY: Callable[[Settings], Any] | None = None


@dataclass
class EngineHandle:
    """The engine, or why there is none (``not_ready``: no index yet, which is not an error)."""

    engine: Any = None
    error: str = ""
    not_ready: bool = False
    load_s: float = 0.0


@dataclass
class IngestGuard:
    """One ingest at a time per process; while it runs, the chat is closed in every session."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    running: bool = False
    started: float = 0.0
    last_report: dict | None = None  # IngestReport.to_json() of the last ingest run from the UI


def settings() -> Settings:
    """Fresh from the environment on every run (cheap), so MANDATE_ variables always apply.

    A variable that does not fit its setting raises ``ConfigError`` (the frame shows it and stops)."""
    return get_settings()


def _key(s: Settings) -> str:
    return json.dumps(s.model_dump(mode="json"), sort_keys=True)


def _is_not_ready(exc: BaseException) -> bool:
    try:
        from app.engine import EngineNotReady
    except ImportError:
        return False
    return isinstance(exc, EngineNotReady)


def build_engine(s: Settings) -> EngineHandle:
    t0 = time.perf_counter()
    try:
        if ENGINE_FACTORY is not None:
            engine = ENGINE_FACTORY(s)
        else:
            from app.engine import Engine
            from ingest.index.store import reader_settings

            engine = Engine(reader_settings(s))  # a read-only index is served from a snapshot
    except Exception as exc:  # the app must start whatever the index looks like
        if not _is_not_ready(exc):
            log.exception("engine failed to load")
        from ingest.failures import describe

        return EngineHandle(error=str(exc) if _is_not_ready(exc) else (describe(exc, s) or short_error(exc, 600)),
                            not_ready=_is_not_ready(exc))
    load_s = time.perf_counter() - t0
    log.info("mandate: engine ready in %.1f s", load_s)
    return EngineHandle(engine=engine, load_s=load_s)


@st.cache_resource(show_spinner="Loading the index and the embedding model…")
def _cached_engine(key: str, _settings: Settings) -> EngineHandle:
    return build_engine(_settings)


def engine_handle() -> EngineHandle:
    s = settings()
    return _cached_engine(_key(s), s)


def engine():
    """The engine, or None when there is no usable index."""
    return engine_handle().engine


def forget_engine() -> None:
    """Drop the cached engine (or the cached 'no index' answer): the next run builds it again."""
    _cached_engine.clear()


def refresh_engine() -> EngineHandle:
    """After an ingest: reload the engine in place when there is one, else try to build it."""
    handle = engine_handle()
    if handle.engine is not None:
        try:
            handle.engine.reload()
            return handle
        except Exception:
            log.exception("engine reload failed; building a new one")
    forget_engine()
    return engine_handle()


@st.cache_resource
def ingest_guard() -> IngestGuard:
    return IngestGuard()


def ingest_running() -> bool:
    return ingest_guard().running


def last_ingest(s: Settings | None = None) -> dict | None:
    """``<db_dir>/last_ingest.json`` written by the ingest pipeline, if any."""
    path = Path((s or settings()).db_dir) / "last_ingest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# -- per-session state -------------------------------------------------------------------
def messages() -> list[dict]:
    """Chat turns: {"role": "user"|"assistant", "content": str, "answer": Answer|None, "error": str}."""
    return st.session_state.setdefault("messages", [])


def history_turns() -> list:
    from app.engine.records import Turn

    out = []
    for m in messages():
        if m.get("error"):
            continue
        out.append(Turn(role=m["role"], content=m["content"]))
    return out


def current_mode(default: str) -> str:
    return st.session_state.get("mode", default)


def ask_later(question: str, filters=None, label: str = "") -> None:
    """Queue a question for the chat page (starter buttons, "ask in chat" on search results)."""
    st.session_state["pending"] = {"question": question, "filters": filters, "label": label}


def pop_pending() -> dict | None:
    return st.session_state.pop("pending", None)
