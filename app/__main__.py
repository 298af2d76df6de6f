"""CLI: `python -m app ask|search|locate|eval|onboard ...` — the same Engine the Streamlit app uses."""
from __future__ import annotations

import argparse
import json
import re
import sys

from ingest.errors import ConfigError

from .argtypes import positive_int


def _engine(args):
    from ingest.index.settings import get_settings
    from ingest.index.store import reader_settings

    from .engine import Engine

    return Engine(reader_settings(get_settings(db_dir=getattr(args, "db", None))))


def _filters(args, engine=None):
    """The documents asked about; a ``--source`` the index does not hold is an error naming the nearest ids (a
    typo would otherwise be answered as "the library does not cover this question")."""
    from .engine import Filters

    source = getattr(args, "source", None)
    scope = getattr(args, "scope", "all") or "all"
    registry = engine.store.registry() if engine is not None and (source or scope != "all") else {}
    if source and engine is not None:
        known = sorted(registry)
        if source not in known:
            import difflib

            near = difflib.get_close_matches(source, known, n=3, cutoff=0.5)
            hint = (f"did you mean {', '.join(near)}" if near else
                    f"its documents include {', '.join(known[:5])}{', …' if len(known) > 5 else ''}")
            raise ConfigError(f"--source {source!r}: the index holds no document with this id; {hint} "
                              f"(all ids: `python -m ingest list`)")
    # "--scope paper" of a library with no paper searched nothing: "not covered", or no output at all
    kinds = {e.kind for sid, e in registry.items() if not source or sid == source}
    if scope != "all" and registry and scope not in kinds:
        which = f"--source {source!r} is a {registry[source].kind} document" if source else (
            f"the index holds no document of kind {scope!r}")
        raise ConfigError(f"--scope {scope}: {which}; drop --scope (or set kind = \"{scope}\" for the document in "
                          f"sources.toml and run `python -m ingest` again)")
    return Filters(scope=scope, source_id=source)


def print_answer(a, out=None) -> None:
    out = out or sys.stdout
    from .engine.match import match_note
    from .engine.records import page_place

    print(a.text, file=out)
    if match_note(a.match):
        print(f"\n{match_note(a.match)}", file=out)
    if a.notice:
        print(f"\nnote: {a.notice}", file=out)
    if a.refused:
        if a.passages:
            print("\nClosest passages:", file=out)
        for p in a.passages:
            print(f"  - {p.title}, {p.where}: {p.text[:200]}…", file=out)
        return
    unsupported = [c.text for c in a.verified if not c.supported]
    if unsupported:
        print("\nUnverified (not supported by the sources):", file=out)
        for t in unsupported:
            print(f"  ! {t}", file=out)
    print("\nSources:", file=out)
    for c in a.citations:
        print(f"  [{c.n}] {c.title} ({c.kind}), {c.locator or page_place(c.page)}: \"{c.sentence}\"" + (f" <{c.url}>" if c.url else ""), file=out)
        for t in c.traces:
            where = f"{t.title}, {page_place(t.page)}: \"{t.quote}\"" if t.ingested else f"not ingested — {t.reference}"
            carried = " (cited in the previous sentence)" if t.via else ""
            print(f"      ↳ {t.citation_text}{carried}: {where}", file=out)


def _index_and_filter_args(p: argparse.ArgumentParser) -> None:
    """Options ask and search share: which index, which documents, JSON output."""
    p.add_argument("--db")
    p.add_argument("--scope", choices=["all", "paper", "cited"], default="all")
    p.add_argument("--source", help="only this source id")
    p.add_argument("--json", action="store_true")


