"""CLI: `python -m ingest [--corpus DIR] [--db DIR] [--json] [--rebuild]`, `build`, `check`, `list`, `fetch`, `refs`.

Exit codes: 0 all good, 1 some sources failed (the rest ingested), 2 usage/config error, or the
index itself failed (Chroma server gone, disk full, unreadable store, another writer holds the lock):
one line on stderr saying what to do, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys

from .errors import ConfigError
from .terminal import shown


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", help="corpus folder (default: MANDATE_CORPUS_DIR or ./corpus)")
    p.add_argument("--db", help="index folder (default: MANDATE_DB_DIR or ./.mandate/index)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _settings(args):
    from .index.settings import get_settings

    return get_settings(corpus_dir=getattr(args, "corpus", None), db_dir=getattr(args, "db", None))


def cmd_ingest(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m ingest", description="Ingest the corpus into the index.")
    _common(p)
    p.add_argument("--rebuild", action="store_true", help="drop the index and build it from scratch")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--wait", type=float, metavar="SECONDS",
                   help="wait up to SECONDS for another writer's lock on the index (default: MANDATE_WRITE_LOCK_WAIT_S, 0)")
    args = p.parse_args(argv)
    from .pipeline import run_ingest

    settings = _settings(args)
    report = run_ingest(settings, progress=not (args.no_progress or args.json), rebuild=args.rebuild, lock_wait=args.wait,
                        log=lambda msg: print(msg, file=sys.stderr))
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        for s in report.sources:
            extra = f" — {s.error}" if s.error else f" ({s.pages} pages, {s.chunks} chunks)"
            print(f"{s.status:9} {s.source_id or '-':30} {shown(s.path)}{extra}")
        rate = report.chunks_embedded / report.seconds if report.seconds else 0.0
        print(f"\n{report.sources_total} sources, {report.pages_total} pages, {report.chunks_total} chunks in index; "
              f"embedded {report.chunks_embedded} chunks in {report.seconds:.1f} s ({rate:.1f} chunks/s); "
              f"{len(report.failed)} failed" + (f"; {len(report.missing)} listed in sources.toml but not in the corpus "
                                                  f"(see above)" if report.missing else ""))
    return 1 if report.failed else 0


def cmd_check(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m ingest check", description="Verify the index is consistent.")
    p.add_argument("--db")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    from .check import check_index
    from .index.store import Store, reader_settings

    store = Store(reader_settings(_settings(args)), create=False)
    problems = check_index(store)
    if args.json:
        print(json.dumps({"consistent": not problems, "problems": problems,
                          "chunks": store.chunks.count(), "sources": len(store.registry())}))
    else:
        print("\n".join(problems) if problems else
              f"index consistent: {len(store.registry())} sources, {store.chunks.count()} chunks")
    return 1 if problems else 0


def cmd_list(argv: list[str]) -> int:
    """The indexed documents: the ids `--source` takes (`python -m app ask --source ID`), kind, pages, title."""
    p = argparse.ArgumentParser(prog="python -m ingest list", description="List the documents in the index.")
    p.add_argument("--db")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    from .index.store import Store, reader_settings

    entries = sorted(Store(reader_settings(_settings(args)), create=False).registry().values(),
                     key=lambda e: (e.kind != "paper", e.source_id))
    if args.json:
        print(json.dumps([{"source_id": e.source_id, "kind": e.kind, "pages": e.pages, "chunks": e.chunks,
                           "title": e.title, "path": e.path} for e in entries], indent=2, ensure_ascii=False))
    else:
        for e in entries:
            print(f"{e.source_id:30} {e.kind:6} {e.pages:4} p.  {e.title}")
        print(f"\n{len(entries)} documents")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Every command, with document text and file names printed as data (``ingest.terminal``)."""
    from .terminal import safe_stdio

    with safe_stdio():
        return _main(argv)


def _main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(argv)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # an index failure is one line; anything else stays a real bug (traceback)
        from .failures import describe

        try:
            settings = _settings(_db_args(argv))
        except Exception:  # noqa: BLE001
            raise exc from None
        line = describe(exc, settings, writer=not argv or argv[0] not in ("check", "list"))
        if line is None:
            raise
        print(f"error: {line}", file=sys.stderr)
        return 2


def _db_args(argv: list[str]):
    """--corpus/--db of any command line (for naming the index in an error message)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--corpus")
    p.add_argument("--db")
    return p.parse_known_args(argv)[0]


def _dispatch(argv: list[str]) -> int:
    try:
        if argv and argv[0] == "check":
            return cmd_check(argv[1:])
        if argv and argv[0] == "list":
            return cmd_list(argv[1:])
        if argv and argv[0] == "fetch":
            from .fetch.run import main as fetch_main

            return fetch_main(argv[1:])
        if argv and argv[0] == "build":
            from .build import main as build_main

            return build_main(argv[1:])
        if argv and argv[0] == "refs":
            from .bib.cli import main as refs_main

            return refs_main(argv[1:])
        return cmd_ingest(argv)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # argparse
        return int(exc.code or 0) if exc.code in (0, None) else 2


if __name__ == "__main__":
    sys.exit(main())
