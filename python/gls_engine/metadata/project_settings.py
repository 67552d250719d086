"""Per-project cost and carbon settings, validated before they are stored or used.

JSON shape (API and storage alike):

    {"carbon_zone": "FRA",
     "price_overrides": [{"model": "my-llama-ft*", "input_per_mtok": 0.2, "output_per_mtok": 0.6,
                          "cache_read_per_mtok": null, "cache_write_per_mtok": null}],
     "rate_card": {"cpu_second_usd": 0.00002, "gpu_second_usd": 0.0008, "gb_read_usd": 0.005,
                   "tool_call_usd": {"web_search": 0.01}}}
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any

ZONE_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
MODEL_PATTERN_RE = re.compile(r"[^\x00-\x1f*]{1,256}\*?")
MAX_OVERRIDES = 200
MAX_TOOL_RATES = 500
# USD per unit (million tokens, CPU/GPU second, GB, tool call). The dearest
# model in genai-prices is a few hundred USD per million tokens; a bound keeps
# a typo from summing to infinity in the analytics.
MAX_PRICE_USD = 1_000_000.0


class SettingsValidationError(ValueError):
    """A settings document breaks a rule; the message names the field."""


def _price(where: str, value: Any, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsValidationError(f"{where} must be a number")
    value = float(value)
    if not math.isfinite(value) or value < 0 or value > MAX_PRICE_USD:
        raise SettingsValidationError(f"{where} must be a number from 0 to {MAX_PRICE_USD:.0f}")
    return value


def _object(where: str, value: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SettingsValidationError(f"{where} must be an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise SettingsValidationError(f"{where} has unknown field(s): {', '.join(unknown)}")
    return value


@dataclass(frozen=True)
class PriceOverride:
    """USD per million tokens for models matching `model` (exact, or a prefix ending in *)."""

    model: str
    input_per_mtok: float
    output_per_mtok: float
    cache_read_per_mtok: float | None = None
    cache_write_per_mtok: float | None = None

    @classmethod
    def from_json(cls, value: Any, where: str = "price override") -> PriceOverride:
        fields = {f.name for f in dataclasses.fields(cls)}
        obj = _object(where, value, fields)
        model = obj.get("model")
        if not isinstance(model, str) or not MODEL_PATTERN_RE.fullmatch(model):
            raise SettingsValidationError(
                f"{where}.model must be a model name (1-256 characters, no control characters),"
                " optionally ending in * to match a prefix"
            )
        return cls(
            model=model,
            input_per_mtok=_price(f"{where}.input_per_mtok", obj.get("input_per_mtok")) or 0.0,
            output_per_mtok=_price(f"{where}.output_per_mtok", obj.get("output_per_mtok")) or 0.0,
            cache_read_per_mtok=_price(
                f"{where}.cache_read_per_mtok", obj.get("cache_read_per_mtok"), optional=True
            ),
            cache_write_per_mtok=_price(
                f"{where}.cache_write_per_mtok", obj.get("cache_write_per_mtok"), optional=True
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class RateCard:
    """Non-LLM costs: infrastructure (CPU/GPU time, tool calls) and data processing (GB read)."""

    cpu_second_usd: float | None = None
    gpu_second_usd: float | None = None
    gb_read_usd: float | None = None
    tool_call_usd: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_json(cls, value: Any, where: str = "rate_card") -> RateCard:
        fields = {f.name for f in dataclasses.fields(cls)}
        obj = _object(where, value, fields)
        tools_raw = obj.get("tool_call_usd", {})
        if not isinstance(tools_raw, dict):
            raise SettingsValidationError(f"{where}.tool_call_usd must be an object of numbers")
        if len(tools_raw) > MAX_TOOL_RATES:
            raise SettingsValidationError(f"{where}.tool_call_usd has more than {MAX_TOOL_RATES}")
        tools = {}
        for name, price in tools_raw.items():
            if not name or len(name) > 256 or any(ord(c) < 0x20 for c in name):
                raise SettingsValidationError(f"{where}.tool_call_usd has an invalid tool name")
            tools[name] = _price(f"{where}.tool_call_usd[{name!r}]", price) or 0.0
        return cls(
            cpu_second_usd=_price(
                f"{where}.cpu_second_usd", obj.get("cpu_second_usd"), optional=True
            ),
            gpu_second_usd=_price(
                f"{where}.gpu_second_usd", obj.get("gpu_second_usd"), optional=True
            ),
            gb_read_usd=_price(f"{where}.gb_read_usd", obj.get("gb_read_usd"), optional=True),
            tool_call_usd=tools,
        )

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ProjectSettings:
    project: str
    carbon_zone: str | None = None  # None: the server's default zone
    price_overrides: tuple[PriceOverride, ...] = ()
    rate_card: RateCard = field(default_factory=RateCard)
    updated_at: str | None = None

    @classmethod
    def from_json(cls, project: str, value: Any) -> ProjectSettings:
        obj = _object("settings", value, {"carbon_zone", "price_overrides", "rate_card"})
        zone = obj.get("carbon_zone")
        if zone is not None and (not isinstance(zone, str) or not ZONE_RE.fullmatch(zone)):
            raise SettingsValidationError(
                "carbon_zone must be a zone code such as FRA, USA or WOR (letters, digits, - or _)"
            )
        overrides_raw = obj.get("price_overrides", [])
        if not isinstance(overrides_raw, list):
            raise SettingsValidationError("price_overrides must be a list")
        if len(overrides_raw) > MAX_OVERRIDES:
            raise SettingsValidationError(f"price_overrides has more than {MAX_OVERRIDES} entries")
        overrides = tuple(
            PriceOverride.from_json(o, f"price_overrides[{i}]") for i, o in enumerate(overrides_raw)
        )
        return cls(
            project=project,
            carbon_zone=zone.upper() if zone is not None else None,  # zones are upper-case codes
            price_overrides=overrides,
            rate_card=RateCard.from_json(obj.get("rate_card", {})),
        )

    def with_updated_at(self, when: str) -> ProjectSettings:
        return dataclasses.replace(self, updated_at=when)

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "carbon_zone": self.carbon_zone,
            "price_overrides": [o.to_json() for o in self.price_overrides],
            "rate_card": self.rate_card.to_json(),
            "updated_at": self.updated_at,
        }
