"""Scores API (routes under /api/v1/projects/{project}):

POST   /scores                          one score, or {"scores": [...]} of up to 1,000
GET    /scores?trace_id=[&span_id=]     a trace's (a span's) scores
GET    /scores/names                    the project's score names, types, counts, labels
PATCH  /scores/{score_id}               value, comment (and data type with the value)
DELETE /scores/{score_id}
GET    /traces/{trace_id}/scores        the trace's scores (?span_id= one span's)
GET    /traces/{trace_id}/spans/{span_id}/scores
POST   /traces/{trace_id}/evaluate      an evaluator over the trace's input / output
GET / PUT / DELETE /score-configs       a name's data type, labels, bounds (score_configs.py)

A score may name a trace not stored yet: feedback often comes before the
exporter's batch reaches the Studio (Langfuse accepts those too); it shows once
the trace does.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.errors import InvalidParameterError, NotFoundError
from gls_engine.json_body import json_object
from gls_engine.metadata.handlers import METADATA_KEY
from gls_engine.scores import evaluate
from gls_engine.scores.app_keys import SCORES_KEY
from gls_engine.scores.score_configs import ScoreConfigs, check_configured, parse_config
from gls_engine.scores.score_input import (
    MAX_COMMENT_CHARS,
    SCORE_ID_RE,
    check_consistent_types,
    check_name,
    check_value,
    optional_text,
    parse_batch,
)
from gls_engine.scores.stored_score import DATA_TYPES, StoredScore
from gls_engine.shared_responses import shared_response

PATCHABLE = frozenset({"value", "comment", "data_type", "author"})


def _score_id(request: web.Request) -> str:
    score_id = request.match_info["score_id"]
    if not SCORE_ID_RE.fullmatch(score_id):
        raise InvalidParameterError("score_id must be 1-64 of A-Z a-z 0-9 . _ -, not names")
    return score_id


async def post_scores(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    document = await json_object(request)
    scores = parse_batch(document, time.time_ns())
    store = request.app[SCORES_KEY]
    batch = "scores" in document
    scores = _as_resent(scores, await store.held_ids(project, [s.id for s in scores]), batch)
    configs = await _configs(request).of_names(project, (s.name for s in scores))
    check_configured(scores, configs, batch)
    check_consistent_types(scores, await store.known_types(project, (s.name for s in scores)))
    await store.write(project, scores)
    return json_response({"scores": [s.to_json() for s in scores]}, status=201)


def _as_resent(
    scores: list[StoredScore], held: dict[str, StoredScore], batch: bool
) -> list[StoredScore]:
    """A score resending a stored id replaces it: same trace, span and name (rows of
    a score are found by them, and the table's key holds the trace), its creation
    kept, and a version above the stored one."""
    out = []
    for i, score in enumerate(scores):
        old = held.get(score.id)
        if old is not None:
            if (old.trace_id, old.span_id, old.name) != (score.trace_id, score.span_id, score.name):
                where = f"scores[{i}]." if batch else ""
                raise InvalidParameterError(
                    f"{where}id: score {score.id} is of trace {old.trace_id}"
                    f"{', span ' + old.span_id if old.span_id else ''}, name {old.name!r};"
                    " a resent id keeps its trace, span and name (PATCH changes the rest)"
                )
            score = score.edited(
                created_ns=old.created_ns, updated_ns=max(score.updated_ns, old.updated_ns + 1)
            )
        out.append(score)
    return out


async def patch_score(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    score_id = _score_id(request)
    document = await json_object(request)
    unknown = sorted(set(document) - PATCHABLE)
    if unknown:
        raise InvalidParameterError(
            f"{unknown[0]}: only {', '.join(sorted(PATCHABLE))} can be changed"
        )
    store = request.app[SCORES_KEY]
    old = await store.by_id(project, score_id)
    if old is None:
        raise NotFoundError(f"score {score_id} not found in project {project}")
    changes: dict[str, Any] = {}
    data_type = document.get("data_type", old.data_type)
    if data_type not in DATA_TYPES:
        raise InvalidParameterError(f"data_type must be one of {', '.join(DATA_TYPES)}")
    if data_type != old.data_type and "value" not in document:
        raise InvalidParameterError("value: a new data_type needs a value of that type")
    if "value" in document:
        changes["value"], changes["string_value"] = check_value("", data_type, document["value"])
        changes["data_type"] = data_type
        if data_type != old.data_type:
            others = await store.known_types(project, [old.name], excluding=old.id)
            check_consistent_types([old.edited(data_type=data_type)], others)
    if "comment" in document:
        changes["comment"] = optional_text("", "comment", document["comment"], MAX_COMMENT_CHARS)
    if "author" in document:
        changes["author"] = optional_text("", "author", document["author"], 200)
    now = max(time.time_ns(), old.updated_ns + 1)
    new = old.edited(**changes, updated_ns=now)
    check_configured([new], await _configs(request).of_names(project, [new.name]), False)
    await store.write(project, [new])
    return json_response(new.to_json())


async def delete_score(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    score_id = _score_id(request)
    store = request.app[SCORES_KEY]
    old = await store.by_id(project, score_id)
    if old is None:
        raise NotFoundError(f"score {score_id} not found in project {project}")
    now = max(time.time_ns(), old.updated_ns + 1)
    await store.write(project, [old.edited(updated_ns=now, is_deleted=True)])
    return web.Response(status=204)


def _configs(request: web.Request) -> ScoreConfigs:
    return ScoreConfigs(request.app[METADATA_KEY])


async def list_configs(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    configs = await _configs(request).all(project)
    return json_response({"configs": [c.to_json() for c in configs]})


async def put_config(request: web.Request) -> web.Response:
    """A name's config; refused when the name's stored scores are of another type."""
    project = p.project_name(request.match_info["project"])
    config = parse_config(await json_object(request))
    stored = await request.app[SCORES_KEY].known_types(project, [config.name])
    if stored.get(config.name, config.data_type) != config.data_type:
        raise InvalidParameterError(
            f"data_type: the project's scores {config.name!r} are {stored[config.name]}"
        )
    return json_response((await _configs(request).put(project, config)).to_json())


async def delete_config(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    name = check_name("", request.query.get("name"))
    if not await _configs(request).remove(project, name):
        raise NotFoundError(f"score {name!r} has no config in project {project}")
    return web.Response(status=204)


@shared_response
async def trace_scores(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    given = request.match_info.get("trace_id") or request.query.get("trace_id")
    if given is None:
        raise InvalidParameterError("trace_id is required (32 hex characters)")
    trace_id = p.trace_id(given)
    span_id = request.match_info.get("span_id") or request.query.get("span_id")
    span = p.span_id(span_id) if span_id is not None else None
    scores = await request.app[SCORES_KEY].of_trace(project, trace_id, span)
    return json_response({"scores": [s.to_json() for s in scores]})


@shared_response
async def score_names(request: web.Request) -> web.Response:
    project = p.project_name(request.match_info["project"])
    return json_response({"names": await request.app[SCORES_KEY].names(project)})


def add_routes(app: web.Application) -> None:
    base = "/api/v1/projects/{project}"
    app.router.add_post(f"{base}/scores", post_scores)
    # by query too: the UI's read of a trace's scores is not a read of the trace
    app.router.add_get(f"{base}/scores", trace_scores)
    app.router.add_get(f"{base}/scores/names", score_names)
    # "names" is the names' route, not a score (score_input refuses it as an id)
    one_score = f"{base}/scores/{{score_id:(?!names$)[^/]+}}"
    app.router.add_patch(one_score, patch_score)
    app.router.add_delete(one_score, delete_score)
    app.router.add_get(f"{base}/traces/{{trace_id}}/scores", trace_scores)
    app.router.add_get(f"{base}/traces/{{trace_id}}/spans/{{span_id}}/scores", trace_scores)
    app.router.add_post(f"{base}/traces/{{trace_id}}/evaluate", evaluate.evaluate_trace)
    app.router.add_get(f"{base}/score-configs", list_configs)
    app.router.add_put(f"{base}/score-configs", put_config)
    app.router.add_delete(f"{base}/score-configs", delete_config)
