"""The Studio application: one `create_app(settings)` for the CLI and the tests.

Each resource has one cleanup context, started in order and closed in
reverse: storage -> metadata (SQLite or PostgreSQL) -> datasets, experiments, chains (its
LLM provider clients closed) -> enrichment (prices, impact data,
project settings) -> pipeline (drains into storage on shutdown) + live hub ->
the Studio's own traces (self_traces: e.g. its LLM judges' calls, stored through
the pipeline) -> OTLP/HTTP listener -> OTLP/gRPC listener.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web

from gls_engine import __version__, webui
from gls_engine.analytics import cost_handlers
from gls_engine.analytics import handlers as analytics_handlers
from gls_engine.analytics.costs import CostQueries
from gls_engine.analytics.metrics import MetricQueries
from gls_engine.analytics.suggestions import Suggestions
from gls_engine.analytics.tokens import TokenQueries
from gls_engine.api_errors import json_errors, json_response
from gls_engine.app_debug import handlers as app_debug_handlers
from gls_engine.browser_guard import BrowserGuard
from gls_engine.chains import (
    chain_experiment_handlers,
    debug_session_handlers,
    greenlang_handlers,
    playground_handlers,
)
from gls_engine.chains import handlers as chain_handlers
from gls_engine.chains import run_handlers as chain_run_handlers
from gls_engine.chains.debug_session_lifecycle import debug_sessions_context
from gls_engine.chains.lifecycle import chains_context
from gls_engine.chains.run_lifecycle import chain_runs_context
from gls_engine.config import Settings
from gls_engine.datasets import handlers as dataset_handlers
from gls_engine.datasets.lifecycle import datasets_context
from gls_engine.evaluators import handlers as evaluator_handlers
from gls_engine.experiments import handlers as experiment_handlers
from gls_engine.experiments.cheaper_model import cheaper_model_suggestions
from gls_engine.experiments.lifecycle import experiments_context
from gls_engine.ingest import IngestPipeline, http_receiver
from gls_engine.ingest.enrichment import Enrichment
from gls_engine.ingest.memory_limiter import MIB, rss_bytes
from gls_engine.metadata import MetadataStore
from gls_engine.metadata import handlers as metadata_handlers
from gls_engine.metrics import Counters
from gls_engine.notifications import handlers as notification_handlers
from gls_engine.notifications.notifications import Notifications
from gls_engine.query import handlers as query_handlers
from gls_engine.query.facets import TraceFacets
from gls_engine.query.traces import TraceQueries
from gls_engine.read_freshness import read_freshness
from gls_engine.realtime import handlers as realtime_handlers
from gls_engine.realtime.hub import LiveHub
from gls_engine.scores import handlers as score_handlers
from gls_engine.scores.app_keys import SCORES_KEY
from gls_engine.scores.score_store import ScoreStore
from gls_engine.self_traces.app_context import self_traces_context
from gls_engine.shared_responses import SHARED_RESPONSES_KEY, SharedResponses
from gls_engine.storage import SpanStore, open_store
from gls_engine.storage.day_answers import DayAnswers
from gls_engine.storage.retention import RetentionSweeper

log = logging.getLogger(__name__)

SETTINGS_KEY = web.AppKey("settings", Settings)
STORE_KEY = web.AppKey("store", SpanStore)
COUNTERS_KEY = web.AppKey("counters", Counters)
PORTS_KEY = web.AppKey("ports", dict)
STARTED_KEY = web.AppKey("started_at", float)
ENRICHMENT_KEY = web.AppKey("enrichment", Enrichment)
GUARD_KEY = web.AppKey("browser_guard", BrowserGuard)


# aiohttp would inflate gzip bodies itself, unbounded; the Rust core inflates
# them instead, with the body limit enforced and the GIL released.
def make_runner(app: web.Application) -> web.AppRunner:
    return web.AppRunner(app, access_log=None, handle_signals=False, auto_decompress=False)


async def _storage_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS_KEY]
    store = open_store(settings, app[COUNTERS_KEY])
    log.info(
        "opening %s storage (%s)",
        store.backend_name,
        settings.data_path if settings.storage == "chdb" else settings.clickhouse_url,
    )
    await store.start()
    app[STORE_KEY] = store
    app[SHARED_RESPONSES_KEY] = SharedResponses(lambda: store.reads.generation, app[COUNTERS_KEY])
    app[query_handlers.QUERIES_KEY] = TraceQueries(store)
    day_answers = DayAnswers(store, app[COUNTERS_KEY])
    app[query_handlers.FACETS_KEY] = TraceFacets(store, day_answers)
    app[analytics_handlers.METRICS_KEY] = MetricQueries(store)
    app[cost_handlers.COST_QUERIES_KEY] = CostQueries(store, day_answers)
    app[notification_handlers.NOTIFICATIONS_KEY] = Notifications(store, app[COUNTERS_KEY])
    app[SCORES_KEY] = ScoreStore(store)
    yield
    await day_answers.drain()
    await store.close()


async def _metadata_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS_KEY]
    metadata = MetadataStore(settings.metadata_database_url)
    log.info("opening metadata database %s", metadata.printable_url)
    await metadata.open()  # migrated to the newest revision
    app[metadata_handlers.METADATA_KEY] = metadata
    yield
    await metadata.close()


async def _enrichment_ctx(app: web.Application) -> AsyncIterator[None]:
    """Prices (saved in the data dir), impact data and every project's settings."""
    loop = asyncio.get_running_loop()
    enrichment = await loop.run_in_executor(None, Enrichment.load, app[SETTINGS_KEY])
    enrichment.apply(await app[metadata_handlers.METADATA_KEY].all_project_settings())
    log.info("pricing with %s", enrichment.price_data.label)
    app[ENRICHMENT_KEY] = enrichment
    app[metadata_handlers.SETTINGS_CONSUMER_KEY] = enrichment
    experiments = app[experiment_handlers.EXPERIMENTS_KEY]
    suggestions = Suggestions(
        app[STORE_KEY],
        enrichment,
        cheaper_models=functools.partial(cheaper_model_suggestions, experiments),
    )
    app[analytics_handlers.SUGGESTIONS_KEY] = suggestions
    # The token analyzer judges context windows with the suggestions' lookup.
    app[cost_handlers.TOKEN_QUERIES_KEY] = TokenQueries(app[STORE_KEY], suggestions.context_windows)
    yield


