"""Scores in ClickHouse (table `scores`, migrations 0018 and 0021): written as rows, an edit or
a delete written as a newer row of the same id; read with FINAL, which keeps each
id's newest row and drops it when deleted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from gls_engine.request_params import TRACE_ID_RE
from gls_engine.scores.stored_score import StoredScore
from gls_engine.storage import SpanStore

SCORE_COLUMNS = (
    "id, lower(hex(trace_id)) AS trace_hex, span_id, name, data_type, value, string_value,"
    " comment, source, evaluator, author, experiment_id, run_id, judge_trace_id,"
    " toUnixTimestamp64Nano(created_at) AS created_ns,"
    " toUnixTimestamp64Nano(updated_at) AS updated_ns"
)
# Most scores one read answers (a trace's, a span's).
MAX_LISTED = 5000
# Scores deleted per insert when an experiment goes (FINAL leaves them out of the next read).
DELETE_BATCH = 100_000


def _from_row(row: dict[str, Any]) -> StoredScore:
    return StoredScore(
        id=row["id"],
        trace_id=row["trace_hex"],
        span_id=row["span_id"],
        name=row["name"],
        data_type=row["data_type"],
        value=row["value"],
        string_value=row["string_value"],
        comment=row["comment"],
        source=row["source"],
        evaluator=row["evaluator"],
        author=row["author"],
        experiment_id=row["experiment_id"],
        run_id=row["run_id"],
        created_ns=row["created_ns"],
        updated_ns=row["updated_ns"],
        judge_trace_id=row["judge_trace_id"],
    )


def _table(project: str, scores: list[StoredScore]) -> pa.Table:
    return pa.table(
        {
            "id": pa.array([s.id for s in scores], pa.string()),
            "project": pa.array([project] * len(scores), pa.string()),
            "trace_id": pa.array([bytes.fromhex(s.trace_id) for s in scores], pa.binary(16)),
            "span_id": pa.array([s.span_id for s in scores], pa.string()),
            "experiment_id": pa.array([s.experiment_id for s in scores], pa.string()),
            "run_id": pa.array([s.run_id for s in scores], pa.string()),
            "name": pa.array([s.name for s in scores], pa.string()),
            "data_type": pa.array([s.data_type for s in scores], pa.string()),
            "value": pa.array([s.value for s in scores], pa.float64()),
            "string_value": pa.array([s.string_value for s in scores], pa.string()),
            "comment": pa.array([s.comment for s in scores], pa.string()),
            "source": pa.array([s.source for s in scores], pa.string()),
            "evaluator": pa.array([s.evaluator for s in scores], pa.string()),
            "author": pa.array([s.author for s in scores], pa.string()),
            "judge_trace_id": pa.array([s.judge_trace_id for s in scores], pa.string()),
            "created_at": pa.array([s.created_ns for s in scores], pa.timestamp("ns", "UTC")),
            "updated_at": pa.array([s.updated_ns for s in scores], pa.timestamp("ns", "UTC")),
            "version": pa.array([s.updated_ns for s in scores], pa.uint64()),
            "is_deleted": pa.array([int(s.is_deleted) for s in scores], pa.uint8()),
        }
    )


class ScoreStore:
    def __init__(self, store: SpanStore) -> None:
        self.store = store

    async def write(self, project: str, scores: list[StoredScore]) -> None:
        """One insert of every row: a batch is stored whole or not at all."""
        await self.store.insert_derived("scores", _table(project, scores))
        self.store.reads.wrote()  # answers that show scores are no longer current

    async def by_id(self, project: str, score_id: str) -> StoredScore | None:
        rows = await self.store.query_rows(
            f"SELECT {SCORE_COLUMNS} FROM scores FINAL"
            " WHERE project = {project:String} AND id = {id:String}",
            {"project": project, "id": score_id},
        )
        return _from_row(rows[0]) if rows else None

    async def delete_of_experiments(
        self, project: str, experiment_ids: list[str], now_ns: int
    ) -> int:
        """Deletes every score of the experiments (a deleted row per score, as a
        DELETE of one score writes), one insert per batch; returns how many."""
        if not experiment_ids:
            return 0
        deleted = 0
        while True:
            rows = await self.store.query_rows(
                f"SELECT {SCORE_COLUMNS} FROM scores FINAL WHERE project = {{project:String}}"
                f" AND experiment_id IN {{experiments:Array(String)}} LIMIT {DELETE_BATCH}",
                {"project": project, "experiments": experiment_ids},
            )
            if not rows:
                return deleted
            gone = [_from_row(r).edited(updated_ns=now_ns, is_deleted=True) for r in rows]
            await self.write(project, gone)
            deleted += len(gone)

    async def of_trace(
        self, project: str, trace_id: str, span_id: str | None = None
    ) -> list[StoredScore]:
        """The trace's scores (of one span with `span_id`), oldest first."""
        sql = (
            f"SELECT {SCORE_COLUMNS} FROM scores FINAL"
            " WHERE project = {project:String} AND trace_id = unhex({trace:String})"
        )
        params = {"project": project, "trace": trace_id}
        if span_id is not None:
            sql += " AND span_id = {span:String}"
            params["span"] = span_id
        rows = await self.store.query_rows(
            f"{sql} ORDER BY created_at, id LIMIT {MAX_LISTED}", params
        )
        return [_from_row(r) for r in rows]

    async def names(self, project: str) -> list[dict[str, Any]]:
        """Each score name of the project: its type, how many scores, their labels."""
        rows = await self.store.query_rows(
            "SELECT name, any(data_type) AS data_type, sum(n) AS count,"
            " arraySort(x -> -x.2, groupArrayIf((string_value, n), string_value != '')) AS labels,"
            " min(low) AS min_value, max(high) AS max_value FROM ("
            "  SELECT name, any(data_type) AS data_type, string_value, count() AS n,"
            "  min(value) AS low, max(value) AS high FROM scores FINAL"
            "  WHERE project = {project:String} GROUP BY name, string_value"
            ") GROUP BY name ORDER BY name LIMIT 1000",
            {"project": project},
        )
        return [
            {
                "name": r["name"],
                "data_type": r["data_type"],
                "count": r["count"],
                "labels": [_label(entry) for entry in r["labels"][:100]],
                "min_value": r["min_value"],
                "max_value": r["max_value"],
            }
            for r in rows
        ]

    async def known_types(
        self, project: str, names: Iterable[str], excluding: str | None = None
    ) -> dict[str, str]:
        """name -> the data type of its stored scores (`excluding` one score's id: a
        type change of a name's only score is allowed)."""
        rows = await self.store.query_rows(
            "SELECT name, any(data_type) AS data_type FROM scores FINAL"
            " WHERE project = {project:String} AND name IN {names:Array(String)}"
            " AND id != {excluding:String} GROUP BY name",
            {"project": project, "names": sorted(set(names)), "excluding": excluding or ""},
        )
        return {r["name"]: r["data_type"] for r in rows}

    async def summaries(
        self, project: str, trace_ids: list[str]
    ) -> dict[str, list[dict[str, Any]]]:
        """trace id -> its scores by name (trace's and its spans'): count, average
        of the numeric values (booleans as 1 / 0), label counts."""
        # Literal ids (hex ClickHouse produced, checked) let the primary key find
        # them; an IN (SELECT unhex ...) of Strings missed ids ending in zero bytes.
        ids = ", ".join(f"unhex('{t}')" for t in trace_ids if TRACE_ID_RE.fullmatch(t))
        if not ids:
            return {}
        rows = await self.store.query_rows(
            "SELECT trace_hex, name, any(data_type) AS data_type, sum(n) AS count,"
            " if(sum(valued) = 0, NULL, sum(total) / sum(valued)) AS average,"
            " arraySort(x -> -x.2, groupArrayIf((string_value, n), string_value != '')) AS labels"
            " FROM ("
            "  SELECT lower(hex(trace_id)) AS trace_hex, name, any(data_type) AS data_type,"
            "  string_value, count() AS n, sum(value) AS total, count(value) AS valued"
            f"  FROM ({current_scores('trace_id IN (' + ids + ')')})"
            "  GROUP BY trace_id, name, string_value"
            ") GROUP BY trace_hex, name ORDER BY trace_hex, name",
            {"project": project},
        )
        out: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            out.setdefault(r["trace_hex"], []).append(
                {
                    "name": r["name"],
                    "data_type": r["data_type"],
                    "count": r["count"],
                    "average": r["average"],
                    "labels": [_label(entry) for entry in r["labels"]],
                }
            )
        return out

    async def held_ids(self, project: str, ids: list[str]) -> dict[str, StoredScore]:
        """The stored scores of these ids (a batch resending ids it sent before)."""
        rows = await self.store.query_rows(
            f"SELECT {SCORE_COLUMNS} FROM scores FINAL"
            " WHERE project = {project:String} AND id IN {ids:Array(String)}",
            {"project": project, "ids": ids},
        )
        return {r["id"]: _from_row(r) for r in rows}


