"""Entry point: ``streamlit run app/streamlit_app.py``. A frame around the pages of app/ui."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts app/ first on sys.path, not the project root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.ui import common, nav, state, text  # noqa: E402
from ingest.errors import ConfigError  # noqa: E402

st.set_page_config(page_title="More than a mandate? · cited assistant", page_icon=":material/menu_book:",
                   layout="wide")
try:
    state.settings()
except ConfigError as exc:  # a MANDATE_ variable that does not fit: say which, instead of a traceback
    st.error(f"The app cannot start: {text.escape_md(str(exc))}. Fix or unset the variable and reload.", icon=":material/error:")
    st.stop()
current = st.navigation(nav.pages())
current.run()
common.sidebar(state.engine_handle())  # after the page: stats never delay an answer
