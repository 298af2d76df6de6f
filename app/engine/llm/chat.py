"""The one seam between the answer step and a chat LLM.

Everything goes through ``langchain_openai.ChatOpenAI`` against an OpenAI-compatible endpoint:
either the user's (``settings.llm_base_url``: Ollama, vLLM, llama.cpp server, OpenAI) or the
built-in model, which ``local_model`` serves over loopback HTTP. Any failure to reach or use the
model surfaces as ``LLMUnavailable`` so the caller can fall back to extractive (quote) mode.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlparse

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, BaseMessageChunk

from ingest.errors import MandateError

from .local_model import LocalModelUnavailable, get_local_server

# Connect fails fast so a dead endpoint falls back quickly; read is the gap between bytes, and
# the first byte only comes after prompt evaluation (~20-40 s for a 6-passage prompt on the
# 1.5B model on 2 busy cores), so it must be generous.
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=120.0, write=30.0, pool=10.0)


class LLMUnavailable(MandateError, RuntimeError):
    """The LLM cannot be used right now (unreachable, misconfigured, not installed, failed)."""


@runtime_checkable
class ChatModel(Protocol):
    """What the answer step needs from a chat model (``BaseChatModel`` satisfies it; so can a fake)."""

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> BaseMessage: ...

    def stream(self, input: Any, config: Any = None, **kwargs: Any) -> Iterator[BaseMessageChunk]: ...


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    api_key: str
    model: str
    local: bool


def _is_openai(base_url: str) -> bool:
    return (urlparse(base_url).hostname or "").endswith("openai.com")


def resolve_endpoint(settings) -> Endpoint:
    """Where requests go; for the built-in model this assembles the GGUF and starts the server."""
    if settings.llm_base_url:
        return Endpoint(settings.llm_base_url.rstrip("/"), settings.llm_api_key, settings.llm_model, local=False)
    try:
        srv = get_local_server(settings)
    except LocalModelUnavailable as e:
        raise LLMUnavailable(str(e)) from e
    return Endpoint(srv.base_url, srv.api_key, srv.name, local=True)


def make_chat_model(settings, *, timeout: httpx.Timeout | float | None = None,
                    max_retries: int = 1) -> BaseChatModel:
    """A streaming, deterministic ``ChatOpenAI`` for the configured endpoint or the built-in model.

    ``ChatOpenAI`` sends ``max_completion_tokens``; Ollama ignores that field (ollama#7125) and
    would generate unbounded, so self-hosted endpoints also get the classic ``max_tokens``.
    """
    from langchain_openai import ChatOpenAI

    ep = resolve_endpoint(settings)
    extra_body = None if _is_openai(ep.base_url) else {"max_tokens": settings.llm_max_tokens}
    return ChatOpenAI(
        model=ep.model,
        base_url=ep.base_url,
        api_key=ep.api_key,
        temperature=0,
        max_tokens=settings.llm_max_tokens,
        extra_body=extra_body,
        streaming=True,
        stream_usage=True if ep.local else None,  # llama.cpp reports usage; other servers may not
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        max_retries=max_retries,
    )


def describe_llm(settings) -> str:
    """Short label for the UI and logs; never starts anything."""
    if settings.llm_base_url:
        return f"endpoint: {settings.llm_base_url} ({settings.llm_model})"
    return f"local: {settings.local_model}"


def _explain(e: BaseException, where: str) -> LLMUnavailable:
    if isinstance(e, openai.APITimeoutError):
        msg = f"timed out waiting for the LLM at {where}"
    elif isinstance(e, openai.APIConnectionError):
        msg = f"cannot connect to the LLM at {where} (is the server running?)"
    elif isinstance(e, (openai.AuthenticationError, openai.PermissionDeniedError)):
        msg = f"the LLM at {where} rejected the API key (MANDATE_LLM_API_KEY)"
    elif isinstance(e, openai.NotFoundError):
        msg = f"the LLM at {where} has no such model or route (check MANDATE_LLM_MODEL / base URL)"
    elif isinstance(e, openai.APIStatusError):
        msg = f"the LLM at {where} answered HTTP {e.status_code}: {e.message}"
    else:
        msg = f"the LLM at {where} failed: {e}"
    err = LLMUnavailable(msg)
    err.__cause__ = e
    return err


def stream_text(model: ChatModel, messages: Sequence[BaseMessage] | str, *, where: str = "endpoint") -> Iterator[str]:
    """Yield the answer's text pieces; any API/connection failure becomes ``LLMUnavailable``.

    May raise after some pieces were yielded (server died mid-answer): callers should treat
    the partial text as unverified and fall back.
    """
    try:
        for chunk in model.stream(messages):
            if text := str(chunk.text):
                yield text
    except openai.OpenAIError as e:
        raise _explain(e, where) from e
    except httpx.HTTPError as e:  # transport errors that escape the openai wrapper mid-stream
        raise LLMUnavailable(f"connection to the LLM at {where} broke: {e}") from e


def check_llm(settings, timeout: float = 5.0) -> str:
    """Cheap reachability probe (``GET /models``) for the UI; returns ``describe_llm`` or raises."""
    ep = resolve_endpoint(settings)
    try:
        r = httpx.get(f"{ep.base_url}/models", headers={"Authorization": f"Bearer {ep.api_key}"}, timeout=timeout)
    except httpx.HTTPError as e:
        raise LLMUnavailable(f"cannot connect to the LLM at {ep.base_url}: {e}") from e
    if r.status_code in (401, 403):
        raise LLMUnavailable(f"the LLM at {ep.base_url} rejected the API key (HTTP {r.status_code})")
    if r.status_code >= 400:
        raise LLMUnavailable(f"the LLM at {ep.base_url} answered HTTP {r.status_code} to GET /models")
    return describe_llm(settings)
