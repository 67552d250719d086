"""A run rebuilt from a stored trace, to debug or replay it (docs/chains.md,
"Playground and replay"):

- a trace a chain run made (its root span `gls.span.type=chain` with
  `gls.chain.run_id`): that run's definition (the saved chain's version, or the
  draft its record kept), its inputs, and a replay map of each LLM step's
  recorded output by step path (`gls.step.output`, which the runner records);
- any other trace: a chain of LLM steps, one per LLM span with recorded
  messages in start order (chains/span_to_step.py), ids `llm_1`, `llm_2`, ...

LLM steps recorded up to and including `until_span_id` are answered from the
replay map (no provider call, nothing priced); the rest run live.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from gls_engine import request_params as p
from gls_engine.chains.contracts import ChainResolver
from gls_engine.chains.definition import ChainDefinition, LlmStep, Step, parse_chain
from gls_engine.chains.llm_providers import provider_name
from gls_engine.chains.runner import STEP_OUTPUT_ATTRIBUTE, check_inputs
from gls_engine.chains.span_to_step import is_llm_span, step_from_span
from gls_engine.chains.step_gate import Frame, GateAction, GatePoint, StepGate
from gls_engine.errors import InvalidParameterError, NotFoundError

CHAIN_TRACE, SPANS_TRACE = "chain", "spans"
SPANS_CHAIN_NAME = "replay"  # the root span's name of a replayed foreign trace: `chain replay`


@dataclass(frozen=True)
class ReplayRequest:
    trace_id: str
    until_span_id: str | None = None  # None: every recorded LLM answer is replayed
    inputs_override: dict[str, Any] | None = None
    outputs: dict[str, Any] = field(default_factory=dict)  # step path -> its output instead
    provider: str | None = None


@dataclass
class ReplayPlan:
    kind: str
    definition: ChainDefinition
    chain_name: str
    chain_version: int | None
    definition_json: dict[str, Any] | None  # None: a saved chain's version
    inputs: dict[str, Any]
    replay: dict[str, Any]
    replayed: list[dict[str, str]]  # [{path, span_id}]
    live: list[str]
    source_run_id: str | None = None
    unparsed: list[dict[str, str]] = field(default_factory=list)
    gate: StepGate | None = None
    edited: list[str] = field(default_factory=list)  # step paths given their output

    def summary(self, trace_id: str) -> dict[str, Any]:
        return {
            "trace_id": trace_id,
            "kind": self.kind,
            "chain": self.chain_name if self.definition_json is None else None,
            "version": self.chain_version,
            "source_run_id": self.source_run_id,
            "replayed": self.replayed,
            "live": self.live,
            "edited": self.edited,
            "unparsed": self.unparsed,
        }


RunLookup = Callable[[str], Awaitable[dict[str, Any] | None]]


def _chain_root(spans: list[dict[str, Any]]) -> dict[str, Any] | None:
    for span in spans:
        attributes = span.get("attributes") or {}
        if (
            span.get("parent_span_id") is None
            and attributes.get("gls.span.type") == "chain"
            and attributes.get("gls.chain.run_id")
        ):
            return span
    return None


def _replayed_until(candidates: list[tuple[str, dict[str, Any]]], until_span_id: str | None) -> int:
    """How many of the (path, span) candidates, in start order, are replayed."""
    if until_span_id is None:
        return len(candidates)
    for index, (_, span) in enumerate(candidates):
        if span["span_id"] == until_span_id:
            return index + 1
    raise InvalidParameterError(
        f"until_span_id: span {until_span_id} is not an LLM call of the trace "
        f"(its LLM spans: {', '.join(s['span_id'] for _, s in candidates) or 'none'})"
    )


def _recorded_step_output(span: dict[str, Any], step: LlmStep | None) -> Any:
    attributes = span.get("attributes") or {}
    if STEP_OUTPUT_ATTRIBUTE in attributes:
        return orjson.loads(attributes[STEP_OUTPUT_ATTRIBUTE])
    # a trace from before the runner recorded its steps' outputs
    output = step_from_span(span).recorded_output
    if step is not None and step.output == "json" and isinstance(output, str):
        return orjson.loads(output)
    return output


def _with_provider(definition: ChainDefinition, provider: str) -> ChainDefinition:
    document = definition.to_json()
    for step in document["steps"]:
        if step["type"] == "llm":
            step["provider"] = provider
    return parse_chain(document)


class OutputEdits:
    """A step gate that replaces top-level steps' outputs once they have run (the
    runner records each edit on the trace as a `gls.debug.state_edit` event)."""

    def __init__(self, outputs: dict[str, Any]) -> None:
        self.outputs = outputs

    async def __call__(
        self,
        point: GatePoint,
        run_id: str,
        frames: tuple[Frame, ...],
        step: Step,
        state: dict[str, Any],
    ) -> GateAction | None:
        if point != "after" or len(frames) != 1 or step.id not in self.outputs:
            return None
        steps = {**state["steps"], step.id: self.outputs[step.id]}
        return GateAction.edit({"inputs": state["inputs"], "steps": steps})


def _apply_edits(plan: ReplayPlan, request: ReplayRequest) -> ReplayPlan:
    """`outputs`: an LLM step's path (a sub-chain's too) is answered with it, no call
    made; another top-level step's output is replaced once it has run."""
    llm_paths = {r["path"] for r in plan.replayed} | set(plan.live)
    top_level = {s.id for s in plan.definition.steps}
    edits: dict[str, Any] = {}
    for path, output in request.outputs.items():
        plan.edited.append(path)
        if path in llm_paths:
            plan.replay[path] = output
            if path in plan.live:
                plan.live.remove(path)
        elif path in top_level:
            edits[path] = output
        else:
            known = ", ".join(sorted(llm_paths | top_level))
            raise InvalidParameterError(
                f"outputs.{path}: not a step of the replayed chain (its steps: {known})"
            )
    plan.gate = OutputEdits(edits) if edits else None
    if request.inputs_override:
        plan.inputs = {**plan.inputs, **request.inputs_override}
    check_inputs(plan.definition, plan.inputs, "inputs_override")
    return plan


