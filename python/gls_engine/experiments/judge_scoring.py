"""The experiment's LLM judges (built-in judge templates) on each recorded run that
has an output, through the project's judge provider, a few calls at a time. The
judge's explanation is the score's comment; a judge that failed or answered
something unparsable gives an error, not a score. Each call is traced into the
project (evaluators/judge_tracing.py), its trace's id kept on the score."""

from __future__ import annotations

import asyncio
from typing import Any

from gls_engine.evaluators.eval_case import EvalCase
from gls_engine.evaluators.judge_provider import JudgeProviders
from gls_engine.evaluators.judge_template import JudgeTemplate
from gls_engine.evaluators.judge_templates import BUILTIN_JUDGE_TEMPLATES
from gls_engine.evaluators.judge_tracing import traced_judge_score
from gls_engine.evaluators.score import Score
from gls_engine.experiments.run_scoring import keep_score
from gls_engine.metadata.store import MetadataStore
from gls_engine.scores.stored_score import StoredScore
from gls_engine.self_traces.submitter import SelfTraceSubmitter

JUDGE_CONCURRENCY = 8


async def judge_runs(
    judges: JudgeProviders,
    submitter: SelfTraceSubmitter,
    metadata: MetadataStore,
    project: str,
    experiment_id: str,
    evaluators: list[dict[str, Any]],
    runs: list[dict[str, Any]],
) -> tuple[list[StoredScore], list[dict[str, Any]]]:
    specs = [spec for spec in evaluators if spec.get("kind") == "llm_judge"]
    judged = [run for run in runs if run["error"] is None]
    if not specs or not judged:
        return [], []
    client, model = await judges.client(metadata, project)
    gate = asyncio.Semaphore(JUDGE_CONCURRENCY)

    async def one(template: JudgeTemplate, run: dict[str, Any]) -> Score:
        case = EvalCase(
            output=run["output"],
            input=run["item"]["input"],
            expected=run["item"]["expected"],
            metadata=run["item"]["metadata"] or {},
        )
        async with gate:
            return await traced_judge_score(
                template,
                client,
                model,
                case,
                project=project,
                submitter=submitter,
                attributes={
                    "gls.experiment.id": experiment_id,
                    "gls.experiment.run_id": run["id"],
                    "gls.judge.subject.trace_id": run["trace_id"],
                },
            )

    work = [
        (spec, run, BUILTIN_JUDGE_TEMPLATES[spec["evaluator"]]) for spec in specs for run in judged
    ]
    async with client:
        verdicts = await asyncio.gather(*(one(template, run) for _, run, template in work))
    scores: list[StoredScore] = []
    errors: list[dict[str, Any]] = []
    for (spec, run, _), verdict in zip(work, verdicts, strict=True):
        keep_score(scores, errors, verdict, spec, run, experiment_id)
    return scores, errors
