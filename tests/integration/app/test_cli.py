"""The `mandate` console script: help lists every subcommand, delegation, exit codes, import errors surface."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from app import cli
from ingest.errors import ConfigError, IndexMismatch

ROOT = Path(__file__).resolve().parents[3]
SUBCOMMANDS = ["ingest", "build", "check", "list", "fetch", "refs", "ask", "search", "eval", "onboard", "locate"]


def _mandate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_console_script_is_declared():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, func = scripts["mandate"].split(":")
    assert (module, func) == ("app.cli", "main")
    assert getattr(__import__(module, fromlist=[func]), func) is cli.main


def test_help_lists_every_subcommand_without_loading_the_engine():
    r = _mandate("--help")
    assert r.returncode == 0, r.stderr
    for name in SUBCOMMANDS:
        assert f"    {name} " in r.stdout, name
    code = ("import sys, app.cli; app.cli._parser().format_help(); "
            "print(sorted(m for m in sys.modules if m.startswith(('streamlit', 'app.engine', 'torch'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_unknown_or_missing_command_is_a_usage_error():
    r = _mandate("nonsense")
    assert r.returncode == 2
    assert "unknown command 'nonsense'" in r.stderr
    assert _mandate().returncode == 2


@pytest.mark.parametrize("name", ["refs", "ask", "check", "ingest"])
def test_subcommand_help_is_the_delegates_help(name, capsys):
    # in-process (the console script itself is run above): the delegate's own parser answers --help
    try:
        code = cli.main([name, "--help"])
    except SystemExit as exc:
        code = exc.code
    assert code in (0, None)
    prog = "python -m ingest" if name == "ingest" else f"python -m {'app' if name == 'ask' else 'ingest'} {name}"
    assert f"usage: {prog} " in capsys.readouterr().out


def test_delegates_with_the_right_argv(monkeypatch):
    calls = []
    import app.__main__ as app_main
    import ingest.__main__ as ingest_main

    monkeypatch.setattr(ingest_main, "main", lambda argv: calls.append(("ingest", argv)) or 0)
    monkeypatch.setattr(app_main, "main", lambda argv: calls.append(("app", argv)) or 1)
    assert cli.main(["ingest", "--json"]) == 0
    assert cli.main(["fetch", "--corpus", "x"]) == 0
    assert cli.main(["search", "gender", "-k", "3"]) == 1
    assert calls == [("ingest", ["--json"]), ("ingest", ["fetch", "--corpus", "x"]), ("app", ["search", "gender", "-k", "3"])]


def test_exit_code_table(monkeypatch, capsys):
    assert cli.exit_code(ConfigError("bad")) == 2
    assert cli.exit_code(IndexMismatch("other model")) == 2  # subclasses match their base's row
    assert cli.exit_code(KeyboardInterrupt()) == 130
    assert cli.exit_code(RuntimeError("?")) is None
    import app.__main__ as app_main

    def boom(argv):
        raise IndexMismatch("index built with another model")

    monkeypatch.setattr(app_main, "main", boom)
    assert cli.main(["ask", "q"]) == 2
    assert "error: index built with another model" in capsys.readouterr().err
    monkeypatch.setattr(app_main, "main", lambda argv: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # not in the table: the traceback is not hidden
        cli.main(["ask", "q"])


def test_import_errors_are_never_hidden(monkeypatch):
    monkeypatch.setitem(sys.modules, "app.eval.cli", None)  # makes `import app.eval.cli` raise ImportError
    with pytest.raises(ImportError):
        cli.main(["eval", "--help"])
