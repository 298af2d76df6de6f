"""``python -m ingest build``: the paper and every work it cites that can be fetched, in one command.

Phases: fetch the manifest's missing files -> ingest -> read the paper's reference list -> add every
reference with a URL or DOI to the manifest (kind ``cited``) -> match files dropped in by hand to the
references they are (``ingest.adopt``) -> fetch -> ingest -> coverage report. Depth one: the cited
works' own references are not followed. Idempotent: the lock file knows what was fetched and ingest
skips unchanged files, so a rerun downloads and re-embeds nothing that is already there.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from .adopt import adopt_dropped_files
from .bib.cli import missing_entries
from .bib.links import coverage_of, load_or_build_bibliography, norm_doi, norm_url
from .errors import ConfigError
from .fetch.links import action
from .fetch.lock import load_lock
from .fetch.run import Result, fetch_entry
from .index.settings import Settings
from .index.store import Store
from .manifest import append_entries, load_manifest
from .pipeline import IngestReport, run_ingest

_log = logging.getLogger(__name__)

PHASES = 6


class Builder:
    def __init__(self, settings: Settings, budget_s: float | None = None, progress: bool = False, log=None):
        self.s = settings
        self.corpus = Path(settings.corpus_dir).expanduser().resolve()
        self.until = time.monotonic() + budget_s if budget_s else None
        self.progress = progress
        self.log = log or _log.info  # the CLI (main) passes a printer; library callers get logging
        self.fetched: dict[str, Result] = {}  # manifest id -> this run's fetch result
        self.reports: list[IngestReport] = []

    def phase(self, n: int, what: str) -> None:
        self.log(f"build [{n}/{PHASES}] {what}")

    def fetch(self) -> int:
        """Fetch every manifest entry not tried in this run yet; returns how many were downloaded."""
        lock, n = load_lock(self.corpus), 0
        for entry in load_manifest(self.corpus):
            if entry.id in self.fetched:
                continue
            r = self.fetched[entry.id] = fetch_entry(entry, self.corpus, self.s, lock, until=self.until)
            n += r.status == "downloaded"
            if r.status == "downloaded":
                self.log(f"  downloaded {r.id} -> {r.saved} ({r.bytes:,} bytes from {r.final_url})")
            elif r.missing:
                self.log(f"  missing    {r.id}: {r.reason}")
        return n

    def ingest(self) -> None:
        self.reports.append(run_ingest(self.s, progress=self.progress, log=self.log))

    def run(self) -> dict:
        if not self.corpus.is_dir():
            raise ConfigError(f"corpus folder {self.corpus} does not exist (create it or pass --corpus DIR)")
        self.phase(1, "fetching the manifest's missing files")
        self.fetch()
        self.phase(2, "ingesting the corpus")
        self.ingest()
        self.phase(3, "reading the paper's reference list")
        store = Store(self.s, create=False)
        bib = load_or_build_bibliography(store, self.s)
        cov = coverage_of(bib)
        added = missing_entries(bib, load_manifest(self.corpus))
        for e in added:
            e.file = ""  # fetch names it <id>.pdf or <id>.html, whichever the work turns out to be
        if added:
            append_entries(self.corpus, added)
        self.log(f"  {cov['references']} references, {cov['ingested']} ingested; {len(added)} added to the manifest")
        self.phase(4, "matching files dropped in by hand to references")
        adopted = adopt_dropped_files(store, self.corpus, cov["missing"])
        for a in adopted:
            self.fetched.pop(a.entry_id, None)  # its file is there now: phase 5 finds it present
            self.log(f"  {a.file} is {a.key or a.entry_id} ({a.how}); recorded in sources.toml as {a.entry_id}")
        self.phase(5, "fetching the cited works")
        downloaded = self.fetch()
        self.phase(6, "ingesting the cited works")
        if downloaded or adopted or added:
            self.ingest()
        else:
            self.log("  nothing new")
        return self.report(added, adopted)

    def report(self, added, adopted) -> dict:
        final = self.reports[-1]
        store = Store(self.s, create=False)
        cov = coverage_of(load_or_build_bibliography(store, self.s))
        failed_files = {Path(f.path).name: f.error for f in final.failed}
        by_link = {}
        for r in self.fetched.values():
            for k in (norm_url(r.url), norm_doi(r.url)):
                if k:
                    by_link[k] = r
        missing = []
        for m in cov["missing"]:
            r = by_link.get(norm_url(m["url"])) or by_link.get(norm_doi(m["url"]))
            missing.append({"key": m["key"], "reference": m["text"], "url": m["url"],
                            "reason": self._reason(m, r, failed_files)})
        code = 1 if (any(m["url"] for m in missing) or final.failed
                     or any(r.missing for r in self.fetched.values())) else 0
        out = final.to_json()
        out["chunks_embedded"] = sum(r.chunks_embedded for r in self.reports)
        out["seconds"] = round(sum(r.seconds for r in self.reports), 3)
        out.update(
            exit_code=code,
            references={"total": cov["references"], "ingested": cov["ingested"], "missing": missing},
            fetch={"downloaded": [r.id for r in self.fetched.values() if r.status == "downloaded"],
                   "missing": [{"id": r.id, "url": r.url, "reason": r.action} for r in self.fetched.values()
                               if r.missing]},
            added_to_manifest=[e.id for e in added], matched_by_content=[asdict(a) for a in adopted])
        _save(self.s, out)
        return out

    @staticmethod
    def _reason(ref: dict, r: Result | None, failed_files: dict[str, str]) -> str:
        if not ref["url"]:
            return action("no-url", "")
        if r is None:
            return "not in the manifest; run `python -m ingest build` again"
        if r.missing:
            return r.action
        if r.saved in failed_files:
            return f"downloaded as {r.saved} but not ingested: {failed_files[r.saved]}"
        return f"fetched as {r.saved}, but it does not match the reference; check the file"


def _save(s: Settings, report: dict) -> None:
    """Keep the last build's report for the Library page (db_dir/last_build.json)."""
    path = Path(s.db_dir) / "last_build.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def load_last_build(s: Settings) -> dict | None:
    try:
        return json.loads((Path(s.db_dir) / "last_build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def print_text(rep: dict, out=sys.stdout) -> None:
    refs = rep["references"]
    print(f"{len(rep['sources'])} sources, {rep['pages_total']} pages, {rep['chunks_total']} chunks in the index; "
          f"embedded {rep['chunks_embedded']} chunks this run; {len(rep['fetch']['downloaded'])} downloaded", file=out)
    for s in rep["sources"]:
        if s["status"] == "failed":
            print(f"  failed {Path(s['path']).name}: {s['error']}", file=out)
    keys = {m["url"] for m in refs["missing"]}
    for f in rep["fetch"]["missing"]:
        if f["url"] not in keys:  # e.g. the paper itself
            print(f"  not fetched {f['id']}: {f['reason']}" + (f"\n      {f['url']}" if f["url"] else ""), file=out)
    print(f"references: {refs['ingested']} of {refs['total']} ingested; {len(refs['missing'])} missing", file=out)
    for m in refs["missing"]:
        print(f"  - {m['key']}: {m['reason']}\n      {m['reference']}" + (f"\n      {m['url']}" if m["url"] else ""),
              file=out)


def main(argv: list[str]) -> int:
    import argparse

    from pydantic import ValidationError

    from .index.settings import get_settings

    p = argparse.ArgumentParser(prog="python -m ingest build", description=__doc__.splitlines()[0])
    p.add_argument("--corpus", help="corpus folder (default: MANDATE_CORPUS_DIR or ./corpus)")
    p.add_argument("--db", help="index folder (default: MANDATE_DB_DIR or ./.mandate/index)")
    p.add_argument("--json", action="store_true", help="print one JSON object (progress still goes to stderr)")
    p.add_argument("--budget", type=float, default=None, metavar="S",
                   help="seconds for all downloads of this run (then carry on with what is there)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    if args.budget is not None and args.budget <= 0:
        raise ConfigError("--budget must be > 0 seconds")
    try:
        s = get_settings(corpus_dir=args.corpus, db_dir=args.db)
    except ValidationError as exc:
        raise ConfigError(f"invalid MANDATE_* setting: {exc}") from None
    if s.fetch_deadline_s <= 0 or s.fetch_timeout_s <= 0 or s.fetch_delay_s < 0 or s.fetch_retries < 0:
        raise ConfigError("MANDATE_FETCH_DEADLINE_S and MANDATE_FETCH_TIMEOUT_S must be > 0, "
                          "MANDATE_FETCH_DELAY_S and MANDATE_FETCH_RETRIES >= 0")
    rep = Builder(s, args.budget, progress=not (args.no_progress or args.json),
                  log=lambda msg: print(msg, file=sys.stderr, flush=True)).run()
    if args.json:
        print(json.dumps(rep, indent=2, ensure_ascii=False))
    else:
        print_text(rep)
    return rep["exit_code"]


def ingest_and_match(settings: Settings, progress: bool = False, on_progress=None, lock_wait: float | None = None) -> IngestReport:
    """Ingest, then match files added by hand (uploads) to the paper's missing references by their
    content and re-ingest the matched ones under their reference (used by the app's Library page)."""
    report = run_ingest(settings, progress=progress, on_progress=on_progress, lock_wait=lock_wait)
    try:
        store = Store(settings, create=False)
        cov = coverage_of(load_or_build_bibliography(store, settings))
        if cov["missing"] and adopt_dropped_files(store, settings.corpus_dir, cov["missing"]):
            again = run_ingest(settings, progress=progress, on_progress=on_progress, lock_wait=lock_wait)
            again.chunks_embedded += report.chunks_embedded
            return again
    except (ConfigError, OSError, ValueError) as exc:  # matching is a convenience: never fail the ingest
        _log.warning("matching added files to references failed: %s", exc)
    return report
