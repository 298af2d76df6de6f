"""The app's pages for st.navigation. Each is a small file under app/ui/pages/ (paths relative to
the entry file), so st.switch_page and AppTest.switch_page("ui/pages/search.py") reach them."""
from __future__ import annotations

import streamlit as st

PAGES = {  # name: (file relative to app/streamlit_app.py, title, icon)
    "chat": ("ui/pages/chat.py", "Chat", ":material/chat:"),
    "search": ("ui/pages/search.py", "Search", ":material/search:"),
    "library": ("ui/pages/library.py", "Library", ":material/library_books:"),
    "onboarding": ("ui/pages/onboarding.py", "Onboarding", ":material/school:"),
}


def page(name: str):
    """The st.Page called ``name`` (for st.navigation, st.switch_page, st.page_link)."""
    path, title, icon = PAGES[name]
    return st.Page(path, title=title, icon=icon, url_path=name, default=(name == "chat"))


def pages() -> list:
    return [page(name) for name in PAGES]
