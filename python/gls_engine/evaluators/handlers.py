"""Evaluators API: the catalogue, a heuristic evaluator tried on given values (the
UI's "try it"), and a judge template previewed (its prompt rendered for given
values, and a sample answer parsed) without calling a model.

GET  /api/v1/evaluators
POST /api/v1/evaluators/run
POST /api/v1/evaluators/judge-preview
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from gls_engine.api_errors import json_response
from gls_engine.errors import (
    InvalidParameterError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from gls_engine.evaluators.catalogue import build_evaluator, catalogue
from gls_engine.evaluators.eval_case import EvalCase, text_of
from gls_engine.evaluators.judge_parsing import JudgeAnswerError, parse_answer
from gls_engine.evaluators.judge_template import JudgeTemplate

MAX_BODY_BYTES = 1 << 20
# Similarity is quadratic-ish in the lengths; a try-it needs no more than this.
MAX_VALUE_CHARS = 100_000
CASE_FIELDS = ("input", "output", "expected")
# Deeper JSON would reach Python's recursion limit in schema checks and JSON writing.
MAX_NESTING = 64


def _too_deep(value: Any, limit: int = MAX_NESTING) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return False


async def _document(request: web.Request) -> Mapping[str, Any]:
    if request.content_type != "application/json":
        raise UnsupportedMediaTypeError("the body must be application/json")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"the body is over {MAX_BODY_BYTES} bytes")
    body = await request.content.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidParameterError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidParameterError("the body must be a JSON object")
    if _too_deep(document):
        raise InvalidParameterError(f"the body nests deeper than {MAX_NESTING} levels")
    return document


def _case(document: Mapping[str, Any]) -> EvalCase:
    if "output" not in document:
        raise InvalidParameterError("output is required")
    for name in CASE_FIELDS:
        if len(text_of(document.get(name))) > MAX_VALUE_CHARS:
            raise InvalidParameterError(f"{name} is over {MAX_VALUE_CHARS} characters")
    metadata = document.get("metadata", {})
    if not isinstance(metadata, dict):
        raise InvalidParameterError("metadata must be an object")
    return EvalCase(
        output=document["output"],
        input=document.get("input"),
        expected=document.get("expected"),
        metadata=metadata,
    )


async def list_evaluators(request: web.Request) -> web.Response:
    return json_response(catalogue())


async def run_evaluator(request: web.Request) -> web.Response:
    document = await _document(request)
    name = document.get("evaluator")
    if not isinstance(name, str):
        raise InvalidParameterError("evaluator must be a string naming a built-in evaluator")
    case = _case(document)
    parameters = document.get("parameters")

    def run() -> dict[str, Any]:
        # Building checks schemas and compiles patterns: both off the event loop.
        return build_evaluator(name, parameters).score(case).to_json()

    return json_response({"score": await asyncio.to_thread(run)})


async def preview_judge(request: web.Request) -> web.Response:
    document = await _document(request)
    template = JudgeTemplate.from_json(document.get("template"))
    case = _case(document)
    answer = document.get("answer")
    if answer is not None and not isinstance(answer, str):
        raise InvalidParameterError("answer must be a string")
    preview: dict[str, Any] = {
        "variables": list(template.variables),
        "messages": template.render(case),
        "verdict": None,
    }
    if answer is not None:
        try:
            verdict = parse_answer(answer, template)
            preview["verdict"] = {
                "label": verdict.choice.label,
                "score": verdict.choice.score,
                "explanation": verdict.explanation,
                "error": None,
            }
        except JudgeAnswerError as exc:
            preview["verdict"] = {
                "label": None,
                "score": None,
                "explanation": None,
                "error": str(exc),
            }
    return json_response(preview)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/evaluators", list_evaluators)
    app.router.add_post("/api/v1/evaluators/run", run_evaluator)
    app.router.add_post("/api/v1/evaluators/judge-preview", preview_judge)
