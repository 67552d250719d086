"""POST /api/v1/projects/{project}/traces/{trace_id}/evaluate: an evaluator over a
stored trace's input and output (its root span's, or one span's), the score
stored with source "evaluator".

Body: {"evaluator": <built-in heuristic>, "parameters": {...}} or {"judge":
<built-in judge>} or {"template": {...}} (through the project's judge provider),
plus "span_id", "expected" (what the output should have been) and "name" (the
score's name, the evaluator's by default). A score the evaluator could not
compute (a judge that failed, an answer that did not parse) is answered and not
stored: a score without a value would filter and average as nothing. A judge's
call is traced into the project (evaluators/judge_tracing.py), the trace's id
kept on the score (judge_trace_id), a failed call's trace too.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.errors import InvalidParameterError, NotFoundError
from gls_engine.evaluators.catalogue import build_evaluator
from gls_engine.evaluators.eval_case import EvalCase
from gls_engine.evaluators.evaluator import Evaluator
from gls_engine.evaluators.handlers import JUDGE_PROVIDERS_KEY, judge_template_of
from gls_engine.evaluators.judge_template import JudgeTemplate
from gls_engine.evaluators.judge_tracing import traced_judge_score
from gls_engine.evaluators.score import Score
from gls_engine.json_body import json_object
from gls_engine.metadata.handlers import METADATA_KEY
from gls_engine.scores.app_keys import SCORES_KEY
from gls_engine.scores.score_configs import ScoreConfigs, check_configured
from gls_engine.scores.score_input import check_consistent_types, check_name, evaluator_score
from gls_engine.scores.score_store import ScoreStore
from gls_engine.scores.stored_score import StoredScore
from gls_engine.self_traces.app_context import SELF_TRACES_KEY

ZERO_SPAN = "toFixedString(repeat('\\0', 8), 8)"


async def _span_case(
    store: ScoreStore, project: str, trace_id: str, span_id: str | None, expected: Any
) -> tuple[str, EvalCase]:
    """(span id, case) of the span evaluated: the one named, else the trace's first root."""
    sql = (
        "SELECT lower(hex(span_id)) AS span_hex, input, output FROM spans"
        " WHERE project = {project:String} AND trace_id = unhex({trace:String})"
    )
    params: dict[str, Any] = {"project": project, "trace": trace_id}
    if span_id is not None:
        sql += " AND span_id = unhex({span:String})"
        params["span"] = span_id
    rows = await store.store.query_rows(
        f"{sql} ORDER BY parent_span_id != {ZERO_SPAN}, start_time, span_id LIMIT 1", params
    )
    if not rows:
        what = f"span {span_id} of trace {trace_id}" if span_id else f"trace {trace_id}"
        raise NotFoundError(f"{what} not found in project {project}")
    row = rows[0]
    return row["span_hex"], EvalCase(output=row["output"], input=row["input"], expected=expected)


def _stored(score: Score, name: str, evaluator: str, trace_id: str, span_id: str) -> StoredScore:
    return evaluator_score(
        score,
        score_id=uuid.uuid4().hex,
        name=name,
        evaluator=evaluator,
        trace_id=trace_id,
        span_id=span_id,
    )


async def evaluate_trace(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    trace_id = p.trace_id(request.match_info["trace_id"])
    document = await json_object(request)
    span = document.get("span_id")
    if span is not None and not isinstance(span, str):
        raise InvalidParameterError("span_id must be 16 hex characters, not all zero")
    span_id = p.span_id(span) if span is not None else None
    store = request.app[SCORES_KEY]
    evaluator: Evaluator | None = None
    template: JudgeTemplate | None = None
    if "evaluator" in document:
        name = document["evaluator"]
        if not isinstance(name, str):
            raise InvalidParameterError("evaluator must be a string naming a built-in evaluator")
        # building checks schemas and compiles patterns: off the event loop
        evaluator = await asyncio.to_thread(build_evaluator, name, document.get("parameters"))
        evaluator_name = name
    elif "judge" in document or "template" in document:
        template = judge_template_of(document)
        evaluator_name = template.name
    else:
        raise InvalidParameterError("evaluator, judge or template is required")
    score_name = check_name("", document.get("name", evaluator_name))
    evaluated_span, case = await _span_case(
        store, project, trace_id, span_id, document.get("expected")
    )
    if evaluator is not None:
        score = await asyncio.to_thread(evaluator.score, case)
    else:
        assert template is not None
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
                attributes={
                    "gls.judge.subject.trace_id": trace_id,
                    "gls.judge.subject.span_id": evaluated_span,
                },
            )
    stored = None
    if score.error is None:
        record = _stored(score, score_name, evaluator_name, trace_id, evaluated_span)
        configs = ScoreConfigs(request.app[METADATA_KEY])
        check_configured([record], await configs.of_names(project, [score_name]), False)
        check_consistent_types([record], await store.known_types(project, [score_name]))
        await store.write(project, [record])
        stored = record.to_json()
    return json_response({"score": score.to_json(), "stored": stored})
