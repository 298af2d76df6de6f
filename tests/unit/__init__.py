"""Unit tier: pure functions and single modules, no index and no model (mirrors the package modules)."""
