"""The Library page (a file, so that st.switch_page and AppTest.switch_page can reach it)."""
from app.ui import library_page

library_page.page()
