"""Agents an operator might name in `greenlang_agents` (Name=module:Class), one per
result shape GreenLang has, plus one that raises: the registry's tests load them
by the settings, as an operator's own package would be."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
from greenlang.agents.base import AgentResult, BaseAgent
from greenlang.sdk.base import Agent, Metadata


class FlakyMeterAgent(BaseAgent):
    """Reads a meter that is not there."""

    def execute(self, input_data: dict[str, Any]) -> AgentResult:
        raise AssertionError("never reached: run() is overridden")

    def run(self, input_data: dict[str, Any]) -> AgentResult:  # raises, unlike BaseAgent.run
        raise ConnectionError(f"meter {input_data.get('meter')} did not answer")


class MeterReadingAgent(Agent[dict, dict]):
    """Reads a meter (a greenlang.sdk.base.Agent: answers a Result dataclass)."""

    def __init__(self) -> None:
        super().__init__(Metadata(id="meter", name="Meter", description="Reads a meter"))

    def validate(self, input_data: dict) -> bool:
        return "meter" in input_data

    def process(self, input_data: dict) -> dict:
        return {
            "meter": input_data["meter"],
            "read_at": dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC),
            "kwh": Decimal("12.5"),
            "hourly": np.array([1.5, 2.5]),
            "peak": np.float64(2.5),
        }


class PlainOutputAgent:
    """Answers its output as a plain dict, with no success key."""

    def run(self, payload: dict) -> dict:
        return {"echo": payload.get("value"), "count": np.int64(3)}
