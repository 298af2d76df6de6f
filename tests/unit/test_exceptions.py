"""One exception root: every exception class the project defines subclasses ingest.errors.MandateError."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import app
import ingest
from app import cli
from ingest.errors import ConfigError, MandateError

# Exceptions deliberately outside the root (none today); the test fails if a listed one joins it, so it cannot go stale.
PENDING: set[str] = set()
SCRIPTS = ("__main__", "app.streamlit_app", "app.ui.pages")  # run on import (Streamlit pages, entry points)


def project_exceptions() -> dict[str, type]:
    found = {}
    for pkg in (ingest, app):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if info.name.endswith(SCRIPTS[0]) or info.name.startswith(SCRIPTS[1:]):
                continue
            module = importlib.import_module(info.name)
            for obj in vars(module).values():
                if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def test_every_project_exception_is_a_mandate_error():
    found = project_exceptions()
    assert len(found) >= 15 and "ingest.fetch.download.FetchError" in found  # the walk does reach the modules
    outside = {name for name, cls in found.items() if not issubclass(cls, MandateError)}
    assert outside == PENDING


def test_builtin_bases_are_kept_for_callers_that_catch_them():
    from app.engine.llm import LLMUnavailable
    from app.engine.llm.local_model import LocalModelUnavailable

    assert issubclass(LLMUnavailable, RuntimeError) and issubclass(LocalModelUnavailable, RuntimeError)
    with pytest.raises(MandateError):
        raise LLMUnavailable("no model")


def test_exit_code_table_names_real_classes_and_covers_the_root():
    found = project_exceptions()
    for name, _code, _ in cli.EXIT_CODES:
        assert name in found or name == "ingest.errors.MandateError" or name.startswith("builtins."), name
    assert cli.exit_code(ConfigError("bad")) == 2
    assert cli.exit_code(MandateError("other")) == 1
    assert cli.exit_code(ValueError("not ours")) is None
