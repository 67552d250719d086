"""Energy and carbon per span (docs/carbon.md).

The computation lives in the Rust core (`ImpactModel`); this package makes
its data from the installed ecologits package and our two tables.
"""

from __future__ import annotations

import functools

from gls_engine._core import ImpactModel
from gls_engine.carbon.data import (
    FORMAT_VERSION,
    ecologits_version,
    export_impact_data,
    impact_data_json,
)

__all__ = [
    "FORMAT_VERSION",
    "ImpactModel",
    "default_impact_model",
    "ecologits_version",
    "export_impact_data",
    "impact_data_json",
]


@functools.cache
def default_impact_model() -> ImpactModel:
    """The model over the installed ecologits data, built once per process."""
    return ImpactModel(impact_data_json())
