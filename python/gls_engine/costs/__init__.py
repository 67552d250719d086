"""LLM cost: the genai-prices data the Rust core prices spans with."""

from gls_engine.costs.prices import (
    PRICES_FILE,
    PriceData,
    export_price_data,
    load_or_export,
    load_price_data,
    prices_path,
    save_price_data,
)

__all__ = [
    "PRICES_FILE",
    "PriceData",
    "export_price_data",
    "load_or_export",
    "load_price_data",
    "prices_path",
    "save_price_data",
]
