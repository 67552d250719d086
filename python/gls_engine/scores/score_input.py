"""A score as a client sends it, checked field by field into a StoredScore.

Every error names the item (`scores[3]` in a batch) and the field, so a batch
is refused whole with one 400 that says what to fix, and nothing is written.
"""

from __future__ import annotations

import math
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

from gls_engine import request_params as p
from gls_engine.errors import InvalidParameterError
from gls_engine.evaluators.score import Score
from gls_engine.scores.stored_score import DATA_TYPES, SOURCES, StoredScore

MAX_NAME_CHARS = 200
MAX_LABEL_CHARS = 200
MAX_COMMENT_CHARS = 5000
MAX_WHO_CHARS = 200  # author, evaluator
MAX_BATCH = 1000
# A client may name its score (Langfuse's idempotency key): sending it again updates it.
SCORE_ID_RE = re.compile(r"(?!names$)[A-Za-z0-9._-]{1,64}")  # scores/names is a route
REF_RE = re.compile(r"[A-Za-z0-9._:-]{0,128}")  # experiment and run ids
# ':' separates a trace list filter's parts (score=name:op:value); control
# characters have no place in a name a person reads.
_NAME_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f:]")
_FIELDS = frozenset(
    {
        "id",
        "trace_id",
        "span_id",
        "name",
        "data_type",
        "value",
        "comment",
        "source",
        "evaluator",
        "author",
        "experiment_id",
        "run_id",
    }
)


