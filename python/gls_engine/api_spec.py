"""Where the OpenAPI description of the HTTP API lives (api/openapi.yaml, shipped in the package)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def spec_path() -> Path:
    packaged = resources.files("gls_engine") / "openapi.yaml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"
