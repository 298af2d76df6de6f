"""Settings that do not fit: one readable line naming the variable, its value and the rule, not a traceback;
MANDATE_ variables that no setting reads are warned about (a typo is otherwise silently ignored)."""
from __future__ import annotations

import logging

import pytest

from ingest.errors import ConfigError
from ingest.index.settings import Settings, get_settings
from ingest.index.settings_check import known_variables, unknown_variables, warn_unknown_variables


@pytest.mark.parametrize(("var", "value", "says"), [
    ("MANDATE_TOP_K", "abc", "MANDATE_TOP_K='abc': Input should be a valid integer"),
    ("MANDATE_TOP_K", "0", "MANDATE_TOP_K='0': Input should be greater than or equal to 1"),
    ("MANDATE_REFUSAL_THRESHOLD", "2", "MANDATE_REFUSAL_THRESHOLD='2': Input should be less than or equal to 1"),
    ("MANDATE_QUOTE__SURE", "-0.1", "MANDATE_QUOTE__SURE='-0.1': Input should be greater than or equal to 0"),
    ("MANDATE_RETRIEVAL__DENSE_POOL", "0", "MANDATE_RETRIEVAL__DENSE_POOL='0'"),
    ("MANDATE_CHUNK_TOKENS", "400", "MANDATE_CHUNK_TOKENS='400': Input should be less than or equal to 254"),
    ("MANDATE_MAX_FILE_MB", "0", "MANDATE_MAX_FILE_MB='0': Input should be greater than 0"),
    ("MANDATE_MODE", "chat", "MANDATE_MODE='chat': Input should be 'quote' or 'generate'"),
])
def test_a_value_that_does_not_fit_is_a_config_error_naming_the_variable(monkeypatch, var, value, says):
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as err:
        get_settings()
    assert says in str(err.value)
    assert "pydantic" not in str(err.value) and "errors.pydantic.dev" not in str(err.value)


def test_an_overlap_as_long_as_the_chunk_is_refused(monkeypatch):
    monkeypatch.setenv("MANDATE_CHUNK_OVERLAP_TOKENS", "200")
    with pytest.raises(ConfigError, match=r"MANDATE_CHUNK_OVERLAP_TOKENS \(200\) must be below MANDATE_CHUNK_TOKENS \(200\)"):
        get_settings()
    monkeypatch.setenv("MANDATE_CHUNK_TOKENS", "240")
    assert get_settings().chunk_overlap_tokens == 200


def test_explicit_overrides_are_checked_too():
    with pytest.raises(ConfigError, match="MANDATE_TOP_K='-3'"):
        get_settings(top_k="-3")


def test_every_setting_and_nested_setting_is_a_known_variable():
    known = known_variables(Settings)
    assert {"MANDATE_TOP_K", "MANDATE_DB_DIR", "MANDATE_QUOTE__SURE", "MANDATE_RETRIEVAL__RERANK_TOP"} <= set(known)
    assert "MANDATE_QUOTE" not in known and "MANDATE_RETRIEVAL" not in known


def test_a_misspelt_variable_is_warned_about_with_the_setting_meant(caplog, monkeypatch):
    from ingest.index import settings_check

    monkeypatch.setattr(settings_check, "_warned", set())
    env = {"MANDATE_TOPK": "3", "MANDATE_CHUNK_SIZE": "100", "MANDATE_PORT": "8502", "MANDATE_TOP_K": "4",
           "MANDATE_QUOTE__SURE": "0.4", "MANDATE_WHATEVER_ELSE": "1", "PATH": "/bin"}
    assert unknown_variables(Settings, env) == [("MANDATE_CHUNK_SIZE", "MANDATE_CHUNK_TOKENS"),
                                      ("MANDATE_TOPK", "MANDATE_TOP_K"), ("MANDATE_WHATEVER_ELSE", None)]
    with caplog.at_level(logging.WARNING, logger="mandate.settings"):
        lines = warn_unknown_variables(Settings, env)
        warn_unknown_variables(Settings, env)  # once per process
    assert lines[1] == "warning: MANDATE_TOPK is not a setting and is ignored (did you mean MANDATE_TOP_K?)"
    assert [r.getMessage() for r in caplog.records].count(lines[1]) == 1


def test_every_command_line_says_which_variable_does_not_fit(monkeypatch, tmp_path, capsys):
    """Before: a pydantic traceback from `ask`, `search`, `eval`, `check` and the ingest itself."""
    import app.__main__ as app_main
    import ingest.__main__ as ingest_main

    monkeypatch.setenv("MANDATE_TOP_K", "abc")
    for main, args in ((ingest_main.main, ["--corpus", str(tmp_path), "--db", str(tmp_path / "db"), "--no-progress"]),
                       (ingest_main.main, ["check", "--db", str(tmp_path / "db")]),
                       (app_main.main, ["ask", "What is gender training?", "--db", str(tmp_path / "db")]),
                       (app_main.main, ["search", "training", "--db", str(tmp_path / "db")])):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.strip().splitlines() == ["error: invalid settings: MANDATE_TOP_K='abc': Input should be a valid "
                                            "integer, unable to parse string as an integer"], err
    assert not (tmp_path / "db").exists()