def cmd_ask(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m app ask")
    p.add_argument("question")
    p.add_argument("--mode", choices=["quote", "generate"])
    _index_and_filter_args(p)
    args = p.parse_args(argv)
    engine = _engine(args)
    answer = engine.answer(args.question, mode=args.mode, filters=_filters(args, engine))
    if args.json:
        print(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
    else:
        print_answer(answer)
    return 0


def cmd_search(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m app search")
    p.add_argument("query")
    p.add_argument("-k", type=positive_int, default=10, help="how many passages (1 or more; default 10)")
    _index_and_filter_args(p)
    args = p.parse_args(argv)
    engine = _engine(args)
    results = engine.search(args.query, k=args.k, filters=_filters(args, engine))
    if args.json:
        print(json.dumps({"results": [{"source_id": r.source_id, "title": r.title, "page": r.page_label, "text": r.text,
                                       "score": round(r.score, 5), "similarity": round(r.similarity, 4)} for r in results]},
                         indent=2, ensure_ascii=False))
    else:
        for i, r in enumerate(results, 1):
            print(f"{i}. {r.title} — {r.where} ({r.kind}, similarity {r.similarity:.2f})\n   {r.text[:300]}\n")
    return 0


def cmd_locate(argv) -> int:
    """Where a quote is printed on a page: boxes in PDF points (origin top-left), one per line."""
    p = argparse.ArgumentParser(prog="python -m app locate", description=cmd_locate.__doc__)
    p.add_argument("--source", required=True, help="source id (see the Library page or `python -m ingest list`)")
    page = p.add_mutually_exclusive_group(required=True)
    page.add_argument("--page", help="the page label as printed (e.g. 'iv', '12')")
    page.add_argument("--page-index", type=int, help="0-based physical page instead of a label")
    p.add_argument("--quote", required=True)
    p.add_argument("--db")
    p.add_argument("--corpus", help="corpus folder (default: MANDATE_CORPUS_DIR or corpus/)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--box-text", action="store_true", help="add the text found inside each box (checking)")
    args = p.parse_args(argv)
    from ingest.index.settings import get_settings
    from ingest.index.store import Store

    from .engine.viewer import DocumentUnavailable, SourceViewer

    settings = get_settings(db_dir=args.db, corpus_dir=args.corpus)
    viewer = SourceViewer(settings, Store(settings, create=False))
    try:
        loc = viewer.locate(args.source, args.quote, page_label=args.page, page_index=args.page_index)
    except (DocumentUnavailable, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = loc.to_json()
    if args.box_text:
        from .engine.locate import text_in_box

        _, path = viewer.indexed_file(args.source)
        out["box_text"] = [text_in_box(path, loc.page_index, b).replace("\x02", "-").strip() for b in loc.boxes]
    if args.json:
        text = json.dumps(out, indent=2, ensure_ascii=False)
        print(re.sub(r"\[\s+([-\d.]+),\s+([-\d.]+),\s+([-\d.]+),\s+([-\d.]+)\s+\]", r"[\1, \2, \3, \4]", text))
    else:
        if not loc.width:  # a text document: no printed page, so no boxes
            print(f"{loc.source_id} is a text document, not a PDF: it has no printed page to draw boxes on "
                  f"(the viewer shows its text, the quote highlighted)")
            return 0
        print(f"{loc.source_id} p. {loc.page_label} (page index {loc.page_index}, {loc.width} x {loc.height} pt): "
              + (f"{len(loc.boxes)} line(s)" if loc.boxes else "quote not found on this page"))
        for i, b in enumerate(loc.boxes):
            print(f"  [{', '.join(f'{v:.2f}' for v in b)}]" + (f"  {out['box_text'][i]}" if args.box_text else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Every command, with document text and file names printed as data (``ingest.terminal``)."""
    from ingest.terminal import safe_stdio

    with safe_stdio():
        return _main(argv)


def _main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"ask": cmd_ask, "search": cmd_search, "locate": cmd_locate}
    try:
        from .eval.cli import main as eval_main

        commands["eval"] = eval_main
    except ImportError:
        pass
    try:
        from .onboarding_cli import main as onboard_main

        commands["onboard"] = onboard_main
    except ImportError:
        pass
    if not argv or argv[0] not in commands:
        print(f"usage: python -m app {{{','.join(commands)}}} ...", file=sys.stderr)
        return 2
    from .engine import EngineNotReady

    try:
        return commands[argv[0]](argv[1:])
    except EngineNotReady as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:
        return 0 if exc.code in (0, None) else 2
    except Exception as exc:  # the index itself failed (unreadable, server gone, ...): one line, not a traceback
        line = _index_failure(exc, argv)
        if line is None:
            raise
        print(f"error: {line}", file=sys.stderr)
        return 2


def _index_failure(exc: BaseException, argv: list[str]) -> str | None:
    from ingest.failures import describe
    from ingest.index.settings import get_settings

    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--db")
    try:
        settings = get_settings(db_dir=p.parse_known_args(argv)[0].db)
    except Exception:  # noqa: BLE001
        return None
    return describe(exc, settings)


if __name__ == "__main__":
    sys.exit(main())