def _llm_paths(definition: ChainDefinition) -> dict[str, LlmStep]:
    return {s.id: s for s in definition.steps if isinstance(s, LlmStep)}


async def _chain_plan(
    root: dict[str, Any],
    spans: list[dict[str, Any]],
    request: ReplayRequest,
    project: str,
    run_of: RunLookup,
    resolver: ChainResolver | None,
) -> ReplayPlan:
    attributes = root["attributes"]
    run_id = str(attributes["gls.chain.run_id"])
    record = await run_of(run_id)
    chain = attributes.get("gls.chain")
    version = attributes.get("gls.chain.version")
    definition_json: dict[str, Any] | None = None
    if record is not None and record.get("definition") is not None:
        definition_json = record["definition"]
        definition = parse_chain(definition_json)
        chain_name, chain_version = "playground", None
    elif isinstance(chain, str) and isinstance(version, int):
        if resolver is None:
            raise InvalidParameterError(
                "trace_id: the trace's chain cannot be read: no chain store"
            )
        try:
            resolved = await resolver.resolve(project, chain, version=version)
        except NotFoundError as exc:
            raise NotFoundError(f"trace_id: the trace's chain is gone: {exc}") from None
        definition, chain_name, chain_version = (
            resolved.definition,
            resolved.name,
            resolved.version,
        )
    else:
        raise InvalidParameterError(
            f"trace_id: the trace is run {run_id} of an unsaved chain whose run record is gone"
        )
    if record is not None:
        inputs = record["inputs"]
    else:
        inputs = orjson.loads(attributes.get("input.value") or "{}")
    if request.provider is not None:
        definition = _with_provider(definition, request.provider)
        if definition_json is not None:
            definition_json = definition.to_json()
    top = _llm_paths(definition)
    candidates = [
        (str(s["attributes"]["gls.step.path"]), s)
        for s in spans
        if (s.get("attributes") or {}).get("gls.step.type") == "llm"
        and (s.get("attributes") or {}).get("gls.step.path")
    ]
    until = _replayed_until(candidates, request.until_span_id)
    replay: dict[str, Any] = {}
    replayed: list[dict[str, str]] = []
    for path, span in candidates[:until]:
        if span["status"]["code"] == 2:
            continue  # it failed: nothing recorded to answer with, so it runs live
        replay[path] = _recorded_step_output(span, top.get(path))
        replayed.append({"path": path, "span_id": span["span_id"]})
    live = [path for path, _ in candidates if path not in replay]
    live += [p for p in top if p not in replay and p not in live]  # steps never reached
    return ReplayPlan(
        kind=CHAIN_TRACE,
        definition=definition,
        chain_name=chain_name,
        chain_version=chain_version,
        definition_json=definition_json,
        inputs=inputs if isinstance(inputs, dict) else {},
        replay=replay,
        replayed=replayed,
        live=live,
        source_run_id=run_id,
    )


