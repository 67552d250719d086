"""The chain runner: the one way a chain definition is run, for playground runs,
debugger sessions, server-side experiment tasks and A/B variants
(docs/chains.md, "Runner").

A run checks its inputs against the definition's input schema, then runs the
steps in order over the state `{"inputs": ..., "steps": {"<id>": output}}`:
a step's condition (JMESPath) skips it when falsy; the debugger's gate is
awaited before and after each step; llm, greenlang, transform and chain
(sub-chain) steps each give an output; the first failure stops the run. Every
step is a span of one SelfTrace (root `chain <name>`), submitted through the
ingest path when the run ends however it ends, after which each step's cost,
energy and carbon are read back from the stored spans.

Cancellation (the pool's cancel or timeout) arrives as CancelledError inside
the step being run: the step and the run are marked, the trace still goes in,
and the run answers with status `cancelled` or `timed_out`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, Protocol

import orjson
from jsonschema import Draft202012Validator

from gls_engine.chains.contracts import AgentRunner, ChainResolver, ProviderClients
from gls_engine.chains.definition import (
    ChainDefinition,
    ChainStep,
    GreenLangStep,
    LlmStep,
    Step,
    TransformStep,
)
from gls_engine.chains.expressions import evaluate
from gls_engine.chains.run_context import (
    CANCELLED,
    FAILED,
    SUCCEEDED,
    RunContext,
    RunControl,
    RunResult,
    RunStopped,
    StepFailed,
    StepRecord,
    now_utc,
)
from gls_engine.chains.run_events import RunEvents
from gls_engine.chains.run_metrics import SpanFigures, fill_step_figures, totals
from gls_engine.chains.step_gate import Frame, GateAction, GatePoint, StepGate
from gls_engine.chains.step_greenlang import run_greenlang_step
from gls_engine.chains.step_llm import StepError, missing_variables, run_llm_step, template_values
from gls_engine.chains.step_state_edit import checked_state, state_changes
from gls_engine.errors import InvalidParameterError, NotFoundError, StudioError
from gls_engine.self_traces.self_span import SPAN_KIND_CLIENT, SelfSpan
from gls_engine.self_traces.self_trace import SelfTrace

log = logging.getLogger(__name__)

MAX_DEPTH = 8  # sub-chains inside sub-chains: a guard against cycles at run time
DEFAULT_ENVIRONMENT = "gls-playground"
SCOPE = "gls_engine.chains.runner"
STEP_OUTPUT_ATTRIBUTE = "gls.step.output"


class TraceSink(Protocol):
    async def submit(self, trace: SelfTrace) -> bool:
        """True once the trace is stored (SelfTraceSubmitter)."""
        ...


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _truthy(value: Any) -> bool:
    """JMESPath's truth: false, null and empty strings, arrays and objects are false."""
    if value is None or value is False:
        return False
    return not (isinstance(value, str | list | dict) and not value)


def check_inputs(definition: ChainDefinition, inputs: Any, field: str = "inputs") -> None:
    """400 naming the field: the inputs against the input schema, then every
    top-level input name an LLM step's template uses bare being given."""
    if not isinstance(inputs, dict):
        raise InvalidParameterError(f"{field} must be a JSON object")
    validator = Draft202012Validator(definition.input_schema)
    error = next(iter(sorted(validator.iter_errors(inputs), key=lambda e: list(e.path))), None)
    if error is not None:
        path = "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in error.path)
        raise InvalidParameterError(f"{field}{path}: {error.message}")
    values = template_values(definition, {"inputs": inputs, "steps": {}})
    for index, step in enumerate(definition.steps):
        if isinstance(step, LlmStep):
            missing_variables(definition, step, f"steps[{index}] ({step.id})", values)


def publish_finished(events: RunEvents | None, result: RunResult) -> None:
    if events is not None:
        events.publish(
            "run_finished",
            status=result.status,
            output=result.output,
            error=result.error,
            error_step=result.error_step,
            trace_id=result.trace_id,
            steps=[s.to_json() for s in result.steps],
            totals=result.totals,
        )


