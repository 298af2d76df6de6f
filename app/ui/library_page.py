"""Library: every source with its status, upload of new documents and ingest with progress."""
from __future__ import annotations

import logging
import math
import threading
import time
from pathlib import Path

import streamlit as st

from . import state
from .render import document_links
from .text import code_md, escape_md, kind_label, safe_url, short_error
from .uploads import ACCEPTED, UPLOAD_TYPES, save_upload

log = logging.getLogger("mandate.ui")


def page() -> None:
    st.title("Library")
    s = state.settings()
    handle = state.engine_handle()
    if handle.engine is None and handle.not_ready:
        st.info("No documents are indexed yet: upload them below (or put them into the corpus folder and press "
                "**Ingest the corpus folder**).", icon=":material/menu_book:")
    elif handle.engine is None:
        st.error(f"The index could not be opened: {escape_md(handle.error)}", icon=":material/error:")
    rows = _rows(handle.engine, s)
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch", key="library_table", column_config={
            "url": st.column_config.LinkColumn("link"),
            "pages": st.column_config.NumberColumn(format="%d"),
            "chunks": st.column_config.NumberColumn(format="%d"),
        })
    if handle.engine is not None and rows:
        _open_document(handle.engine)
        _coverage(handle.engine)
    st.subheader("Add documents")
    _summary()
    _upload(s)


def _rows(engine, s) -> list[dict]:
    rows, known = [], set()
    if engine is not None:
        try:
            for d in engine.library():
                known.add(str(d.get("path", "")))
                rows.append({"title": d.get("title") or d["source_id"], "kind": kind_label(d.get("kind", "")),
                             "status": "ingested", "pages": d.get("pages"), "chunks": d.get("chunks"),
                             "file": Path(str(d.get("path", ""))).name, "url": safe_url(d.get("url")),
                             "problem": ""})
        except Exception as exc:
            st.error(f"Library unavailable: {escape_md(short_error(exc))}")
    report = state.last_ingest(s) or state.ingest_guard().last_report
    for src in (report or {}).get("sources", []):
        if src.get("status") == "failed" and str(src.get("path")) not in known:
            rows.append({"title": Path(str(src.get("path", ""))).name, "kind": "", "status": "failed",
                         "pages": None, "chunks": None, "file": Path(str(src.get("path", ""))).name, "url": None,
                         "problem": src.get("error") or src.get("error_kind") or "unknown error"})
    if not any(r["problem"] for r in rows):
        for r in rows:
            del r["problem"]
    return rows


def _open_document(engine) -> None:
    try:
        docs = {d["source_id"]: d for d in engine.library()}
    except Exception:
        return  # already reported by the table
    with st.expander("Open a document at a page"):
        sid = st.selectbox("Document", list(docs), key="lib_doc",
                           format_func=lambda x: docs[x].get("title") or x)
        n = max(1, int(docs[sid].get("pages") or 1))
        page_no = st.number_input("Page (1 = first page of the file)", 1, n, 1, key="lib_page")
        document_links(engine, sid, int(page_no) - 1, str(page_no), docs[sid].get("url", ""), key=f"lib-{sid}")


def _upload(s) -> None:
    busy = state.ingest_running()
    gen = st.session_state.setdefault("uploader_gen", 0)
    files = st.file_uploader(
        f"{ACCEPTED}, up to {s.max_file_mb:g} MB each", type=UPLOAD_TYPES, accept_multiple_files=True,
        key=f"uploader-{gen}", max_upload_size=max(1, math.ceil(s.max_file_mb)), disabled=busy)
    st.caption(f"Files are saved into the corpus folder {code_md(s.corpus_dir)}; new documents count as "
               "cited sources unless `sources.toml` says otherwise.")
    c1, c2 = st.columns(2)
    with c1:
        add = st.button("Add to the library and ingest", type="primary", disabled=busy or not files, key="add_ingest")
    with c2:
        rescan = st.button("Ingest the corpus folder", disabled=busy, key="rescan")
    if busy:
        st.info("An ingest is running; wait for it to finish.")
        return
    if add and files:
        saved = [save_upload(Path(s.corpus_dir), f.name, f.getvalue(), s.max_file_mb) for f in files]
        refused = [f"{escape_md(r.name)} refused: {escape_md(r.reason)}" for r in saved if r.status == "rejected"]
        for r in saved:
            if r.status == "duplicate":
                st.info(f"{escape_md(r.name)}: {escape_md(r.reason)}")
        if not any(r.status == "added" for r in saved):
            for line in refused:
                st.error(line, icon=":material/block:")
            return
        st.session_state["uploader_gen"] = gen + 1
        run_ingest_ui(s, [r for r in saved if r.status == "added"], refused)
    elif rescan:
        run_ingest_ui(s, [])


