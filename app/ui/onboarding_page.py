"""Onboarding new trainers (issue 7): a guided, cited path through the paper. Placeholder."""
from __future__ import annotations

import streamlit as st


def render(engine) -> None:
    """Draw the onboarding page; ``engine`` is the shared Engine, or None when there is no index yet."""
    st.title("Onboarding")
    st.info("Coming soon: a guided, cited path through the paper for new trainers.", icon=":material/school:")
