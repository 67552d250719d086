"""The data document the Rust `ImpactModel` reads.

Everything about LLM requests comes from the installed `ecologits` package,
read through its own repositories so that its rules (aliases, the shape of
parameter ranges) apply: the models, the electricity mixes, the providers'
data-centre defaults (zone, PUE, WUE) and the constants of its methodology.
Nothing of it is retyped here. Our own two tables sit beside this file:
`cloud_regions.json` (cloud region -> zone) and `power_model.json` (non-LLM
spans). docs/carbon.md describes the whole.
"""

from __future__ import annotations

import dataclasses
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1

_HERE = Path(__file__).parent
CLOUD_REGIONS_PATH = _HERE / "cloud_regions.json"
POWER_MODEL_PATH = _HERE / "power_model.json"

# The module-level constants of ecologits.impacts.llm that its LLM formulas use.
_LLM_CONSTANTS = (
    "MODEL_QUANTIZATION_BITS",
    "GPU_ENERGY_ALPHA",
    "GPU_ENERGY_BETA",
    "GPU_ENERGY_GAMMA",
    "LATENCY_ALPHA",
    "LATENCY_BETA",
    "LATENCY_GAMMA",
    "GPU_MEMORY",
    "GPU_EMBODIED_IMPACT_GWP",
    "SERVER_GPUS",
    "SERVER_POWER",
    "SERVER_EMBODIED_IMPACT_GWP",
    "HARDWARE_LIFESPAN",
    "BATCH_SIZE",
)


def ecologits_version() -> str:
    """Version of the installed ecologits package the data comes from."""
    return version("ecologits")


def _value_or_range(value: Any) -> Any:
    """A number stays a number; an ecologits RangeValue becomes {"min", "max"}."""
    from ecologits.utils.range_value import RangeValue

    if isinstance(value, RangeValue):
        return {"min": value.min, "max": value.max}
    return value


def _llm_data() -> dict[str, Any]:
    from ecologits.electricity_mix_repository import electricity_mixes
    from ecologits.impacts import llm
    from ecologits.model_repository import models
    from ecologits.tracers.utils import PROVIDER_CONFIG_MAP

    providers = {
        name: {field: _value_or_range(v) for field, v in dataclasses.asdict(config).items()}
        for name, config in PROVIDER_CONFIG_MAP.items()
    }
    model_list = []
    for model in models.list_models():
        dumped = model.model_dump(mode="json", include={"provider", "name", "architecture"})
        dumped["warnings"] = [w.code for w in model.warnings]
        deployment = model.deployment
        dumped["tps"] = deployment.tps if deployment else None
        dumped["ttft"] = deployment.ttft if deployment else None
        model_list.append(dumped)
    # Only the GWP factor: the mixes' warnings are about their ADPe/PE/WUE factors.
    mixes = [
        {"zone": mix.zone, "gwp": mix.gwp} for mix in electricity_mixes.list_electricity_mixes()
    ]
    return {
        "constants": {name: getattr(llm, name) for name in _LLM_CONSTANTS},
        "providers": providers,
        "models": model_list,
        "electricity_mixes": mixes,
    }


def export_impact_data() -> dict[str, Any]:
    """The whole document: ecologits' LLM data plus our region and power tables."""
    return {
        "format_version": FORMAT_VERSION,
        "ecologits_version": ecologits_version(),
        "llm": _llm_data(),
        "cloud_regions": json.loads(CLOUD_REGIONS_PATH.read_text())["regions"],
        "power_model": json.loads(POWER_MODEL_PATH.read_text()),
    }


def impact_data_json() -> str:
    """`export_impact_data()` as the JSON text `ImpactModel(data_json)` takes."""
    return json.dumps(export_impact_data(), separators=(",", ":"))
