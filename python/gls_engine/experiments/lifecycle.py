"""The experiments' part of the Studio's life: made once the span store, the
metadata store and the score store are open (nothing to close)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from gls_engine.datasets.handlers import DATASETS_KEY
from gls_engine.evaluators.handlers import JUDGE_PROVIDERS_KEY
from gls_engine.experiments.handlers import EXPERIMENTS_KEY
from gls_engine.experiments.service import Experiments
from gls_engine.metadata.handlers import METADATA_KEY
from gls_engine.scores.app_keys import SCORES_KEY
from gls_engine.self_traces.app_context import SELF_TRACES_KEY
from gls_engine.storage import SpanStore


def experiments_context(
    span_store_key: web.AppKey[SpanStore],
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context; the span store is found under `span_store_key` (app.py's)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        experiments = Experiments(
            app[METADATA_KEY],
            app[span_store_key],
            app[SCORES_KEY],
            app[JUDGE_PROVIDERS_KEY],
            lambda: app[SELF_TRACES_KEY],
        )
        app[EXPERIMENTS_KEY] = experiments
        app[DATASETS_KEY].before_delete.append(experiments.forget_dataset)
        yield

    return context
