"""The LLM seam: an OpenAI-compatible endpoint or the built-in local GGUF model (xllamacpp)."""
from .chat import ChatModel, Endpoint, LLMUnavailable, check_llm, describe_llm, make_chat_model, resolve_endpoint, stream_text
from .local_model import LocalModelUnavailable

__all__ = ["ChatModel", "Endpoint", "LLMUnavailable", "LocalModelUnavailable", "check_llm", "describe_llm", "make_chat_model",
           "resolve_endpoint", "stream_text"]