def run_ingest_ui(s, added, refused: list[str] | None = None) -> None:
    """Ingest in a worker thread while this run shows progress; chat and search pause meanwhile.

    The worker owns the guard: it releases it (after reloading the engine) even when this script
    run is interrupted, so a half-built index is never served.
    """
    guard = state.ingest_guard()
    if not guard.lock.acquire(blocking=False):
        st.warning("Another ingest is running; try again when it has finished.")
        return
    guard.running, guard.started = True, time.time()
    engine = state.engine()
    result: dict = {}
    worker = threading.Thread(target=_work, args=(s, engine, guard, result), name="ingest", daemon=True)
    lines = [f"Saved {escape_md(r.path.name)}" for r in added]
    with st.status("Ingesting…", expanded=True) as status:
        for line in lines:
            st.markdown(line)
        st.write("Parsing, chunking and embedding; chat and search pause until the index is complete.")
        bar = st.progress(0.0, text="starting")
        t0 = time.time()
        worker.start()
        while worker.is_alive():
            worker.join(0.5)
            elapsed = time.time() - t0
            stage, done, total = result.get("progress", ("starting", 0, 0))
            if stage == "embedding" and total:
                frac, text = 0.1 + 0.9 * done / total, f"embedding {done} of {total} chunks… {elapsed:.0f} s"
            elif stage == "parsing" and total:
                frac, text = 0.1 * done / total, f"parsing file {done + 1} of {total}… {elapsed:.0f} s"
            else:
                frac, text = min(0.05, 1 - math.exp(-elapsed / 30)), f"{stage}… {elapsed:.0f} s"
            bar.progress(min(0.99, frac), text=text)
        bar.progress(1.0, text=f"done in {time.time() - t0:.1f} s")
        handle = state.engine_handle()
        if "error" in result:
            label, ok = f"Ingest failed: {escape_md(result['error'])}", False
        else:
            report = result["report"]
            for src in report.sources:
                line = f"{escape_md(Path(src.path).name)}: {escape_md(src.status)}"
                line += f" ({src.pages} pages, {src.chunks} chunks)" if src.status in ("added", "updated") else ""
                line += f" — {escape_md(src.error or '')}" if src.status == "failed" else ""
                lines.append(line)
                st.markdown(line)
            failed = len(report.failed)
            label = (f"Index updated: {report.pages_total} pages, {report.chunks_total} chunks"
                     + (f"; {failed} file(s) failed" if failed else ""))
            ok = not failed and handle.engine is not None
        if handle.engine is None:
            label += " — the index is not usable yet: " + escape_md(handle.error or "see above")
        status.update(label=label, state="complete" if ok else "error", expanded=not ok)
    st.session_state["ingest_summary"] = {"label": label, "ok": ok, "lines": lines, "refused": refused or []}
    st.rerun()  # redraw the table and the sidebar stats from the new index


def _work(s, engine, guard, result: dict) -> None:
    from ingest.build import ingest_and_match

    try:  # files added by hand are matched to the paper's references by their content; waits for a CLI ingest
        result["report"] = ingest_and_match(s, progress=False, lock_wait=max(s.write_lock_wait_s, 900.0),
                                      on_progress=lambda stage, done, total: result.__setitem__("progress", (stage, done, total)))
        guard.last_report = result["report"].to_json()
    except Exception as exc:  # reported by the page; the app keeps running
        from ingest.failures import describe

        log.exception("ingest failed")
        result["error"] = describe(exc, s, writer=True) or short_error(exc)
    try:
        if engine is not None:
            engine.reload()
        else:
            state.forget_engine()
    except Exception:
        log.exception("engine reload after ingest failed")
        state.forget_engine()
    finally:
        guard.running = False
        guard.lock.release()


def _coverage(engine) -> None:
    """How many of the works the paper cites are in the library, and which are missing (with links)."""
    try:
        from ingest.bib.links import coverage

        cov = coverage(engine.store, engine.settings)
    except Exception as exc:  # derived data: the library stays usable without it
        st.caption(f"Reference coverage unavailable: {escape_md(short_error(exc))}")
        return
    if not cov.get("references"):
        st.caption("No reference list found in the paper yet, so coverage of cited sources is unknown.")
        return
    st.subheader("Cited sources")
    n, m = cov["references"], cov["ingested"]
    st.progress(m / n, text=f"{m} of {n} cited sources ingested")
    if cov["missing"]:
        st.markdown(f"**Missing ({len(cov['missing'])})** — `python -m ingest build` fetches what the web offers; "
                    "for the rest, add the file here or drop it into the corpus folder (any name: it is matched "
                    "to its reference by title, author and year).")
        st.dataframe(_missing_rows(cov["missing"], engine.settings), hide_index=True, width="stretch",
                     key="missing_table", column_config={"link": st.column_config.LinkColumn("link")})


def _missing_rows(missing: list[dict], s) -> list[dict]:
    """Missing references with what to do about each: the last build's reason, else what is known."""
    from ingest.build import load_last_build
    from ingest.fetch.links import action

    last = (load_last_build(s) or {}).get("references", {}).get("missing", [])
    reasons = {r.get("key"): r.get("reason", "") for r in last if isinstance(r, dict)}
    rows = []
    for ref in missing:
        todo = reasons.get(ref.get("key")) or (
            "not fetched yet: run `python -m ingest build`, or add the file here" if ref.get("url") else action("no-url", ""))
        rows.append({"reference": ref.get("text") or ref.get("key") or "", "link": safe_url(ref.get("url")),
                     "what to do": todo})
    return rows


def _summary() -> None:
    summary = st.session_state.get("ingest_summary")
    if not summary:
        return
    for line in summary.get("refused", []):
        st.error(line, icon=":material/block:")
    (st.success if summary["ok"] else st.warning)(summary["label"], icon=":material/task_alt:")
    with st.expander("Details of the last ingest"):
        for line in summary["lines"]:
            st.markdown(line)
