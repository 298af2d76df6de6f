"""The index format both ingest and app build on: settings, the Chroma store and its records, BM25,
the sentence index and the embedding model that made them."""
