"""Fetching the manifest's sources (``python -m ingest fetch``): http(s) only, size- and type-checked.

``download`` (HTTP with timeouts, retries, a size cap, byte sniffing, landing-page links) and ``links``
(which manifest URLs resolve, what a page is) <- ``lock`` (sources.lock, atomic writes inside the corpus)
<- ``run`` (one manifest entry -> a saved file or the reason it failed; the CLI).
"""