async def _retention_ctx(app: web.Application) -> AsyncIterator[None]:
    """Expired days dropped before ingest starts, then hourly (storage/retention.py)."""
    sweeper = RetentionSweeper(app[STORE_KEY], app[SETTINGS_KEY].retention_days, app[COUNTERS_KEY])
    await sweeper.start()
    yield
    await sweeper.close()


async def _pipeline_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS_KEY]
    pipeline = IngestPipeline(
        settings,
        app[STORE_KEY],
        app[COUNTERS_KEY],
        app[ENRICHMENT_KEY] if settings.enrich else None,
    )
    store = app[STORE_KEY]
    hub = LiveHub(app[COUNTERS_KEY], generation=lambda: store.reads.generation)
    pipeline.add_listener(hub.publish_stored)
    app[http_receiver.PIPELINE_KEY] = pipeline
    app[realtime_handlers.HUB_KEY] = hub
    await pipeline.start()
    yield
    log.info("draining %d pending spans into storage", pipeline.pending_spans)
    await pipeline.close()
    hub.close()


async def _otlp_http_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS_KEY]
    if settings.otlp_http_port < 0 or settings.otlp_http_port == settings.api_port:
        yield  # /v1/traces is served on the API port in any case
        return
    otlp = web.Application(client_max_size=settings.max_body_bytes, middlewares=[json_errors])
    otlp[http_receiver.PIPELINE_KEY] = app[http_receiver.PIPELINE_KEY]
    app[GUARD_KEY].install(otlp)
    http_receiver.add_routes(otlp)
    runner = make_runner(otlp)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.otlp_http_port, backlog=1024)
    await site.start()
    app[PORTS_KEY]["otlp_http"] = runner.addresses[0][1]
    log.info("OTLP/HTTP listening on %s:%d", settings.host, app[PORTS_KEY]["otlp_http"])
    yield
    await runner.cleanup()


async def _otlp_grpc_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS_KEY]
    if settings.otlp_grpc_port < 0:
        yield
        return
    from gls_engine.ingest.grpc_receiver import start_grpc_server

    server, app[PORTS_KEY]["otlp_grpc"] = await start_grpc_server(
        app[http_receiver.PIPELINE_KEY], settings.host, settings.otlp_grpc_port
    )
    yield
    await server.stop(grace=5)


