"""`mandate`: one command line for the whole project (console script in pyproject.toml).

Each subcommand delegates to an existing entry point, so `python -m ingest ...` and
`python -m app ...` keep working unchanged and behave the same:

    mandate ingest|build|check|list|fetch|refs ...   ->  ingest.__main__.main(argv)
    mandate ask|search|locate|eval|onboard ...  ->  app.__main__.main(argv)

Never imports streamlit (import-linter contract in pyproject.toml) and never imports the
engine before a subcommand needs it, so `mandate --help` is instant. Import errors are never
hidden: a subcommand whose module cannot be imported fails with the traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# name -> (package whose main() runs it, module that must import, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "ingest": ("ingest", "ingest.pipeline", "ingest the corpus folder into the index (incremental)"),
    "build": ("ingest", "ingest.build", "the paper and every work it cites that can be fetched, in one command"),
    "check": ("ingest", "ingest.check", "verify the index is consistent"),
    "list": ("ingest", "ingest.index.store", "list the indexed documents and their ids"),
    "fetch": ("ingest", "ingest.fetch.run", "download manifest sources missing from the corpus (http/https only)"),
    "refs": ("ingest", "ingest.bib.cli", "list the paper's references and their links"),
    "ask": ("app", "app.engine", "answer a question with cited passages"),
    "search": ("app", "app.engine", "search the indexed passages"),
    "locate": ("app", "app.engine.viewer", "where a quote is printed on a page (boxes in PDF points)"),
    "eval": ("app", "app.eval.cli", "run an evaluation set against the engine"),
    "onboard": ("app", "app.onboarding_cli", "print the onboarding tour of the paper"),
}

# One exception -> exit-code table for everything that escapes a subcommand. Matched on the
# class or any base class by dotted name, so the engine is not imported just to build it.
# Anything not listed propagates with its traceback (exit 1).
EXIT_CODES: list[tuple[str, int, str]] = [
    ("ingest.errors.ConfigError", 2, "usage or configuration problem"),
    ("app.engine.index.EngineNotReady", 2, "the index is missing or not built yet"),
    ("app.eval.dataset.DatasetError", 2, "the evaluation set is invalid"),
    ("app.engine.viewer.DocumentUnavailable", 2, "the document is not available"),
    ("ingest.errors.IngestError", 1, "a source could not be ingested"),
    ("ingest.fetch.download.FetchError", 1, "a download failed"),
    ("app.engine.llm.chat.LLMUnavailable", 3, "the language model is unavailable"),
    ("app.engine.llm.local_model.LocalModelUnavailable", 3, "the local language model is unavailable"),
    ("ingest.errors.MandateError", 1, "any other error the project reports"),
    ("builtins.KeyboardInterrupt", 130, "interrupted"),
]


def exit_code(exc: BaseException) -> int | None:
    """The exit code for ``exc`` from EXIT_CODES (first row matching its class or a base), else None."""
    names = {f"{c.__module__}.{c.__qualname__}" for c in type(exc).__mro__}
    for name, code, _ in EXIT_CODES:
        if name in names:
            return code
    return None


def _exit_code_help() -> str:
    by_code: dict[int, list[str]] = {0: ["success"]}
    for _, code, label in EXIT_CODES:
        by_code.setdefault(code, []).append(label)
    return "\n".join(f"  {code:<4} {', '.join(labels)}" for code, labels in sorted(by_code.items()))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mandate",
        description="Cited question answering over 'More than a mandate?' (DCAF 2025) and the sources it cites.",
        epilog="`mandate COMMAND --help` shows the options of a command.\n\nExit codes:\n" + _exit_code_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (_, _, helptext) in COMMANDS.items():
        sub.add_parser(name, help=helptext, add_help=False)
    return p


def _run(command: str, rest: list[str]) -> int:
    package, module, _ = COMMANDS[command]
    importlib.import_module(module)  # fail loudly here, before a delegate could swallow an ImportError
    if package == "ingest":
        from ingest.__main__ import main as ingest_main

        return ingest_main(rest if command == "ingest" else [command, *rest])
    from app.__main__ import main as app_main

    return app_main([command, *rest])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        parser = _parser()
        if not argv or argv[0] in ("-h", "--help"):
            parser.print_help()
            return 0 if argv else 2
        parser.print_usage(sys.stderr)
        print(f"mandate: error: unknown command {argv[0]!r} (choose from {', '.join(COMMANDS)})", file=sys.stderr)
        return 2
    try:
        return int(_run(argv[0], argv[1:]) or 0)
    except BaseException as exc:  # noqa: BLE001 - mapped through EXIT_CODES or re-raised
        code = exit_code(exc)
        if code is None or isinstance(exc, ImportError):
            raise
        print(f"error: {exc}" if str(exc) else f"error: {type(exc).__name__}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
