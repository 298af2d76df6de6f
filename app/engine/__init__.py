"""The answer engine: pure Python, never imports streamlit."""
from .engine import REFUSAL, Engine, EngineNotReady
from .records import Answer, Citation, Filters, Passage, SentenceCheck, Trace, Turn

__all__ = ["Engine", "EngineNotReady", "REFUSAL", "Answer", "Citation", "Filters", "Passage", "SentenceCheck", "Trace", "Turn"]
