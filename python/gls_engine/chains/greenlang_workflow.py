"""A GreenLang workflow (greenlang.core.workflow.Workflow as YAML) imported as a
chain definition (`POST /chains/import/greenlang`).

Each workflow step becomes a greenlang step: its id the step name made a
STEP_ID, its agent the `agent_id` (an enabled agent's name, or one of
GreenLang's own ids such as `fuel`), its input mapping and condition
translated to JMESPath (greenlang_references.py); the workflow's
`output_mapping` becomes the chain's output. The YAML is read with
`yaml.safe_load` only; nothing in it is imported or run.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import yaml

from gls_engine.chains.definition import STEP_ID, parse_chain
from gls_engine.chains.greenlang_references import References, quote
from gls_engine.errors import InvalidParameterError

MAX_WORKFLOW_BYTES = 1 << 20
WORKFLOW_FIELDS = {"name", "description", "version", "steps", "output_mapping", "metadata"}
STEP_FIELDS = {
    "name",
    "agent_id",
    "description",
    "input_mapping",
    "output_key",
    "condition",
    "on_failure",
    "retry_count",
}
# GreenLang's own agent ids, as its SDK client registers the built-ins
# (greenlang/sdk/client.py, _register_agent_on_demand; the same in cli/assistant.py).
GREENLANG_AGENT_IDS = {
    "validator": "InputValidatorAgent",
    "fuel": "FuelAgent",
    "carbon": "CarbonAgent",
    "report": "ReportAgent",
    "benchmark": "BenchmarkAgent",
    "boiler": "BoilerAgent",
    "grid_factor": "GridFactorAgent",
    "building_profile": "BuildingProfileAgent",
    "intensity": "IntensityAgent",
    "recommendation": "RecommendationAgent",
}


def _refuse(message: str) -> InvalidParameterError:
    return InvalidParameterError(message)


def _step_ids(steps: list[Any]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for i, step in enumerate(steps):
        name = step.get("name") if isinstance(step, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise _refuse(f"steps[{i}].name must be the step's name")
        if name in ids:
            raise _refuse(f"steps[{i}].name {name!r} is used by an earlier step")
        base = re.sub(r"[^A-Za-z0-9_-]", "_", name.strip())
        if not re.match(r"[A-Za-z_]", base):
            base = "step_" + base
        base = base[:60]
        step_id, n = base, 2
        while step_id in ids.values():
            step_id, n = f"{base}_{n}", n + 1
        assert STEP_ID.fullmatch(step_id)
        ids[name] = step_id
    return ids


def _agent(agent_id: Any, where: str, enabled: Collection[str]) -> str:
    if not isinstance(agent_id, str) or not agent_id:
        raise _refuse(f"{where}.agent_id must name an agent")
    if agent_id in enabled:
        return agent_id
    builtin = GREENLANG_AGENT_IDS.get(agent_id)
    if builtin is not None and builtin in enabled:
        return builtin
    raise _refuse(
        f"{where}.agent_id: {agent_id!r} is not an agent the operator enabled "
        f"(enabled: {', '.join(sorted(enabled)) or 'none'}; GreenLang ids: "
        f"{', '.join(f'{k}={v}' for k, v in GREENLANG_AGENT_IDS.items() if v in enabled)})"
    )


def _step(
    i: int, doc: dict[str, Any], step_id: str, refs: References, enabled: Collection[str]
) -> dict[str, Any]:
    where = f"steps[{i}] ({doc['name']})"
    unknown = sorted(set(doc) - STEP_FIELDS)
    if unknown:
        raise _refuse(f"{where}.{unknown[0]} is not a field of a GreenLang workflow step")
    on_failure = doc.get("on_failure", "stop")
    if on_failure != "stop":
        raise _refuse(
            f"{where}.on_failure: {on_failure!r} cannot be kept: a failed agent step fails "
            "the chain run (GreenLang's default, stop)"
        )
    retries = doc.get("retry_count", 0)
    if retries not in (0, None):
        raise _refuse(f"{where}.retry_count: the chain runner does not retry agent steps")
    mapping = doc.get("input_mapping")
    if mapping is None:
        raise _refuse(
            f"{where}.input_mapping: without one GreenLang passes the whole workflow input; "
            "a chain step names its inputs: give input_mapping (e.g. fuel_type: input.fuel_type)"
        )
    if not isinstance(mapping, dict):
        raise _refuse(f"{where}.input_mapping must map agent inputs to paths")
    step: dict[str, Any] = {
        "id": step_id,
        "type": "greenlang",
        "agent": _agent(doc.get("agent_id"), where, enabled),
        "input_mapping": {
            str(k): refs.mapping_path(v, f"{where}.input_mapping.{k}") for k, v in mapping.items()
        },
    }
    description = doc.get("description")
    if isinstance(description, str) and description:
        step["description"] = description
    condition = doc.get("condition")
    if condition is not None:
        step["condition"] = refs.condition(condition, f"{where}.condition")
    # output_key: GreenLang 0.3.0's Orchestrator never reads it (results are kept
    # by step name), so it changes nothing and is not carried over.
    return step


def import_workflow(text: str, enabled: Collection[str]) -> dict[str, Any]:
    """{"name": the workflow's name, "definition": the checked chain definition}."""
    if len(text.encode()) > MAX_WORKFLOW_BYTES:
        raise _refuse(f"the workflow is over {MAX_WORKFLOW_BYTES} bytes")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _refuse(f"the workflow is not YAML: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("steps"), list):
        raise _refuse(
            "not a GreenLang workflow: expected a mapping with name, description and steps "
            "(greenlang.core.workflow.Workflow)"
        )
    unknown = sorted(set(document) - WORKFLOW_FIELDS)
    if unknown:
        raise _refuse(f"{unknown[0]} is not a field of a GreenLang workflow")
    steps = document["steps"]
    if not steps:
        raise _refuse("steps: the workflow has no steps")
    ids = _step_ids(steps)
    refs = References(ids)
    chain_steps = [_step(i, s, ids[s["name"]], refs, enabled) for i, s in enumerate(steps)]
    output_mapping = document.get("output_mapping")
    if output_mapping is None:
        output = "steps"  # GreenLang answers every step's result when it has no output_mapping
    elif isinstance(output_mapping, dict) and output_mapping:
        pairs = [
            f"{quote(str(k))}: {refs.mapping_path(v, f'output_mapping.{k}')}"
            for k, v in output_mapping.items()
        ]
        output = "{" + ", ".join(pairs) + "}"
    else:
        raise _refuse("output_mapping must map output names to paths")
    description = document.get("description")
    definition = {
        "description": description if isinstance(description, str) else "",
        "input_schema": {
            "type": "object",
            "properties": {name: {} for name in sorted(refs.input_names)},
        },
        "steps": chain_steps,
        "output": output,
    }
    checked = parse_chain(definition, enabled_agents=enabled)
    name = document.get("name")
    return {"name": name if isinstance(name, str) else None, "definition": checked.to_json()}
