"""What a client asks for when it creates an experiment, checked field by field
(400s naming the field) before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from gls_engine.errors import InvalidParameterError
from gls_engine.evaluators.catalogue import build_evaluator
from gls_engine.evaluators.judge_templates import BUILTIN_JUDGE_TEMPLATES
from gls_engine.scores.score_input import check_name

MAX_NAME_CHARS = 200
MAX_DESCRIPTION_CHARS = 10_000
MAX_METADATA_BYTES = 64 << 10
MAX_REPETITIONS = 100
MAX_EVALUATORS = 20
JUDGE = "llm_judge"
FIELDS = {"dataset", "version", "name", "description", "metadata", "repetitions", "evaluators"}


@dataclass(frozen=True)
class EvaluatorSpec:
    """A built-in evaluator the Studio runs on every recorded run: a heuristic one,
    or an LLM judge through the project's judge provider (kind llm_judge)."""

    evaluator: str
    parameters: dict[str, Any]
    score_name: str
    kind: str = "heuristic"

    def to_json(self) -> dict[str, Any]:
        return {
            "evaluator": self.evaluator,
            "kind": self.kind,
            "parameters": self.parameters,
            "name": self.score_name,
        }


@dataclass(frozen=True)
class ExperimentDefinition:
    dataset: str
    version: str | None
    name: str | None
    description: str
    metadata: dict[str, Any]
    repetitions: int
    evaluators: list[EvaluatorSpec] = field(default_factory=list)


def _text(document: dict[str, Any], key: str, limit: int) -> str | None:
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidParameterError(f"{key} must be a string of at most {limit} characters")
    return value


def _evaluator_spec(index: int, entry: Any) -> EvaluatorSpec:
    where = f"evaluators[{index}]"
    if isinstance(entry, str):
        entry = {"evaluator": entry}
    if not isinstance(entry, dict):
        raise InvalidParameterError(f"{where} must be a name or an object with evaluator")
    unknown = sorted(set(entry) - {"evaluator", "parameters", "name"})
    if unknown:
        raise InvalidParameterError(f"{where}.{unknown[0]} is not an evaluator field")
    name = entry.get("evaluator")
    if not isinstance(name, str):
        raise InvalidParameterError(f"{where}.evaluator must name a built-in evaluator")
    parameters = entry.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise InvalidParameterError(f"{where}.parameters must be an object")
    if name in BUILTIN_JUDGE_TEMPLATES:
        if parameters:
            raise InvalidParameterError(f"{where}.parameters: an LLM judge takes none")
        return EvaluatorSpec(name, {}, check_name(f"{where}.", entry.get("name", name)), JUDGE)
    try:
        build_evaluator(name, parameters, field=f"{where}.evaluator")
    except InvalidParameterError as exc:
        message = str(exc)
        raise InvalidParameterError(
            message if message.startswith(where) else f"{where}.{message}"
        ) from None
    score_name = check_name(f"{where}.", entry.get("name", name))
    return EvaluatorSpec(name, parameters, score_name)


def parse_definition(document: dict[str, Any]) -> ExperimentDefinition:
    unknown = sorted(set(document) - FIELDS)
    if unknown:
        raise InvalidParameterError(f"{unknown[0]} is not an experiment field")
    dataset = document.get("dataset")
    if not isinstance(dataset, str) or not dataset:
        raise InvalidParameterError("dataset is required: the name of a dataset of the project")
    version = document.get("version")
    if version is not None:
        if isinstance(version, int) and not isinstance(version, bool):
            version = str(version)
        if not isinstance(version, str):
            raise InvalidParameterError("version must be a version number, a tag or 'latest'")
    name = _text(document, "name", MAX_NAME_CHARS)
    if name is not None and not name.strip():
        raise InvalidParameterError("name must not be blank")
    metadata = document.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise InvalidParameterError("metadata must be a JSON object")
    if len(orjson.dumps(metadata)) > MAX_METADATA_BYTES:
        raise InvalidParameterError(f"metadata is over {MAX_METADATA_BYTES} bytes as JSON")
    repetitions = document.get("repetitions", 1)
    if (
        not isinstance(repetitions, int)
        or isinstance(repetitions, bool)
        or not 1 <= repetitions <= MAX_REPETITIONS
    ):
        raise InvalidParameterError(f"repetitions must be an integer from 1 to {MAX_REPETITIONS}")
    evaluators = document.get("evaluators") or []
    if not isinstance(evaluators, list) or len(evaluators) > MAX_EVALUATORS:
        raise InvalidParameterError(f"evaluators must be an array of at most {MAX_EVALUATORS}")
    specs = [_evaluator_spec(i, entry) for i, entry in enumerate(evaluators)]
    names = [s.score_name for s in specs]
    for i, score_name in enumerate(names):
        if score_name in names[:i]:
            raise InvalidParameterError(f"evaluators[{i}].name {score_name!r} is used twice")
    return ExperimentDefinition(
        dataset=dataset,
        version=version,
        name=name,
        description=_text(document, "description", MAX_DESCRIPTION_CHARS) or "",
        metadata=metadata,
        repetitions=repetitions,
        evaluators=specs,
    )
