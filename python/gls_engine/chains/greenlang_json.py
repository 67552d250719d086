"""GreenLang agents' values as JSON: agents return datetimes, Decimals, pydantic
models, dataclasses, enums and numpy numbers inside their result data; a chain's
state, a stored run and a span attribute hold JSON only."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import math
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any

MAX_DEPTH = 64  # deeper (or cyclic) values are cut to their text


def to_json_value(value: Any, depth: int = 0) -> Any:
    """`value` as JSON values (dict with string keys, list, str, int, float, bool, None)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)  # an IntEnum or a bool-like subclass becomes a plain int
    if isinstance(value, float):
        return value if math.isfinite(value) else None  # JSON has no NaN or infinity
    if depth >= MAX_DEPTH:
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return to_json_value(value.value, depth + 1)
    if isinstance(value, uuid.UUID | PurePath):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(raw).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [to_json_value(v, depth + 1) for v in items]
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump) and hasattr(type(value), "model_fields"):  # pydantic v2
        return to_json_value(model_dump(), depth + 1)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_json_value(getattr(value, f.name), depth + 1)
            for f in dataclasses.fields(value)
        }
    if type(value).__module__ == "numpy" or type(value).__module__.startswith("numpy."):
        tolist = getattr(value, "tolist", None)  # ndarray -> lists, numpy scalar -> Python
        if callable(tolist):
            return to_json_value(tolist(), depth + 1)
    return str(value)
