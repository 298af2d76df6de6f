"""Parsers: one registry of accepted file types, content sniffing, and a ``Parser`` per kind.

``registry`` (extension -> kind, the ``Parser`` protocol; the only list of accepted types) <- ``sniff``
(what the bytes are) <- ``clean``/``pages`` (shared text clean-up, pagination) <- ``pdf``/``text``
(pypdf; HTML and plain text) <- ``parse`` (kind -> Parser, ``parse_source``) <- ``worker`` (a child process
that parses one file at a time under a memory and time budget).
"""
