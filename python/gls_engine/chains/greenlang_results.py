"""A GreenLang agent's answer in one shape, whichever of GreenLang 0.3.0's three
it came in:

- a plain dict (`greenlang.types.Agent` agents: FuelAgent, BoilerAgent,
  GridFactorAgent): `{"success", "data", "error", "metadata"}`, the error an
  `ErrorInfo` dict `{"type", "message", "context", ...}`;
- a pydantic `greenlang.agents.base.AgentResult` (`BaseAgent` agents:
  CarbonAgent, BenchmarkAgent, IntensityAgent, ...), the error a string;
- a `greenlang.sdk.base.Result` dataclass (`greenlang.sdk.base.Agent` agents).

A dict without `success` is taken as the agent's output itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from gls_engine.chains.greenlang_json import to_json_value


@dataclass(frozen=True)
class NormalisedResult:
    success: bool
    data: Any
    error: str | None
    metadata: dict[str, Any]


def _error_text(error: Any) -> str | None:
    if error is None or error == "":
        return None
    if isinstance(error, dict):  # GreenLang's ErrorInfo
        kind, message = error.get("type"), error.get("message")
        if message is not None:
            return f"{kind}: {message}" if kind else str(message)
    return str(to_json_value(error)) if not isinstance(error, str) else error


def _fields(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, dict):
        if "success" not in raw:
            return {"success": True, "data": raw, "error": None, "metadata": {}}
        return raw
    if hasattr(type(raw), "model_fields") and hasattr(raw, "success"):  # pydantic AgentResult
        return {k: getattr(raw, k, None) for k in ("success", "data", "error", "metadata")}
    if dataclasses.is_dataclass(raw) and not isinstance(raw, type) and hasattr(raw, "success"):
        return {k: getattr(raw, k, None) for k in ("success", "data", "error", "metadata")}
    return None


def normalise_result(raw: Any) -> NormalisedResult:
    fields = _fields(raw)
    if fields is None:
        return NormalisedResult(
            False, None, f"the agent returned a {type(raw).__name__}, not a result", {}
        )
    success = fields.get("success") is True
    error = _error_text(fields.get("error"))
    metadata = to_json_value(fields.get("metadata") or {})
    if not isinstance(metadata, dict):
        metadata = {"value": metadata}
    if isinstance(fields.get("error"), dict):  # keep the structured error beside its text
        metadata = {**metadata, "error_info": to_json_value(fields["error"])}
    if not success and error is None:
        error = "the agent reported failure without an error message"
    return NormalisedResult(success, to_json_value(fields.get("data")), error, metadata)
