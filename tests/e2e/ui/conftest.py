"""The browser tests run the app on the UI tests' index: their fixtures come from the integration conftest."""
from tests.integration.app.ui.conftest import ROOT, ui_index  # noqa: F401 - re-exported fixtures and paths
