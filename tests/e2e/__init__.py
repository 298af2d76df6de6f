"""End-to-end tier (all marked slow): a browser on the running app, the real local LLM, kill -9, a Chroma server."""
