"""The Search page (a file, so that st.switch_page and AppTest.switch_page can reach it)."""
from app.ui import search_page

search_page.page()