def _spans_plan(
    spans: list[dict[str, Any]], request: ReplayRequest, provider: str | None
) -> ReplayPlan:
    calls = [s for s in spans if is_llm_span(s)]
    unparsed = [
        {
            "attribute": f"span {s['span_id']}",
            "reason": "an LLM span without recorded messages: not a step of the replay",
        }
        for s in spans
        if s.get("span_type") == "llm" and not is_llm_span(s)
    ]
    if not calls:
        raise InvalidParameterError(
            "trace_id: the trace has no LLM span with recorded messages to replay"
        )
    if provider is None:
        raise InvalidParameterError(
            "provider: the project has no LLM provider; create one or name one to replay with"
        )
    if request.inputs_override:
        raise InvalidParameterError(
            "inputs_override: a trace no chain made has no inputs (its LLM calls' messages are "
            "as recorded; edit them in the playground)"
        )
    steps: list[dict[str, Any]] = []
    candidates: list[tuple[str, dict[str, Any]]] = []
    recorded: dict[str, Any] = {}
    for index, span in enumerate(calls):
        step_id = f"llm_{index + 1}"
        opened = step_from_span(span, step_id=step_id, provider=provider)
        if opened.step["model"] is None:
            raise InvalidParameterError(f"trace_id: LLM span {span['span_id']} names no model")
        steps.append(opened.step)
        candidates.append((step_id, span))
        recorded[step_id] = opened.recorded_output
        unparsed += [{**u, "step": step_id} for u in opened.unparsed]
    until = _replayed_until(candidates, request.until_span_id)
    replay: dict[str, Any] = {}
    replayed: list[dict[str, str]] = []
    for step_id, span in candidates[:until]:
        if span["status"]["code"] == 2 or recorded[step_id] is None:
            continue
        replay[step_id] = recorded[step_id]
        replayed.append({"path": step_id, "span_id": span["span_id"]})
    definition = parse_chain({"description": "replayed from a trace", "steps": steps})
    return ReplayPlan(
        kind=SPANS_TRACE,
        definition=definition,
        chain_name=SPANS_CHAIN_NAME,
        chain_version=None,
        definition_json=definition.to_json(),
        inputs={},
        replay=replay,
        replayed=replayed,
        live=[step_id for step_id, _ in candidates if step_id not in replay],
        unparsed=unparsed,
    )


async def replay_plan(
    spans: list[dict[str, Any]],
    request: ReplayRequest,
    *,
    project: str,
    run_of: RunLookup,
    resolver: ChainResolver | None,
    default_provider: str | None,
) -> ReplayPlan:
    """The run to start for the trace's `spans` (the trace API's, in start order)."""
    root = _chain_root(spans)
    if root is not None:
        plan = await _chain_plan(root, spans, request, project, run_of, resolver)
    else:
        plan = _spans_plan(spans, request, request.provider or default_provider)
    return _apply_edits(plan, request)


def parse_replay_request(document: Mapping[str, Any]) -> ReplayRequest:
    """The body of POST chain-runs/replay, each refusal naming its field."""
    if "trace_id" not in document or not isinstance(document["trace_id"], str):
        raise InvalidParameterError("trace_id is required: the trace to replay")
    trace_id = p.trace_id(document["trace_id"])
    until = document.get("until_span_id")
    if until is not None:
        if not isinstance(until, str):
            raise InvalidParameterError("until_span_id must be a span id")
        try:
            until = p.span_id(until)
        except InvalidParameterError:
            raise InvalidParameterError(
                "until_span_id must be 16 hex characters, not all zero"
            ) from None
    inputs = document.get("inputs_override")
    if inputs is not None and not isinstance(inputs, dict):
        raise InvalidParameterError("inputs_override must be a JSON object")
    outputs = document.get("outputs") or {}
    if not isinstance(outputs, dict):
        raise InvalidParameterError("outputs must be an object of step path -> output")
    provider = document.get("provider")
    if provider is not None:
        provider = provider_name(provider, "provider")
    return ReplayRequest(trace_id, until, inputs, dict(outputs), provider)
