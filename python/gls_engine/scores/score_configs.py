"""Score configs (as Langfuse has them): a project says what a score name is (its data
type, a categorical score's labels, a numeric score's bounds), kept in the metadata
store (table score_configs), and scores of that name are checked against it when
written, so feedback from many clients and people stays comparable.

GET    /api/v1/projects/{project}/score-configs
PUT    /api/v1/projects/{project}/score-configs          {name, data_type, categories, ...}
DELETE /api/v1/projects/{project}/score-configs?name=    (a name can hold any character)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from gls_engine.errors import InvalidParameterError
from gls_engine.metadata.models.score_config import ScoreConfigRow
from gls_engine.metadata.store import MetadataStore
from gls_engine.metadata.upsert import upsert
from gls_engine.scores.score_input import check_name, check_value
from gls_engine.scores.stored_score import DATA_TYPES, StoredScore

MAX_CATEGORIES = 100
MAX_DESCRIPTION_CHARS = 2000
FIELDS = frozenset({"name", "data_type", "categories", "min_value", "max_value", "description"})


@dataclass(frozen=True)
class ScoreConfig:
    name: str
    data_type: str
    categories: tuple[str, ...] | None = None
    min_value: float | None = None
    max_value: float | None = None
    description: str | None = None
    updated_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "data_type": self.data_type,
            "categories": list(self.categories) if self.categories is not None else None,
            "min_value": self.min_value,
            "max_value": self.max_value,
            "description": self.description,
            "updated_at": self.updated_at,
        }

    def check(self, score: StoredScore, where: str) -> None:
        """A score of this name as the config says, or a 400 naming the field."""
        if score.data_type != self.data_type:
            raise InvalidParameterError(
                f"{where}data_type: score {self.name!r} is configured {self.data_type},"
                f" not {score.data_type}"
            )
        if self.categories is not None and score.string_value not in self.categories:
            raise InvalidParameterError(
                f"{where}value: score {self.name!r} takes one of {', '.join(self.categories)}"
            )
        value = score.value
        if value is not None and self.data_type == "numeric":
            low = -math.inf if self.min_value is None else self.min_value
            high = math.inf if self.max_value is None else self.max_value
            if not low <= value <= high:
                raise InvalidParameterError(
                    f"{where}value: score {self.name!r} takes values from"
                    f" {self.min_value if self.min_value is not None else '-inf'}"
                    f" to {self.max_value if self.max_value is not None else 'inf'}"
                )


def _bound(document: Mapping[str, Any], field: str) -> float | None:
    value = document.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidParameterError(f"{field} must be a finite number")
    return float(value)


def parse_config(document: Mapping[str, Any]) -> ScoreConfig:
    unknown = sorted(set(document) - FIELDS)
    if unknown:
        raise InvalidParameterError(f"{unknown[0]} is not a score config field")
    name = check_name("", document.get("name"))
    data_type = document.get("data_type")
    if data_type not in DATA_TYPES:
        raise InvalidParameterError(f"data_type must be one of {', '.join(DATA_TYPES)}")
    raw = document.get("categories")
    categories: tuple[str, ...] | None = None
    if data_type == "categorical":
        if not isinstance(raw, list) or not raw:
            raise InvalidParameterError("categories: a categorical config lists its labels")
        if len(raw) > MAX_CATEGORIES:
            raise InvalidParameterError(f"categories has more than {MAX_CATEGORIES} labels")
        for i, label in enumerate(raw):
            check_value(f"categories[{i}]: ", "categorical", label)
            if label in raw[:i]:
                raise InvalidParameterError(f"categories[{i}] repeats {label!r}")
        categories = tuple(raw)
    elif raw is not None:
        raise InvalidParameterError("categories: only a categorical config has labels")
    low, high = _bound(document, "min_value"), _bound(document, "max_value")
    if data_type != "numeric" and (low is not None or high is not None):
        raise InvalidParameterError("min_value / max_value: only a numeric config has bounds")
    if low is not None and high is not None and low > high:
        raise InvalidParameterError("min_value is above max_value")
    description = document.get("description")
    if description is not None and (
        not isinstance(description, str) or len(description) > MAX_DESCRIPTION_CHARS
    ):
        raise InvalidParameterError(
            f"description must be a string of at most {MAX_DESCRIPTION_CHARS} characters"
        )
    return ScoreConfig(name, data_type, categories, low, high, description)


def _from_row(row: ScoreConfigRow) -> ScoreConfig:
    return ScoreConfig(
        row.name,
        row.data_type,
        tuple(row.categories) if row.categories is not None else None,
        row.min_value,
        row.max_value,
        row.description,
        row.updated_at.isoformat(timespec="milliseconds"),
    )


class ScoreConfigs:
    def __init__(self, store: MetadataStore) -> None:
        self.store = store

    async def all(self, project: str) -> list[ScoreConfig]:
        async with self.store.sessions() as session:
            rows = await session.scalars(
                select(ScoreConfigRow)
                .where(ScoreConfigRow.project == project)
                .order_by(ScoreConfigRow.name)
            )
            return [_from_row(r) for r in rows]

    async def of_names(self, project: str, names: Iterable[str]) -> dict[str, ScoreConfig]:
        wanted = sorted(set(names))
        async with self.store.sessions() as session:
            rows = await session.scalars(
                select(ScoreConfigRow).where(
                    ScoreConfigRow.project == project, ScoreConfigRow.name.in_(wanted)
                )
            )
            return {r.name: _from_row(r) for r in rows}

    async def put(self, project: str, config: ScoreConfig) -> ScoreConfig:
        now = datetime.now(UTC)
        values = {
            "project": project,
            "name": config.name,
            "data_type": config.data_type,
            "categories": list(config.categories) if config.categories is not None else None,
            "min_value": config.min_value,
            "max_value": config.max_value,
            "description": config.description,
            "updated_at": now.replace(microsecond=now.microsecond // 1000 * 1000),
        }
        async with self.store.sessions() as session, session.begin():
            await session.execute(
                upsert(self.store.dialect, ScoreConfigRow, values, ["project", "name"])
            )
        return (await self.of_names(project, [config.name]))[config.name]

    async def remove(self, project: str, name: str) -> bool:
        async with self.store.sessions() as session, session.begin():
            result = await session.execute(
                delete(ScoreConfigRow).where(
                    ScoreConfigRow.project == project, ScoreConfigRow.name == name
                )
            )
        return bool(getattr(result, "rowcount", 0))


def check_configured(
    scores: list[StoredScore], configs: Mapping[str, ScoreConfig], batch: bool
) -> None:
    for i, score in enumerate(scores):
        config = configs.get(score.name)
        if config is not None:
            config.check(score, f"scores[{i}]." if batch else "")
