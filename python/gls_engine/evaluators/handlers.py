"""Evaluators API: the catalogue, a heuristic evaluator tried on given values (the
UI's "try it"), a judge template previewed (its prompt rendered for given
values, and a sample answer parsed) without calling a model, a project's judge
provider (never its key), and a judge run on given values through it.

GET  /api/v1/evaluators
POST /api/v1/evaluators/run
POST /api/v1/evaluators/judge-preview
GET  /api/v1/projects/{project}/judge-provider
PUT  /api/v1/projects/{project}/judge-provider
POST /api/v1/projects/{project}/evaluators/judge-run
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.errors import (
    InvalidParameterError,
)
from gls_engine.evaluators.catalogue import build_evaluator, catalogue
from gls_engine.evaluators.eval_case import EvalCase, text_of
from gls_engine.evaluators.judge_parsing import JudgeAnswerError, parse_answer
from gls_engine.evaluators.judge_provider import JudgeProviderInput, JudgeProviders
from gls_engine.evaluators.judge_template import JudgeTemplate
from gls_engine.evaluators.judge_templates import BUILTIN_JUDGE_TEMPLATES
from gls_engine.evaluators.judge_tracing import traced_judge_score
from gls_engine.json_body import json_object
from gls_engine.metadata.handlers import METADATA_KEY
from gls_engine.secret_box import SecretBox
from gls_engine.self_traces.app_context import SELF_TRACES_KEY

JUDGE_PROVIDERS_KEY = web.AppKey("judge_providers", JudgeProviders)

MAX_BODY_BYTES = 1 << 20
# Similarity is quadratic-ish in the lengths; a try-it needs no more than this.
MAX_VALUE_CHARS = 100_000
CASE_FIELDS = ("input", "output", "expected")


async def _document(request: web.Request) -> Mapping[str, Any]:
    return await json_object(request, MAX_BODY_BYTES)


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


async def get_judge_provider(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    providers = request.app[JUDGE_PROVIDERS_KEY]
    return json_response((await providers.get(request.app[METADATA_KEY], project)).to_json())


async def put_judge_provider(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    given = JudgeProviderInput.from_json(await _document(request))
    providers = request.app[JUDGE_PROVIDERS_KEY]
    stored = await providers.put(request.app[METADATA_KEY], project, given)
    return json_response(stored.to_json())


def judge_template_of(document: Mapping[str, Any]) -> JudgeTemplate:
    if "template" in document:
        return JudgeTemplate.from_json(document["template"])
    name = document.get("judge")
    template = BUILTIN_JUDGE_TEMPLATES.get(name) if isinstance(name, str) else None
    if template is None:
        raise InvalidParameterError(
            f"judge must be one of {', '.join(BUILTIN_JUDGE_TEMPLATES)}, or give a template"
        )
    return template


async def run_judge(request: web.Request) -> web.Response:
    """One judge on given values through the project's provider: a provider that fails
    or an answer that does not parse is an error score, as in an experiment. The
    call is traced into the project (judge_tracing.py)."""
    project = p.project_name(request.match_info["project"])
    document = await _document(request)
    template = judge_template_of(document)
    case = _case(document)
    providers = request.app[JUDGE_PROVIDERS_KEY]
    client, model = await providers.client(request.app[METADATA_KEY], project)
    async with client:
        score = await traced_judge_score(
            template,
            client,
            model,
            case,
            project=project,
            submitter=request.app[SELF_TRACES_KEY],
        )
    return json_response({"score": score.to_json()})


def add_routes(app: web.Application, data_dir: Path) -> None:
    # Loaded at first use: a Studio whose projects have no judge keys never makes one.
    app[JUDGE_PROVIDERS_KEY] = JudgeProviders(cache(lambda: SecretBox.load(data_dir)))
    app.router.add_get("/api/v1/evaluators", list_evaluators)
    app.router.add_post("/api/v1/evaluators/run", run_evaluator)
    app.router.add_post("/api/v1/evaluators/judge-preview", preview_judge)
    app.router.add_get("/api/v1/projects/{project}/judge-provider", get_judge_provider)
    app.router.add_put("/api/v1/projects/{project}/judge-provider", put_judge_provider)
    app.router.add_post("/api/v1/projects/{project}/evaluators/judge-run", run_judge)