def check_name(where: str, name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameterError(f"{where}name must be a non-empty string")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidParameterError(f"{where}name is over {MAX_NAME_CHARS} characters")
    if _NAME_FORBIDDEN.search(name) or name != name.strip():
        raise InvalidParameterError(
            f"{where}name may not contain ':' or control characters, nor begin or end with spaces"
        )
    return name


def optional_text(where: str, field: str, value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidParameterError(f"{where}{field} must be a string")
    if len(value) > limit:
        raise InvalidParameterError(f"{where}{field} is over {limit} characters")
    return value


def infer_data_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "categorical"
    return "numeric"


def check_value(where: str, data_type: str, value: Any) -> tuple[float | None, str]:
    """(numeric value, string value) of a value of `data_type`; booleans are stored
    both ways (1 / 0 and "true" / "false") so averages and label counts both work."""
    if data_type == "numeric":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidParameterError(f"{where}value must be a number for a numeric score")
        if not math.isfinite(value) or abs(value) > 1e300:
            raise InvalidParameterError(f"{where}value must be a finite number")
        return float(value), ""
    if data_type == "boolean":
        if value in (True, 1) and not isinstance(value, float):
            return 1.0, "true"
        if value in (False, 0) and not isinstance(value, float):
            return 0.0, "false"
        raise InvalidParameterError(
            f"{where}value must be true or false (or 1 / 0) for a boolean score"
        )
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(
            f"{where}value must be a non-empty string (the label) for a categorical score"
        )
    if len(value) > MAX_LABEL_CHARS or re.search(r"[\x00-\x1f\x7f]", value):
        raise InvalidParameterError(
            f"{where}value must be at most {MAX_LABEL_CHARS} characters, without control characters"
        )
    return None, value


def parse_score(item: Any, where: str, now_ns: int, default_source: str = "api") -> StoredScore:
    """One score of a POST body; `where` prefixes errors ("scores[3]." or "")."""
    if not isinstance(item, Mapping):
        raise InvalidParameterError(f"{where.rstrip('.') or 'the body'} must be a JSON object")
    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        raise InvalidParameterError(f"{where}{unknown[0]} is not a score field")
    score_id = item.get("id")
    if score_id is None:
        score_id = uuid.uuid4().hex
    elif not isinstance(score_id, str) or not SCORE_ID_RE.fullmatch(score_id):
        raise InvalidParameterError(f"{where}id must be 1-64 of A-Z a-z 0-9 . _ -, not names")
    trace = item.get("trace_id")
    if not isinstance(trace, str):
        raise InvalidParameterError(f"{where}trace_id is required (32 hex characters)")
    try:
        trace = p.trace_id(trace)
        span = item.get("span_id")
        if span is not None:
            if not isinstance(span, str):
                raise InvalidParameterError("span_id must be 16 hex characters, not all zero")
            span = p.span_id(span)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{where}{exc}") from None
    name = check_name(where, item.get("name"))
    if "value" not in item or item["value"] is None:
        raise InvalidParameterError(f"{where}value is required")
    data_type = item.get("data_type") or infer_data_type(item["value"])
    if data_type not in DATA_TYPES:
        raise InvalidParameterError(f"{where}data_type must be one of {', '.join(DATA_TYPES)}")
    value, string_value = check_value(where, data_type, item["value"])
    source = item.get("source") or default_source
    if source not in SOURCES:
        raise InvalidParameterError(f"{where}source must be one of {', '.join(SOURCES)}")
    refs = {}
    for field in ("experiment_id", "run_id"):
        ref = optional_text(where, field, item.get(field), 128)
        if not REF_RE.fullmatch(ref):
            raise InvalidParameterError(f"{where}{field} must be of A-Z a-z 0-9 . _ : -")
        refs[field] = ref
    return StoredScore(
        id=score_id,
        trace_id=trace,
        span_id=span or "",
        name=name,
        data_type=data_type,
        value=value,
        string_value=string_value,
        comment=optional_text(where, "comment", item.get("comment"), MAX_COMMENT_CHARS),
        source=source,
        evaluator=optional_text(where, "evaluator", item.get("evaluator"), MAX_WHO_CHARS),
        author=optional_text(where, "author", item.get("author"), MAX_WHO_CHARS),
        experiment_id=refs["experiment_id"],
        run_id=refs["run_id"],
        created_ns=now_ns,
        updated_ns=now_ns,
    )


def parse_batch(document: Mapping[str, Any], now_ns: int) -> list[StoredScore]:
    """A body of one score, or {"scores": [...]} of up to MAX_BATCH; ids unique."""
    if "scores" not in document:
        return [parse_score(document, "", now_ns)]
    items = document["scores"]
    if set(document) != {"scores"}:
        raise InvalidParameterError("a batch body has only the field scores")
    if not isinstance(items, list) or not items:
        raise InvalidParameterError("scores must be a non-empty array")
    if len(items) > MAX_BATCH:
        raise InvalidParameterError(f"scores has {len(items)} items, more than {MAX_BATCH}")
    scores = [parse_score(item, f"scores[{i}].", now_ns) for i, item in enumerate(items)]
    seen: dict[str, int] = {}
    for i, score in enumerate(scores):
        if score.id in seen:
            raise InvalidParameterError(f"scores[{i}].id repeats scores[{seen[score.id]}].id")
        seen[score.id] = i
    return scores


def check_consistent_types(scores: list[StoredScore], known: Mapping[str, str]) -> None:
    """A name keeps one data type in a project (as a score config would say), so its
    averages and label counts mean one thing: `known` is name -> stored type."""
    first: dict[str, tuple[int, str]] = {}
    for i, score in enumerate(scores):
        where = f"scores[{i}]." if len(scores) > 1 else ""
        expected = known.get(score.name)
        if expected is None and score.name in first:
            expected = first[score.name][1]
        if expected is not None and expected != score.data_type:
            raise InvalidParameterError(
                f"{where}data_type: score {score.name!r} is {expected} in this project,"
                f" not {score.data_type}"
            )
        first.setdefault(score.name, (i, score.data_type))


def evaluator_score(
    score: Score,
    *,
    score_id: str,
    name: str,
    evaluator: str,
    trace_id: str,
    span_id: str = "",
    experiment_id: str = "",
    run_id: str = "",
) -> StoredScore:
    """An evaluator's Score as stored: a boolean as true/false and 1/0, a label as
    the string value, the explanation as the comment (cut to its bound), a judge's
    trace kept."""
    value: float | None = score.value
    string_value = ""
    if score.kind == "boolean":
        string_value = "true" if score.passed else "false"
        value = 1.0 if score.passed else 0.0
    elif score.kind == "categorical":
        string_value = score.label or ""
    now = time.time_ns()
    return StoredScore(
        id=score_id,
        trace_id=trace_id,
        span_id=span_id,
        name=name,
        data_type=score.kind,
        value=value,
        string_value=string_value,
        comment=(score.explanation or "")[:MAX_COMMENT_CHARS],
        source="evaluator",
        evaluator=evaluator,
        author="",
        experiment_id=experiment_id,
        run_id=run_id,
        created_ns=now,
        updated_ns=now,
        judge_trace_id=score.judge_trace_id or "",
    )
