"""Chain runs as an application resource: the runner on the app's chain store,
LLM providers and GreenLang agents (the Studio's own, unless the app was given
others under the run handlers' keys before start-up),
the Studio's own traces and the span store for the read-back; the pool, the
records and the event streams. Made once the self-traces submitter exists;
closed before it (every run still going is cancelled and recorded); the
experiments' chain tasks (chains/chain_experiments.py) on the runs."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from gls_engine.chains.app_keys import CHAIN_STORE_KEY
from gls_engine.chains.app_keys import PROVIDER_CLIENTS_KEY as STORED_PROVIDER_CLIENTS_KEY
from gls_engine.chains.chain_experiment_handlers import CHAIN_EXPERIMENTS_KEY
from gls_engine.chains.chain_experiments import ChainExperiments
from gls_engine.chains.greenlang_handlers import GREENLANG_AGENTS_KEY
from gls_engine.chains.run_events import RunEventStreams
from gls_engine.chains.run_handlers import (
    AGENT_RUNNER_KEY,
    CHAIN_RESOLVER_KEY,
    CHAIN_RUNS_KEY,
    PROVIDER_CLIENTS_KEY,
    check_configured,
)
from gls_engine.chains.run_metrics import StoredSpanFigures
from gls_engine.chains.run_pool import ChainRunPool, PoolSettings
from gls_engine.chains.run_records import ChainRunRecords
from gls_engine.chains.run_service import ChainRuns
from gls_engine.chains.runner import ChainRunner
from gls_engine.config import Settings
from gls_engine.datasets.handlers import DATASETS_KEY
from gls_engine.experiments.handlers import EXPERIMENT_TASKS_KEY, EXPERIMENTS_KEY
from gls_engine.metadata.handlers import METADATA_KEY
from gls_engine.query.handlers import QUERIES_KEY
from gls_engine.self_traces.app_context import SELF_TRACES_KEY


def chain_runs_context(
    settings_of: Callable[[web.Application], Settings],
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context; `settings_of(app)` gives the Studio's settings."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        settings = settings_of(app)
        # the handlers read these keys too: set to what the runner runs with
        app[CHAIN_RESOLVER_KEY] = app.get(CHAIN_RESOLVER_KEY) or app.get(CHAIN_STORE_KEY)
        app[PROVIDER_CLIENTS_KEY] = app.get(PROVIDER_CLIENTS_KEY) or app.get(
            STORED_PROVIDER_CLIENTS_KEY
        )
        app[AGENT_RUNNER_KEY] = app.get(AGENT_RUNNER_KEY) or app.get(GREENLANG_AGENTS_KEY)
        runner = ChainRunner(
            resolver=app[CHAIN_RESOLVER_KEY],
            providers=app[PROVIDER_CLIENTS_KEY],
            agents=app[AGENT_RUNNER_KEY],
            traces=app[SELF_TRACES_KEY],
            figures=StoredSpanFigures(app[QUERIES_KEY]),
        )
        records = ChainRunRecords(app[METADATA_KEY])
        await records.abandon_unfinished()
        pool = ChainRunPool(
            PoolSettings(
                max_concurrent=settings.chain_runs_max_concurrent,
                max_queued=settings.chain_runs_max_queued,
                timeout_s=settings.chain_run_timeout_s,
            )
        )
        runs = ChainRuns(runner, records, pool, RunEventStreams(), app.get(DATASETS_KEY))
        app[CHAIN_RUNS_KEY] = runs
        tasks = ChainExperiments(
            runs,
            app[EXPERIMENTS_KEY],
            app[CHAIN_RESOLVER_KEY],
            functools.partial(check_configured, app),
            settings.chain_runs_max_concurrent,
        )
        app[CHAIN_EXPERIMENTS_KEY] = tasks
        app[EXPERIMENT_TASKS_KEY] = tasks
        yield
        await tasks.close()  # before the runs: their runs are cancelled, left unrecorded
        await runs.close()

    return context
