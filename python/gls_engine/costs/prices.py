"""The genai-prices data as the JSON the Rust `PriceBook` reads, and its copy
in the Studio data directory.

The running Studio prices spans with the copy in `<data_dir>/prices.json`, so
it keeps using one known data version until `gls prices refresh` exports the
installed genai-prices package again.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

PRICES_FILE = "prices.json"
# Bumped when the JSON layout changes in a way the Rust reader must know about.
FORMAT = 1

# Usage extraction from raw provider responses is not what the core does (it
# reads token counts from span attributes), so extractors are left out.
_SKIPPED_PROVIDER_FIELDS = frozenset({"extractors"})


@dataclass(frozen=True)
class PriceData:
    """One export of the price data: the JSON text and where it came from."""

    json: str
    version: str  # the genai-prices package version
    digest: str  # sha256 of the providers and units, to tell two exports apart

    @property
    def label(self) -> str:
        return f"genai-prices {self.version} (data {self.digest[:12]})"


@functools.cache  # the installed package does not change under a running process
def export_price_data() -> PriceData:
    """Serialises the installed genai-prices data (providers, models, matching
    clauses, prices with tiers, conditions and variants, and the unit registry
    that says how usage keys nest): ~0.15 s, once a process."""
    import genai_prices
    from genai_prices.data import providers
    from genai_prices.data_units import unit_data

    body = {
        "units": _jsonable(unit_data),
        "providers": [_provider_json(p) for p in providers],
    }
    digest = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
    doc = {
        "format": FORMAT,
        "genai_prices_version": genai_prices.__version__,
        "data_digest": digest,
        **body,
    }
    return PriceData(
        json=orjson.dumps(doc).decode(), version=genai_prices.__version__, digest=digest
    )


def _provider_json(provider: Any) -> dict[str, Any]:
    out = _jsonable(provider)
    for name in _SKIPPED_PROVIDER_FIELDS:
        out.pop(name, None)
    return out


def _jsonable(value: Any) -> Any:
    """genai-prices types as plain JSON values: dataclasses by field (None left
    out; `or_`/`and_` under their data names `or`/`and`), `ModelPrice` by its
    price keys, Decimal as its exact string, dates and times in ISO form (a
    time keeps its UTC offset)."""
    from genai_prices.types import ModelPrice

    if isinstance(value, ModelPrice):
        return {
            k: _jsonable(v)
            for k, v in vars(value).items()
            if not k.startswith("_") and v is not None
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            if f.name.startswith("_"):
                continue
            v = getattr(value, f.name)
            if v is not None:
                out[f.name.rstrip("_")] = _jsonable(v)
        return out
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot serialise {type(value).__name__} from genai-prices")


def prices_path(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir) / PRICES_FILE


def save_price_data(data: PriceData, data_dir: str | os.PathLike[str]) -> Path:
    """Writes `prices.json` atomically (a reader never sees half a file)."""
    path = prices_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".prices-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data.json)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_price_data(data_dir: str | os.PathLike[str]) -> PriceData | None:
    """The saved copy, or None when there is none yet."""
    path = prices_path(data_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    head = orjson.loads(text)
    if head.get("format") != FORMAT:
        raise ValueError(
            f"{path} has price data format {head.get('format')!r}, expected {FORMAT}:"
            " run `gls prices refresh`"
        )
    return PriceData(json=text, version=head["genai_prices_version"], digest=head["data_digest"])


def load_or_export(data_dir: str | os.PathLike[str]) -> PriceData:
    """The saved copy; on first start, an export of the installed package saved there."""
    saved = load_price_data(data_dir)
    if saved is not None:
        return saved
    data = export_price_data()
    save_price_data(data, data_dir)
    return data
