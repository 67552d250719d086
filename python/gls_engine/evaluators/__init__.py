"""Evaluators: what scores an output. Heuristic evaluators (exact match, contains,
regex, JSON validity and schema, numeric tolerance, string similarity), LLM
judges on editable templates, and the OpenAI-compatible client judges call."""

from gls_engine.evaluators.catalogue import HEURISTIC_EVALUATORS, build_evaluator, catalogue
from gls_engine.evaluators.eval_case import EvalCase
from gls_engine.evaluators.evaluator import Evaluator
from gls_engine.evaluators.judge_template import Choice, JudgeTemplate, Message
from gls_engine.evaluators.judge_templates import BUILTIN_JUDGE_TEMPLATES
from gls_engine.evaluators.llm_judge import ChatClient, LLMJudge
from gls_engine.evaluators.openai_client import (
    ChatCompletion,
    ContentDelta,
    OpenAICompatibleClient,
    RetryPolicy,
    ToolCall,
)
from gls_engine.evaluators.provider_errors import (
    PermanentProviderError,
    ProviderError,
    RetryableProviderError,
)
from gls_engine.evaluators.score import JudgeCall, Score

__all__ = [
    "BUILTIN_JUDGE_TEMPLATES",
    "HEURISTIC_EVALUATORS",
    "ChatClient",
    "ChatCompletion",
    "Choice",
    "ContentDelta",
    "EvalCase",
    "Evaluator",
    "JudgeCall",
    "JudgeTemplate",
    "LLMJudge",
    "Message",
    "OpenAICompatibleClient",
    "PermanentProviderError",
    "ProviderError",
    "RetryPolicy",
    "RetryableProviderError",
    "Score",
    "ToolCall",
    "build_evaluator",
    "catalogue",
]
