"""The GreenLang agents chains may run (the `AgentRunner` of chains/contracts.py):
GreenLang's built-ins (`greenlang.agents`, restricted by the operator's
`greenlang_builtin_agents`) and the operator's own, named only in the Studio's
settings (`greenlang_agents = ["Name=package.module:Class"]`, env
`GLS_GREENLANG_AGENTS`). A request names an agent; it never names a module.

Agents run in a bounded thread pool off the event loop; their answers, in any of
GreenLang's three result shapes, become one `AgentResult` with JSON data and
the CPU time of the thread that ran them (the energy model's input).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from gls_engine.chains.contracts import AgentResult
from gls_engine.chains.greenlang_fields import InputFields, input_fields
from gls_engine.chains.greenlang_results import normalise_result
from gls_engine.config import Settings, SettingsError
from gls_engine.errors import InvalidParameterError

log = logging.getLogger(__name__)

# Built-ins that keep per-call state on the instance (FuelAgent and BoilerAgent
# append to unbounded history lists, count cache hits with `+=` and report the
# counts in their result metadata), so each call gets a new instance; they cost
# ~0.04 ms to create. The others write nothing on `self` while running and are
# created once. An operator's agent is unknown code: a new instance per call.
PER_CALL_BUILTINS = frozenset({"FuelAgent", "BoilerAgent"})
MAX_ERROR_CHARS = 4000
# Built-ins that open a path or URL given in their inputs, so that a chain's
# inputs (a client's) would read files on the Studio's host or fetch URLs from it:
# not in "*"; an operator who wants one names it in greenlang_builtin_agents.
PATH_READING_BUILTINS = {
    "SiteInputAgent": "opens the file named by its input site_file",
    "LoadProfileAgent": "reads process_demand.flow_profile with pandas.read_csv (a path or URL)",
    "EnergyBalanceAgent": "reads its *_df_json inputs with pandas.read_json (a path or URL)",
}


@dataclass(frozen=True)
class AgentSpec:
    name: str
    agent_class: type
    builtin: bool
    shared: Any | None  # the one instance, when it is safe to share between calls
    description: str
    fields: InputFields

    def instance(self) -> Any:
        return self.shared if self.shared is not None else self.agent_class()


def _import_greenlang_agents() -> Any:
    # Importing greenlang loads greenlang.core.orchestrator, which puts
    # site-packages/core first on sys.path (0.3.0); the Studio's imports must not
    # resolve there, so sys.path is put back as it was.
    before = list(sys.path)
    try:
        import greenlang.agents as agents
    finally:
        sys.path[:] = before
    return agents


def builtin_agent_names() -> tuple[str, ...]:
    agents = _import_greenlang_agents()
    return tuple(n for n in agents.__all__ if n != "BaseAgent")


def _description(agent_class: type, agent: Any | None) -> str:
    config = getattr(agent, "config", None)
    text = getattr(config, "description", None)
    if not text:
        text = getattr(getattr(agent, "metadata", None), "description", None)
    if not text:
        text = inspect.getdoc(agent_class) or ""
        text = text.split("\n\n")[0]
    return " ".join(str(text).split())


def _spec(name: str, agent_class: type, *, builtin: bool, shared_ok: bool) -> AgentSpec:
    if not inspect.isclass(agent_class) or not callable(getattr(agent_class, "run", None)):
        raise SettingsError(f"GreenLang agent {name}: {agent_class!r} is not a class with run()")
    probe = agent_class()  # creating one checks the class works before the Studio serves
    return AgentSpec(
        name=name,
        agent_class=agent_class,
        builtin=builtin,
        shared=probe if shared_ok else None,
        description=_description(agent_class, probe),
        fields=input_fields(agent_class, probe),
    )


def _operator_class(entry: str) -> tuple[str, type]:
    name, _, target = entry.strip().partition("=")
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SettingsError(
            f"greenlang_agents: {name}: cannot import {module_name}: {exc}"
        ) from None
    agent_class = getattr(module, class_name, None)
    if agent_class is None:
        raise SettingsError(f"greenlang_agents: {name}: {module_name} has no {class_name}")
    return name, agent_class


def _drop_nulls(inputs: dict[str, Any]) -> dict[str, Any]:
    # GreenLang's Orchestrator leaves out a mapped input whose value is None, and
    # its agents read optional inputs with .get(name, default): a null would
    # replace the default.
    return {k: v for k, v in inputs.items() if v is not None}


class GreenLangAgents:
    """The operator's agents by name (AgentRunner)."""

    def __init__(self, specs: Iterable[AgentSpec], threads: int) -> None:
        self._specs = {s.name: s for s in specs}
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gls-greenlang")

    @classmethod
    def from_settings(cls, settings: Settings) -> GreenLangAgents:
        builtins = builtin_agent_names()
        wanted = settings.greenlang_builtin_agents
        everyday = [n for n in builtins if n not in PATH_READING_BUILTINS]
        named = [n for n in wanted if n != "*"]
        chosen = tuple(dict.fromkeys((everyday if "*" in wanted else []) + named))
        unknown = sorted(set(chosen) - set(builtins))
        if unknown:
            raise SettingsError(
                f"greenlang_builtin_agents: {', '.join(unknown)} is not a GreenLang built-in "
                f"(built-ins: {', '.join(builtins)})"
            )
        for name in set(chosen) & set(PATH_READING_BUILTINS):
            log.warning("GreenLang agent %s enabled: it %s", name, PATH_READING_BUILTINS[name])
        agents = _import_greenlang_agents()
        specs = [
            _spec(n, getattr(agents, n), builtin=True, shared_ok=n not in PER_CALL_BUILTINS)
            for n in chosen
        ]
        for entry in settings.greenlang_agents:
            name, agent_class = _operator_class(entry)
            if any(s.name == name for s in specs):
                raise SettingsError(f"greenlang_agents: the name {name} is already taken")
            specs.append(_spec(name, agent_class, builtin=False, shared_ok=False))
        return cls(specs, settings.greenlang_agent_threads)

    def enabled(self) -> frozenset[str]:
        return frozenset(self._specs)

    def spec(self, agent: str) -> AgentSpec:
        found = self._specs.get(agent) if isinstance(agent, str) else None
        if found is None:
            raise InvalidParameterError(
                f"agent {agent!r} is not an agent the operator enabled "
                f"(enabled: {', '.join(sorted(self._specs)) or 'none'})"
            )
        return found

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "name": s.name,
                "builtin": s.builtin,
                "description": s.description,
                "input_fields": list(s.fields.fields),
                "input_fields_from": s.fields.source,
            }
            for s in sorted(self._specs.values(), key=lambda s: s.name)
        ]

    async def run(self, agent: str, inputs: dict[str, Any]) -> AgentResult:
        spec = self.spec(agent)
        if not isinstance(inputs, dict):
            raise InvalidParameterError(f"the inputs of agent {agent} must be an object")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, run_agent, spec.instance, inputs)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def run_agent(make: Callable[[], Any], inputs: dict[str, Any]) -> AgentResult:
    """Runs an agent in this thread: its result normalised, its exception a failed result."""
    started = time.thread_time()
    try:
        raw = make().run(_drop_nulls(inputs))
        result = normalise_result(raw)
    except Exception as exc:  # an agent's bug is the step's failure, not the Studio's
        log.info("GreenLang agent raised %s", type(exc).__name__)
        cpu = time.thread_time() - started
        message = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
        return AgentResult(False, None, message, cpu, {})
    cpu = time.thread_time() - started
    error = None if result.error is None else result.error[:MAX_ERROR_CHARS]
    return AgentResult(result.success, result.data, error, cpu, result.metadata)