async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def status(request: web.Request) -> web.Response:
    app = request.app
    pipeline = app[http_receiver.PIPELINE_KEY]
    store = app[STORE_KEY]
    return json_response(
        {
            "version": __version__,
            "storage": app[STORE_KEY].backend_name,
            "uptime_s": round(time.monotonic() - app[STARTED_KEY], 3),
            "ports": app[PORTS_KEY],
            "pending_spans": pipeline.pending_spans,
            "max_pending_spans": app[SETTINGS_KEY].max_pending_spans,
            "live_subscribers": app[realtime_handlers.HUB_KEY].subscriber_count(),
            "retention_days": app[SETTINGS_KEY].retention_days,
            "memory": {
                "rss_bytes": rss_bytes(),
                # What ClickHouse's memory tracker counts (inserts, merges,
                # queries, caches): in this process for chDB, the server's own
                # for a ClickHouse server.
                "storage_tracked_bytes": await store.tracked_memory_bytes(),
                "limit_bytes": app[SETTINGS_KEY].memory_limit_mib * MIB,
                "refusing": pipeline.memory.over_limit,
            },
            "counters": app[COUNTERS_KEY].snapshot(),
        }
    )


async def metrics(request: web.Request) -> web.Response:
    return web.Response(text=request.app[COUNTERS_KEY].prometheus_text(), content_type="text/plain")


async def index(request: web.Request) -> web.StreamResponse:
    if webui.wants_html(request):
        return await webui.app_page(request)
    return json_response(
        {
            "name": "GreenLang Studio",
            "version": __version__,
            "api": "/api/v1",
            "openapi": "/api/openapi.yaml",
            "otlp_http": "/v1/traces",
            "ui": "/",
        }
    )


async def openapi_spec(request: web.Request) -> web.StreamResponse:
    from gls_engine.api_spec import spec_path

    return web.FileResponse(spec_path(), headers={"Content-Type": "application/yaml"})


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        client_max_size=settings.max_body_bytes, middlewares=[json_errors, read_freshness]
    )
    app[SETTINGS_KEY] = settings
    app[COUNTERS_KEY] = Counters()
    app[PORTS_KEY] = {}
    app[STARTED_KEY] = time.monotonic()
    app[GUARD_KEY] = BrowserGuard(settings, app[COUNTERS_KEY])
    app[GUARD_KEY].install(app)
    # What chain runs need from the chain store, the LLM providers and the
    # GreenLang agents: None here means the Studio's own (chain_runs_context);
    # an embedding application or a test may set its own before start-up.
    app[chain_run_handlers.CHAIN_RESOLVER_KEY] = None
    app[chain_run_handlers.PROVIDER_CLIENTS_KEY] = None
    app[chain_run_handlers.AGENT_RUNNER_KEY] = None
    app[experiment_handlers.EXPERIMENT_TASKS_KEY] = None  # chain_runs_context sets it
    app.cleanup_ctx.extend(
        [
            _storage_ctx,
            _metadata_ctx,
            datasets_context(lambda app: app[SETTINGS_KEY]),
            experiments_context(STORE_KEY),
            greenlang_handlers.greenlang_context(lambda app: app[SETTINGS_KEY]),
            chains_context(lambda app: app[SETTINGS_KEY]),
            _enrichment_ctx,
            _retention_ctx,
            _pipeline_ctx,
            self_traces_context,
            chain_runs_context(lambda app: app[SETTINGS_KEY]),
            app_debug_handlers.app_debug_context,
            debug_sessions_context(lambda app: app[SETTINGS_KEY]),
            _otlp_http_ctx,
            _otlp_grpc_ctx,
        ]
    )
    app.router.add_get("/", index)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/v1/status", status)
    app.router.add_get("/api/openapi.yaml", openapi_spec)
    http_receiver.add_routes(app)  # OTLP on the API port too, as Phoenix and Langfuse do
    query_handlers.add_routes(app)
    realtime_handlers.add_routes(app)
    metadata_handlers.add_routes(app)
    analytics_handlers.add_routes(app)
    cost_handlers.add_routes(app)
    notification_handlers.add_routes(app)
    evaluator_handlers.add_routes(app, settings.data_path)
    score_handlers.add_routes(app)
    dataset_handlers.add_routes(app)
    experiment_handlers.add_routes(app)
    chain_handlers.add_routes(app)
    chain_run_handlers.add_routes(app)
    app_debug_handlers.add_routes(app)
    debug_session_handlers.add_routes(app)
    playground_handlers.add_routes(app)
    chain_experiment_handlers.add_routes(app)
    greenlang_handlers.add_routes(app)
    webui.add_routes(app)
    return app
