"""The Onboarding page (issue 7 fills app/ui/onboarding_page.py)."""
from app.ui import onboarding_page, state

onboarding_page.render(state.engine())
