"""The parser registry is the one list of accepted file types: discovery, upload and fetch all follow it."""
from __future__ import annotations

from pathlib import Path

from app.ui.uploads import UPLOAD_TYPES, check_upload
from ingest.errors import UnsupportedType
from ingest.fetch import run as fetch
from ingest.index.records import Source
from ingest.parsers.parse import PARSERS, parse_source
from ingest.parsers.registry import ACCEPTED, EXTENSIONS, KINDS, kind_for
from ingest.sources import discover
from tests.fixtures.simple_pdf import write_pdf

ROOT = Path(__file__).resolve().parents[3]
TEXT = "A paragraph about gender training in security institutions, long enough to be a document.\n" * 3
HTML = "<html><body><h1>Training</h1><p>" + TEXT + "</p></body></html>"
REFUSED = (".docx", ".xhtml", ".rtf", ".pdfx", "")


def _content(kind: str, path: Path) -> bytes:
    if kind == "pdf":
        return write_pdf(path, [TEXT]).read_bytes()
    return (HTML if kind == "html" else TEXT).encode()


def test_the_registry_lists_markdown_and_every_kind_has_one_parser():
    assert EXTENSIONS[".markdown"] == EXTENSIONS[".md"] == "text"
    assert set(EXTENSIONS.values()) == set(KINDS) == set(PARSERS)
    assert all(PARSERS[k].kind == k and callable(PARSERS[k].parse) for k in KINDS)
    assert kind_for(".PDF") == kind_for("pdf") == "pdf" and kind_for(".docx") is None
    assert ACCEPTED == "PDF, HTML, TXT or MD"


def test_upload_accepts_exactly_the_registry_types(tmp_path):
    assert UPLOAD_TYPES == sorted(e.lstrip(".") for e in EXTENSIONS) and "markdown" in UPLOAD_TYPES
    for ext, kind in EXTENSIONS.items():
        assert check_upload(f"doc{ext}", _content(kind, tmp_path / "x.pdf"), max_mb=5) is None, ext
    for ext in REFUSED:
        reason = check_upload(f"doc{ext}", TEXT.encode(), max_mb=5)
        assert reason and "unsupported file type" in reason and ACCEPTED in reason, ext


def test_discovery_accepts_exactly_the_registry_types(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for ext, kind in EXTENSIONS.items():
        (corpus / f"doc-{ext.lstrip('.')}{ext}").write_bytes(_content(kind, tmp_path / "x.pdf"))
    for ext in REFUSED:
        (corpus / f"other-{ext.lstrip('.') or 'none'}{ext}").write_bytes(TEXT.encode())
    found = {c.path.suffix if c.path.name.startswith("doc-") else c.path.name: c for c in discover(corpus, [], max_mb=5)}
    for ext, kind in EXTENSIONS.items():
        assert found[ext].source is not None and found[ext].kind == kind, (ext, found[ext].error)
    refused = [c for c in found.values() if c.source is None]
    assert len(refused) == len(REFUSED)
    assert all(isinstance(c.error, UnsupportedType) and ACCEPTED in c.error.reason for c in refused)


def test_fetch_saves_only_registry_types():
    saved = {ext for ext in fetch._WANT if ext}
    assert saved and saved <= set(EXTENSIONS) and {".pdf", ".html", ".htm"} == saved


def test_markdown_extension_parses_headings(tmp_path, make_settings):
    path = tmp_path / "notes.markdown"
    path.write_text("# Gender training notes\n\n" + TEXT, encoding="utf-8")
    doc = parse_source(Source(source_id="notes", path=path, sha256="x", title=""), make_settings())
    assert doc.title == "Gender training notes"


def test_no_other_module_lists_file_extensions():
    """Extension tables live only in ingest/parsers/registry.py (".htm" and ".markdown" appear in no other module)."""
    offenders = []
    for pkg in ("ingest", "app"):
        for path in (ROOT / pkg).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if path.name != "registry.py" and ('".htm"' in text or '".markdown"' in text):
                offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == []
