"""Readable messages for settings that do not fit (``get_settings``): the variable, its value, the rule."""
from __future__ import annotations

import difflib
import logging
import os

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError

PREFIX = "MANDATE_"
# Read by the launchers (.ci/app: where Streamlit listens), not by Settings.
LAUNCHER_VARIABLES = frozenset({"MANDATE_HOST", "MANDATE_PORT"})


def known_variables(settings_cls: type[BaseModel]) -> list[str]:
    """Every environment variable ``settings_cls`` reads, nested ones with ``__`` (MANDATE_QUOTE__SURE)."""
    names = []
    for name, field in settings_cls.model_fields.items():
        sub = field.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            names += [f"{PREFIX}{name}__{n}".upper() for n in sub.model_fields]
        else:
            names.append(f"{PREFIX}{name}".upper())
    return names


def unknown_variables(settings_cls: type[BaseModel],
                      environ: dict[str, str] | None = None) -> list[tuple[str, str | None]]:
    """(variable, closest setting or None) for each MANDATE_ variable no setting reads."""
    env = os.environ if environ is None else environ
    known = known_variables(settings_cls)
    out = []
    for var in sorted(env):
        upper = var.upper()
        if not upper.startswith(PREFIX) or upper in known or upper in LAUNCHER_VARIABLES:
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.75)
        out.append((var, close[0] if close else None))
    return out


_log = logging.getLogger("mandate.settings")
_warned: set[str] = set()


def warn_unknown_variables(settings_cls: type[BaseModel], environ: dict[str, str] | None = None) -> list[str]:
    """Log each unknown variable once per process (a logger, so the CLIs print one plain line); returns them."""
    out = []
    for var, close in unknown_variables(settings_cls, environ):
        hint = f" (did you mean {close}?)" if close else ""
        out.append(f"warning: {var} is not a setting and is ignored{hint}")
        if out[-1] not in _warned:
            _warned.add(out[-1])
            _log.warning(out[-1])
    return out


def _variable(loc: tuple) -> str:
    path = [str(p) for p in loc if not isinstance(p, int)]
    return PREFIX + "__".join(path).upper()


def config_error(exc: ValidationError) -> ConfigError:
    """One line per field that failed: ``MANDATE_TOP_K='abc': Input should be a valid integer``."""
    lines = []
    for err in exc.errors():
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f"={value!r}"
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        loc = tuple(err.get("loc", ()))
        lines.append(f"{_variable(loc)}{shown}: {msg}" if loc else msg)
    return ConfigError("invalid settings: " + "; ".join(lines))