def current_scores(condition: str, project_param: str = "{project:String}") -> str:
    """A SELECT of each score's newest row among those `condition` picks (deleted ones
    left out) in the project `project_param` binds. Quicker than FINAL where the condition selects
    few rows (the rare name a filter asks for: 65 -> 4 ms of 333K scores), since it
    reads only those. Sound because a score's trace, span and name never change: an
    edit of an id is a row that a condition on them picks as well."""
    # aliases apart from the columns: `condition` reads the stored columns
    return (
        "SELECT trace_id, id, last_span AS span_id, last_name AS name,"
        " last_type AS data_type, last_value AS value, last_label AS string_value FROM ("
        " SELECT trace_id, id, any(span_id) AS last_span, any(name) AS last_name,"
        " argMax(data_type, version) AS last_type, argMax(value, version) AS last_value,"
        " argMax(string_value, version) AS last_label,"
        " argMax(is_deleted, version) AS last_deleted FROM scores"
        f" WHERE project = {project_param} AND {condition} GROUP BY trace_id, id)"
        " WHERE last_deleted = 0"
    )


def _label(entry: Any) -> dict[str, Any]:
    # (label, count) tuples come as objects or lists in JSONEachRow
    label, count = entry.values() if isinstance(entry, dict) else entry
    return {"label": label, "count": int(count)}
