"""A score as stored (migrations 0018_scores, 0021_scores_judge_trace) and answered by
the API."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

DATA_TYPES = ("numeric", "categorical", "boolean")
SOURCES = ("api", "evaluator", "human")


@dataclass(frozen=True)
class StoredScore:
    id: str
    trace_id: str
    span_id: str  # "" for a score of the whole trace
    name: str
    data_type: str
    value: float | None  # numeric, or a boolean's 1 / 0
    string_value: str  # a categorical label, or a boolean's "true" / "false"
    comment: str
    source: str
    evaluator: str
    author: str
    experiment_id: str
    run_id: str
    created_ns: int
    updated_ns: int
    is_deleted: bool = False
    # The trace of the LLM judge's call that gave the score ("" when none).
    judge_trace_id: str = ""

    def edited(self, **changes: Any) -> StoredScore:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        shown: Any = self.value
        if self.data_type == "categorical":
            shown = self.string_value
        elif self.data_type == "boolean":
            shown = self.string_value == "true"
        return {
            "id": self.id,
            "trace_id": self.trace_id,
            "span_id": self.span_id or None,
            "name": self.name,
            "data_type": self.data_type,
            "value": shown,
            "numeric_value": self.value,
            "string_value": self.string_value or None,
            "comment": self.comment or None,
            "source": self.source,
            "evaluator": self.evaluator or None,
            "author": self.author or None,
            "experiment_id": self.experiment_id or None,
            "run_id": self.run_id or None,
            "judge_trace_id": self.judge_trace_id or None,
            "created_at_unix_nano": self.created_ns,
            "updated_at_unix_nano": self.updated_ns,
        }
