"""Everything under tests/e2e is the slow tier, whether or not a test says so itself."""
import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.slow)
