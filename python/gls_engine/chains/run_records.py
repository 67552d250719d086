"""Chain runs as stored (chain_runs, migration 0009): created `queued`, made
`running` when a slot frees, and written whole when the run ends (output or
error and the failing step, each step's record with its figures, the logs, the
trace id, the times). Listed newest first by chain or source, a page at a
time; each answered with its totals summed over its steps."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update

from gls_engine import request_params as p
from gls_engine.chains.run_context import (
    FINAL_STATUSES,
    QUEUED,
    RUNNING,
    RunResult,
    now_utc,
    summed_figures,
)
from gls_engine.errors import InvalidParameterError, NotFoundError
from gls_engine.metadata.models.chain import ChainRow
from gls_engine.metadata.models.chain_run import ChainRunRow
from gls_engine.metadata.store import MetadataStore

SOURCES = ("playground", "api", "debugger", "experiment", "replay")
MAX_ERROR_STEP_CHARS = 64  # the column's width; a deeper path keeps its end


def new_run_id() -> str:
    return uuid.uuid4().hex


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="microseconds")


def step_totals(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure summed over the steps that know it (None when none does)."""
    return summed_figures(s for s in steps if isinstance(s, dict))


def run_json(row: ChainRunRow, *, whole: bool = True) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": row.id,
        "project": row.project,
        "chain": row.chain_name,
        "version": row.chain_version,
        "source": row.source,
        "status": row.status,
        "inputs": row.inputs,
        "output": row.output,
        "error": row.error,
        "error_step": row.error_step,
        "trace_id": row.trace_id,
        "environment": row.environment,
        "created_at": _iso(row.created_at),
        "started_at": _iso(row.started_at),
        "ended_at": _iso(row.ended_at),
        "latency_ms": None
        if row.started_at is None or row.ended_at is None
        else round((row.ended_at - row.started_at).total_seconds() * 1000, 3),
        "totals": step_totals(row.steps or []),
        "steps": row.steps or [],
    }
    if whole:
        answer["logs"] = row.logs or []
        answer["definition"] = row.definition
    return answer


class ChainRunRecords:
    def __init__(self, store: MetadataStore) -> None:
        self.store = store

    async def create(
        self,
        project: str,
        run_id: str,
        *,
        chain_name: str | None,
        chain_version: int | None,
        definition: dict[str, Any] | None,
        source: str,
        inputs: Any,
        environment: str,
    ) -> dict[str, Any]:
        async with self.store.sessions() as session, session.begin():
            chain_id = None
            if chain_name is not None and chain_version is not None:
                chain_id = await session.scalar(
                    select(ChainRow.id).where(
                        ChainRow.project == project, ChainRow.name == chain_name
                    )
                )
            row = ChainRunRow(
                id=run_id,
                project=project,
                chain_id=chain_id,
                chain_name=chain_name,
                chain_version=chain_version,
                definition=definition,
                source=source,
                status=QUEUED,
                inputs=inputs,
                output=None,
                error=None,
                error_step=None,
                steps=[],
                logs=[],
                trace_id=None,
                environment=environment,
                created_at=now_utc(),
                started_at=None,
                ended_at=None,
            )
            session.add(row)
        return run_json(row)

    async def mark_running(self, run_id: str, started_at: datetime) -> None:
        async with self.store.sessions() as session, session.begin():
            await session.execute(
                update(ChainRunRow)
                .where(ChainRunRow.id == run_id, ChainRunRow.status == QUEUED)
                .values(status=RUNNING, started_at=started_at)
            )

    async def finish(self, result: RunResult) -> None:
        error_step = result.error_step
        if error_step is not None and len(error_step) > MAX_ERROR_STEP_CHARS:
            error_step = error_step[-MAX_ERROR_STEP_CHARS:]
        async with self.store.sessions() as session, session.begin():
            await session.execute(
                update(ChainRunRow)
                .where(ChainRunRow.id == result.run_id)
                .values(
                    status=result.status,
                    output=result.output,
                    error=result.error,
                    error_step=error_step,
                    steps=[s.to_json() for s in result.steps],
                    logs=result.logs,
                    trace_id=result.trace_id,
                    started_at=result.started_at,
                    ended_at=result.ended_at,
                )
            )

    async def finish_unstarted(self, run_id: str, status: str, error: str) -> None:
        """A run that ended before it ran (cancelled while queued). Only a run not yet
        ended: one that ended meanwhile keeps its own end (a cancel racing its finish)."""
        assert status in FINAL_STATUSES
        async with self.store.sessions() as session, session.begin():
            await session.execute(
                update(ChainRunRow)
                .where(
                    ChainRunRow.id == run_id,
                    ChainRunRow.status.not_in(tuple(FINAL_STATUSES)),
                )
                .values(status=status, error=error, ended_at=now_utc())
            )

    async def get(self, project: str, run_id: str) -> dict[str, Any]:
        async with self.store.sessions() as session:
            row = await session.scalar(
                select(ChainRunRow).where(ChainRunRow.project == project, ChainRunRow.id == run_id)
            )
            if row is None:
                raise NotFoundError(f"no chain run {run_id!r} in project {project!r}")
            return run_json(row)

    async def list(
        self,
        project: str,
        *,
        chain: str | None = None,
        source: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """Newest first; `next_cursor` while more remain."""
        query = select(ChainRunRow).where(ChainRunRow.project == project)
        if chain is not None:
            query = query.where(ChainRunRow.chain_name == chain)
        if source is not None:
            query = query.where(ChainRunRow.source == source)
        if cursor:
            created, last_id = p.decode_cursor(cursor, (str, str))
            try:
                created_at = datetime.fromisoformat(created)
            except ValueError:
                raise InvalidParameterError(
                    "cursor is not valid; pass the next_cursor of a previous page"
                ) from None
            query = query.where(
                or_(
                    ChainRunRow.created_at < created_at,
                    and_(ChainRunRow.created_at == created_at, ChainRunRow.id < last_id),
                )
            )
        query = query.order_by(ChainRunRow.created_at.desc(), ChainRunRow.id.desc()).limit(
            limit + 1
        )
        async with self.store.sessions() as session:
            rows = list(await session.scalars(query))
        page = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            last = page[-1]
            next_cursor = p.encode_cursor([_iso(last.created_at), last.id])
        return {"runs": [run_json(r, whole=False) for r in page], "next_cursor": next_cursor}

    async def abandon_unfinished(self) -> int:
        """Runs a previous Studio process left queued or running: they never end
        now, so they are failed (at start, before any run of this process)."""
        async with self.store.sessions() as session, session.begin():
            done = await session.execute(
                update(ChainRunRow)
                .where(ChainRunRow.status.in_((QUEUED, RUNNING)))
                .values(
                    status="failed",
                    error="the Studio stopped before the run ended",
                    ended_at=now_utc(),
                )
            )
        return int(getattr(done, "rowcount", 0) or 0)
