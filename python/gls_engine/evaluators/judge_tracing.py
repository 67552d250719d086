"""An LLM judge's call traced into the Studio: one trace per judged case, in the
case's project, environment `gls-evaluator` (so a filter on the production
environment leaves it out), service `greenlang-studio`. Its root span
"judge <template>" (an evaluator span) holds the case judged and the verdict
(label, score, explanation) or the error; its child is the provider call
(traced_chat_client.py). The stored trace's id goes on the score
(`judge_trace_id`), so a score opens the call that made it, and the call's
cost and carbon come from the ingest's enrichment like any LLM span's."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from gls_engine.evaluators.eval_case import EvalCase, text_of
from gls_engine.evaluators.judge_template import JudgeTemplate
from gls_engine.evaluators.llm_judge import LLMJudge
from gls_engine.evaluators.openai_client import OpenAICompatibleClient
from gls_engine.evaluators.score import Score
from gls_engine.self_traces.self_trace import SelfTrace
from gls_engine.self_traces.submitter import SelfTraceSubmitter
from gls_engine.self_traces.traced_chat_client import TracedChatClient

JUDGE_ENVIRONMENT = "gls-evaluator"
JUDGE_SCOPE = "gls_engine.evaluators.judge_tracing"


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _case_attributes(case: EvalCase) -> dict[str, Any]:
    judged = {"input": case.input, "output": case.output, "expected": case.expected}
    attributes: dict[str, Any] = {
        "input.value": _json(judged),
        "input.mime_type": "application/json",
    }
    for field, value in judged.items():
        if value is not None:
            attributes[f"gls.eval.{field}"] = text_of(value)
    return attributes


def _verdict_attributes(score: Score) -> dict[str, Any]:
    return {
        "output.value": _json(
            {"label": score.label, "score": score.value, "explanation": score.explanation}
        ),
        "output.mime_type": "application/json",
        "gls.judge.label": score.label,
        "gls.judge.score": score.value,
        "gls.judge.explanation": score.explanation,
    }


async def traced_judge_score(
    template: JudgeTemplate,
    client: OpenAICompatibleClient,
    model: str,
    case: EvalCase,
    *,
    project: str,
    submitter: SelfTraceSubmitter,
    attributes: dict[str, Any] | None = None,
) -> Score:
    """The judge's score of `case`, its call traced; `judge_trace_id` is set once
    the trace is stored (a trace that could not be is logged, the score kept).
    `attributes` go on the root (what was judged: a trace, an experiment's run)."""
    trace = SelfTrace(project, JUDGE_ENVIRONMENT, scope=JUDGE_SCOPE)
    root = trace.start_span(
        f"judge {template.name}",
        attributes={
            "openinference.span.kind": "EVALUATOR",
            "gls.judge.template": template.name,
            "gls.judge.model": model,
            **_case_attributes(case),
            **(attributes or {}),
        },
    )
    traced = TracedChatClient(client, client.endpoint, trace, root)
    score = await LLMJudge(template, traced, model).evaluate(case)
    if score.error is None:
        root.set_all(_verdict_attributes(score))
        root.succeed()
    else:
        root.set("gls.judge.error", score.error)
        root.fail(score.error, "JudgeError")
    root.end()
    if not await submitter.submit(trace):
        return score
    return dataclasses.replace(score, judge_trace_id=trace.trace_id_hex)
