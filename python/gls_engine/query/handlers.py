"""HTTP handlers for reading traces (routes under /api/v1/projects/{project})."""

from __future__ import annotations

from aiohttp import web
from multidict import MultiDict

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.errors import InvalidParameterError, NotFoundError
from gls_engine.query.facets import TraceFacets
from gls_engine.query.trace_export import otlp_export_request
from gls_engine.query.trace_list_csv import TRACE_CSV_COLUMNS, csv_cells, csv_text
from gls_engine.query.trace_outline import trace_outline
from gls_engine.query.traces import TraceQueries
from gls_engine.shared_responses import shared_response

QUERIES_KEY = web.AppKey("trace_queries", TraceQueries)
FACETS_KEY = web.AppKey("trace_facets", TraceFacets)

EXPORT_FORMATS = ("json", "otlp")
SPAN_DETAILS = ("full", "outline")
CSV_DEFAULT_ROWS, CSV_MOST_ROWS = 10_000, 100_000
CSV_PAGE_ROWS = 1000


@shared_response
async def list_projects(request: web.Request) -> web.Response:
    return json_response({"projects": await request.app[QUERIES_KEY].list_projects()})


@shared_response
async def list_traces(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    return json_response(await request.app[QUERIES_KEY].list_traces(project, request.query))


@shared_response
async def trace_facets(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    return json_response(await request.app[FACETS_KEY].facets(project, request.query))


def _not_found(project: str, trace_id: str, window: tuple[int, int] | None) -> NotFoundError:
    within = " between start and end" if window else ""
    return NotFoundError(f"trace {trace_id} not found in project {project}{within}")


@shared_response
async def get_trace(request: web.Request) -> web.Response:
    """`spans=outline` leaves out each span's heavy fields (OUTLINE_OMITS)."""
    project = p.project_name(request.match_info["project"])
    trace_id = p.trace_id(request.match_info["trace_id"])
    detail = p.choice("spans", request.query.get("spans", "full"), SPAN_DETAILS)
    window = p.trace_window(request.query)
    trace = await request.app[QUERIES_KEY].get_trace(project, trace_id, window, detail)
    if trace is None:
        raise _not_found(project, trace_id, window)
    return json_response(trace)


@shared_response
async def get_trace_outline(request: web.Request) -> web.Response:
    """The trace by columns, what the trace view draws (query/trace_outline.py)."""
    project = p.project_name(request.match_info["project"])
    trace_id = p.trace_id(request.match_info["trace_id"])
    window = p.trace_window(request.query)
    outline = await trace_outline(request.app[QUERIES_KEY].store, project, trace_id, window)
    if outline is None:
        raise _not_found(project, trace_id, window)
    return json_response(outline)


@shared_response
async def get_span(request: web.Request) -> web.Response:
    """One span of a trace, whole (what the span inspector shows)."""
    project = p.project_name(request.match_info["project"])
    trace_id = p.trace_id(request.match_info["trace_id"])
    span_id = p.span_id(request.match_info["span_id"])
    window = p.trace_window(request.query)
    span = await request.app[QUERIES_KEY].get_span(project, trace_id, span_id, window)
    if span is None:
        within = " between start and end" if window else ""
        raise NotFoundError(
            f"span {span_id} not found in trace {trace_id} of project {project}{within}"
        )
    return json_response(span)


async def export_trace(request: web.Request) -> web.Response:
    """The trace as a file: `json` as the trace endpoint gives it, `otlp` as an
    OTLP/JSON ExportTraceServiceRequest that /v1/traces takes back."""
    project = p.project_name(request.match_info["project"])
    trace_id = p.trace_id(request.match_info["trace_id"])
    form = p.choice("format", request.query.get("format", "json"), EXPORT_FORMATS)
    window = p.trace_window(request.query)
    queries = request.app[QUERIES_KEY]
    if form == "json":
        document = await queries.get_trace(project, trace_id, window)
    else:
        rows = await queries.trace_rows(project, trace_id, window)
        document = otlp_export_request(rows) if rows else None
    if document is None:
        raise _not_found(project, trace_id, window)
    response = json_response(document)
    suffix = "otlp.json" if form == "otlp" else "json"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="trace-{project}-{trace_id}.{suffix}"'
    )
    return response


async def export_trace_list_csv(request: web.Request) -> web.StreamResponse:
    """The trace list (same filters and sort) as CSV, streamed page by page. More
    traces than `limit` is a 400 before anything is sent, never a cut-short file."""
    project = p.project_name(request.match_info["project"])
    limit = p.integer("limit", request.query.get("limit", str(CSV_DEFAULT_ROWS)), 1, CSV_MOST_ROWS)
    queries = request.app[QUERIES_KEY]
    query: MultiDict[str] = MultiDict(
        (k, v) for k, v in request.query.items() if k not in ("limit", "cursor")
    )
    matching = await queries.count_traces(project, query)
    if matching > limit:
        raise InvalidParameterError(
            f"limit: {matching} traces match, more than limit={limit} rows"
            f" (at most {CSV_MOST_ROWS}); narrow the filters or the time range"
        )
    query["limit"] = str(CSV_PAGE_ROWS)
    # The first page before the answer starts: a bad sort or order is still a 400.
    page = await queries.list_traces(project, query)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="traces-{project}.csv"',
        }
    )
    await response.prepare(request)
    await response.write(csv_text([list(TRACE_CSV_COLUMNS)]).encode())
    written = 0
    while True:
        rows = page["traces"][: limit - written]
        await response.write(csv_text(csv_cells(t) for t in rows).encode())
        written += len(rows)
        if page["next_cursor"] is None or written >= limit:
            break
        query["cursor"] = page["next_cursor"]
        page = await queries.list_traces(project, query)
    await response.write_eof()
    return response


@shared_response
async def search_spans(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    return json_response(await request.app[QUERIES_KEY].search_spans(project, request.query))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/projects", list_projects)
    app.router.add_get("/api/v1/projects/{project}/traces", list_traces)
    app.router.add_get("/api/v1/projects/{project}/traces/facets", trace_facets)
    app.router.add_get("/api/v1/projects/{project}/traces/export.csv", export_trace_list_csv)
    app.router.add_get("/api/v1/projects/{project}/traces/{trace_id}", get_trace)
    app.router.add_get("/api/v1/projects/{project}/traces/{trace_id}/export", export_trace)
    app.router.add_get("/api/v1/projects/{project}/traces/{trace_id}/outline", get_trace_outline)
    app.router.add_get("/api/v1/projects/{project}/traces/{trace_id}/spans/{span_id}", get_span)
    app.router.add_get("/api/v1/projects/{project}/spans", search_spans)