class ChainRunner:
    def __init__(
        self,
        *,
        resolver: ChainResolver | None,
        providers: ProviderClients | None,
        agents: AgentRunner | None,
        traces: TraceSink | None,
        figures: SpanFigures | None,
        max_depth: int = MAX_DEPTH,
    ) -> None:
        self.resolver = resolver
        self.providers = providers
        self.agents = agents
        self.traces = traces
        self.figures = figures
        self.max_depth = max_depth

    async def run(
        self,
        definition: ChainDefinition,
        inputs: dict[str, Any],
        *,
        project: str,
        chain_name: str,
        chain_version: int | None = None,
        environment: str = DEFAULT_ENVIRONMENT,
        gate: StepGate | None = None,
        replay: Mapping[str, Any] | None = None,
        events: RunEvents | None = None,
        control: RunControl | None = None,
        run_id: str | None = None,
        announce_finish: bool = True,
    ) -> RunResult:
        """The run's result; InvalidParameterError (nothing run) for bad inputs.
        `announce_finish` False leaves `run_finished` to the caller (who records
        the run first, so a client told it ended reads it ended)."""
        check_inputs(definition, inputs)
        control = control or RunControl(run_id or "")
        trace = SelfTrace(
            project,
            environment,
            scope=SCOPE,
            resource_attributes={"gls.chain.run_id": control.run_id} if control.run_id else None,
        )
        ctx = RunContext(
            run_id=control.run_id,
            project=project,
            trace=trace,
            events=events,
            gate=gate,
            replay=dict(replay or {}),
            control=control,
        )
        started = now_utc()
        root = trace.start_span(
            f"chain {chain_name}",
            attributes={
                "gls.span.type": "chain",
                "gls.chain": chain_name,
                "gls.chain.version": chain_version,
                "gls.chain.run_id": control.run_id or None,
                "input.value": _json(inputs),
            },
        )
        ctx.publish(
            "run_started",
            chain=chain_name,
            version=chain_version,
            trace_id=trace.trace_id_hex,
            steps=[s.id for s in definition.steps],
        )
        output: Any = None
        status, error, error_step = SUCCEEDED, None, None
        try:
            output = await self._run_chain(
                ctx, definition, inputs, chain_name, chain_version, root, "", 0
            )
            root.set("output.value", _json(output))
            root.succeed()
        except StepFailed as exc:
            status, error, error_step = FAILED, exc.message, exc.path
            root.fail(f"step {exc.path} failed: {exc.message}", "StepFailed")
        except RunStopped as exc:
            status, error, error_step = CANCELLED, str(exc), exc.path
            root.fail(str(exc), "RunStopped")
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # handled here: the bookkeeping below must still run
            status = control.stop_reason or CANCELLED
            error = "the run timed out" if status != CANCELLED else "the run was cancelled"
            running = [s for s in ctx.steps if s.status == CANCELLED]
            error_step = running[-1].path if running else None
            root.fail(error, "CancelledError")
        finally:
            root.end()
            control.ended = True
        result = RunResult(
            run_id=control.run_id,
            status=status,
            output=output if status == SUCCEEDED else None,
            error=error,
            error_step=error_step,
            steps=ctx.steps,
            logs=ctx.logs,
            trace_id=trace.trace_id_hex,
            trace_stored=False,
            started_at=started,
            ended_at=now_utc(),
            totals={},
        )
        await self._store_trace(ctx, result)
        if announce_finish:
            publish_finished(events, result)
        return result

    async def _store_trace(self, ctx: RunContext, result: RunResult) -> None:
        """The trace through the ingest path, then each step's figures read back."""
        if self.traces is None:
            return
        started = time.perf_counter()
        result.trace_stored = await self.traces.submit(ctx.trace)
        result.submit_ms = (time.perf_counter() - started) * 1000
        if not result.trace_stored:
            ctx.log("the run's trace was not stored; no cost or carbon figures", level="warning")
            return
        if self.figures is None:
            return
        started = time.perf_counter()
        try:
            figures = await self.figures.span_figures(ctx.project, result.trace_id)
        except StudioError as exc:
            ctx.log(f"the run's figures could not be read back: {exc}", level="warning")
            return
        finally:
            result.readback_ms = (time.perf_counter() - started) * 1000
        fill_step_figures(result.steps, figures)
        result.totals = totals(figures)

    async def _gate(
        self,
        ctx: RunContext,
        point: GatePoint,
        step: Step,
        path: str,
        frame: Frame,
        span: SelfSpan,
    ) -> GateAction:
        if ctx.gate is None:
            return GateAction.go_on()
        action = await ctx.gate(point, ctx.run_id, tuple(ctx.frames), step, frame.state)
        action = action or GateAction.go_on()
        if action.kind == "stop":
            ctx.log(f"stopped by the debugger {point} the step", step=path)
            raise RunStopped(path, action.reason or "stopped by the debugger")
        if action.kind == "edit":
            new_state = checked_state(action.state)
            changes = state_changes(frame.state, new_state)
            frame.state.clear()
            frame.state.update(new_state)
            span.add_event(
                "gls.debug.state_edit",
                {
                    "gls.debug.step": step.id,
                    "gls.debug.point": point,
                    "gls.debug.changes": _json(changes),
                },
            )
            ctx.log(
                f"state edited {point} the step: {', '.join(sorted(changes)) or 'no change'}",
                step=path,
            )
        return action

    async def _run_chain(
        self,
        ctx: RunContext,
        definition: ChainDefinition,
        inputs: dict[str, Any],
        chain_name: str,
        chain_version: int | None,
        span: SelfSpan,
        prefix: str,
        depth: int,
    ) -> Any:
        frame = Frame(chain_name, chain_version, None, {"inputs": inputs, "steps": {}})
        ctx.frames.append(frame)
        try:
            last_output: Any = None
            for index, step in enumerate(definition.steps):
                frame.step_id = step.id
                path = prefix + step.id
                where = f"steps[{index}] ({step.id})"
                if step.condition is not None:
                    try:
                        holds = _truthy(evaluate(step.condition, frame.state, f"{where}.condition"))
                    except InvalidParameterError as exc:
                        self._record_failure(ctx, step, path, str(exc))
                        raise StepFailed(path, str(exc)) from None
                    if not holds:
                        self._skip(ctx, step, path, "condition")
                        continue
                action = await self._gate(ctx, "before", step, path, frame, span)
                if action.kind == "skip":
                    self._skip(ctx, step, path, "debugger")
                    continue
                output = await self._run_step(
                    ctx, definition, step, index, where, path, frame, span, depth
                )
                frame.state["steps"][step.id] = output
                last_output = output
                await self._gate(ctx, "after", step, path, frame, span)
            if definition.output is None:
                return last_output
            try:
                return evaluate(definition.output, frame.state, "output")
            except InvalidParameterError as exc:
                raise StepFailed(prefix + "output" if prefix else "output", str(exc)) from None
        finally:
            ctx.frames.pop()

    def _skip(self, ctx: RunContext, step: Step, path: str, by: str) -> None:
        record = StepRecord(step.id, path, step.type, status="skipped", skipped_by=by)
        record.started_at = now_utc().isoformat(timespec="milliseconds")
        ctx.steps.append(record)
        ctx.log(f"skipped ({by})", step=path)
        ctx.publish("step_finished", step=step.id, path=path, status="skipped", skipped_by=by)

    def _record_failure(self, ctx: RunContext, step: Step, path: str, message: str) -> None:
        record = StepRecord(step.id, path, step.type, status=FAILED, error=message)
        record.started_at = now_utc().isoformat(timespec="milliseconds")
        ctx.steps.append(record)
        ctx.publish("step_finished", step=step.id, path=path, status=FAILED, error=message)

    def _start_span(self, ctx: RunContext, step: Step, path: str, parent: SelfSpan) -> SelfSpan:
        if isinstance(step, LlmStep):
            span = ctx.trace.start_span(f"chat {step.model}", parent=parent, kind=SPAN_KIND_CLIENT)
        elif isinstance(step, GreenLangStep):
            span = ctx.trace.start_span(f"agent {step.agent}", parent=parent)
        elif isinstance(step, ChainStep):
            span = ctx.trace.start_span(f"chain {step.chain}", parent=parent)
        else:
            span = ctx.trace.start_span(f"transform {step.id}", parent=parent)
        span.set_all({"gls.step.id": step.id, "gls.step.path": path, "gls.step.type": step.type})
        return span

    async def _run_step(
        self,
        ctx: RunContext,
        definition: ChainDefinition,
        step: Step,
        index: int,
        where: str,
        path: str,
        frame: Frame,
        parent: SelfSpan,
        depth: int,
    ) -> Any:
        span = self._start_span(ctx, step, path, parent)
        record = StepRecord(step.id, path, step.type, span_id=span.span_id_hex)
        record.started_at = now_utc().isoformat(timespec="milliseconds")
        record.replayed = isinstance(step, LlmStep) and path in ctx.replay
        ctx.steps.append(record)
        ctx.publish(
            "step_started", step=step.id, path=path, step_type=step.type, span_id=record.span_id
        )
        started = time.perf_counter()
        try:
            output = await self._step_output(ctx, definition, step, where, path, frame, span, depth)
        except asyncio.CancelledError:
            reason = ctx.control.stop_reason or CANCELLED
            record.status, record.error = CANCELLED, f"the run was {reason.replace('_', ' ')}"
            span.fail(record.error, "CancelledError")
            raise
        except StepFailed as exc:  # inside a sub-chain
            record.status, record.error = FAILED, f"step {exc.path} failed: {exc.message}"
            span.fail(record.error, "StepFailed")
            raise
        except RunStopped as exc:  # the debugger stopped the run inside a sub-chain
            record.status, record.error = CANCELLED, str(exc)
            span.fail(record.error, "RunStopped")
            raise
        except (StepError, StudioError) as exc:
            record.status, record.error = FAILED, str(exc)
            span.fail(str(exc), type(exc).__name__)
            raise StepFailed(path, str(exc)) from None
        except Exception as exc:  # a fault of the Studio's, said without its details
            log.exception("chain step %s failed", path)
            record.status, record.error = FAILED, f"internal error: {type(exc).__name__}"
            span.fail(record.error, type(exc).__name__)
            raise StepFailed(path, record.error) from None
        finally:
            span.end()
            record.latency_ms = round((time.perf_counter() - started) * 1000, 3)
            if record.status != "running":
                ctx.publish(
                    "step_finished",
                    step=step.id,
                    path=path,
                    status=record.status,
                    error=record.error,
                    latency_ms=record.latency_ms,
                )
        record.status = SUCCEEDED
        if isinstance(step, LlmStep):
            # the output exactly (parsed JSON, tool calls), what a replay answers with
            span.set(STEP_OUTPUT_ATTRIBUTE, _json(output))
        span.succeed()
        ctx.publish(
            "step_finished",
            step=step.id,
            path=path,
            status=SUCCEEDED,
            output=output,
            latency_ms=record.latency_ms,
            replayed=record.replayed,
        )
        return output

    async def _step_output(
        self,
        ctx: RunContext,
        definition: ChainDefinition,
        step: Step,
        where: str,
        path: str,
        frame: Frame,
        span: SelfSpan,
        depth: int,
    ) -> Any:
        state = frame.state
        if isinstance(step, LlmStep):
            return await run_llm_step(
                ctx, self.providers, definition, step, where, path, state, span
            )
        if isinstance(step, GreenLangStep):
            return await run_greenlang_step(self.agents, step, where, state, span)
        if isinstance(step, TransformStep):
            span.set_all({"gls.span.type": "chain", "input.value": step.expression})
            output = evaluate(step.expression, state, f"{where}.expression")
            span.set("output.value", _json(output))
            return output
        assert isinstance(step, ChainStep)
        return await self._sub_chain(ctx, step, where, path, state, span, depth)

    async def _sub_chain(
        self,
        ctx: RunContext,
        step: ChainStep,
        where: str,
        path: str,
        state: dict[str, Any],
        span: SelfSpan,
        depth: int,
    ) -> Any:
        if depth + 1 >= self.max_depth:
            raise StepError(
                f"{where}: sub-chains nest deeper than {self.max_depth} (a chain that runs itself?)"
            )
        if self.resolver is None:
            raise StepError("chains are not configured: no chain store")
        inputs = {
            name: evaluate(expression, state, f"{where}.input_mapping.{name}")
            for name, expression in step.input_mapping.items()
        }
        try:
            resolved = await self.resolver.resolve(
                ctx.project, step.chain, version=step.version, label=step.label
            )
        except NotFoundError as exc:
            raise StepError(str(exc)) from None
        span.set_all(
            {
                "gls.span.type": "chain",
                "gls.chain": resolved.name,
                "gls.chain.version": resolved.version,
                "input.value": _json(inputs),
            }
        )
        check_inputs(resolved.definition, inputs, f"{where}.input_mapping")
        output = await self._run_chain(
            ctx,
            resolved.definition,
            inputs,
            resolved.name,
            resolved.version,
            span,
            path + "/",
            depth + 1,
        )
        span.set("output.value", _json(output))
        return output
