"""The Chat page (a file, so that st.switch_page and AppTest.switch_page can reach it)."""
from app.ui import chat_page

chat_page.page()
