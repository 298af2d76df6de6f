"""Integration tier: real Chroma, the real embedding model, real pypdf; one session index (tests/conftest.py)."""
