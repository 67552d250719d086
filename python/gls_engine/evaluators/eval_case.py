"""What an evaluator scores: one case's input, output, expected output and metadata.

Values are JSON values (a dataset item's input may be an object); evaluators that
compare text read them through `text_of`, so an object compares as its JSON text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(frozen=True)
class EvalCase:
    output: Any
    input: Any = None
    expected: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)


def text_of(value: Any) -> str:
    """A value as text: strings as they are, None as "", anything else as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return orjson.dumps(value).decode()
