"""A GreenLang step: the agent's input mapped from the run's state, the agent run
off the event loop by the AgentRunner, and an `agent` span carrying the
input, the output and the agent's CPU time (`gls.cpu.seconds`: the energy
model's input, docs/carbon.md). A failed AgentResult fails the step."""

from __future__ import annotations

from typing import Any

import orjson

from gls_engine.chains.contracts import AgentRunner
from gls_engine.chains.definition import GreenLangStep
from gls_engine.chains.expressions import evaluate
from gls_engine.chains.step_llm import StepError
from gls_engine.self_traces.self_span import SelfSpan


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


async def run_greenlang_step(
    agents: AgentRunner | None,
    step: GreenLangStep,
    where: str,
    state: dict[str, Any],
    span: SelfSpan,
) -> Any:
    agent_input = {
        name: evaluate(expression, state, f"{where}.input_mapping.{name}")
        for name, expression in step.input_mapping.items()
    }
    span.set_all(
        {
            "gls.span.type": "agent",
            "gls.agent": step.agent,  # the decoder's agent column (docs/span-schema.md)
            "gls.agent.name": step.agent,
            "input.value": _json(agent_input),
        }
    )
    if agents is None:
        raise StepError("chains are not configured: no GreenLang agents")
    if step.agent not in await agents.enabled():
        raise StepError(f"{where}.agent: {step.agent!r} is not an agent the operator enabled")
    result = await agents.run(step.agent, agent_input)
    span.set("gls.cpu.seconds", float(result.cpu_seconds))
    if not result.success:
        raise StepError(f"the agent {step.agent} failed: {result.error or 'no reason given'}")
    output = result.data
    if step.output_mapping:
        # over the agent's data, as the workflow's output_mapping reads it
        output = {
            name: evaluate(expression, result.data, f"{where}.output_mapping.{name}")
            for name, expression in step.output_mapping.items()
        }
    span.set("output.value", _json(output))
    return output
