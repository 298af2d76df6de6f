"""Entry point: ``streamlit run app/streamlit_app.py``. A frame around the pages of app/ui."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts app/ first on sys.path, not the project root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.ui import common, nav, state  # noqa: E402

st.set_page_config(page_title="More than a mandate? · cited assistant", page_icon=":material/menu_book:",
                   layout="wide")
current = st.navigation(nav.pages())
current.run()
common.sidebar(state.engine_handle())  # after the page: stats never delay an answer
