"""Datasets API: /api/v1/projects/{project}/datasets... (api/openapi.yaml, docs/datasets.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.datasets import names
from gls_engine.datasets.catalog import description_checked
from gls_engine.datasets.changes import ChangeSet
from gls_engine.datasets.export import MEDIA_TYPES
from gls_engine.datasets.items import new_item_from_json, patch_from_json
from gls_engine.datasets.reading import MAX_PAGE, MAX_SEARCH_CHARS, ItemFilter
from gls_engine.datasets.service import Datasets
from gls_engine.datasets.upload_mapping import QUERY_NAMES
from gls_engine.datasets.upload_receiver import receive_upload
from gls_engine.errors import (
    InvalidParameterError,
)
from gls_engine.json_body import json_object

DATASETS_KEY = web.AppKey("datasets", Datasets)
UPLOAD_DIR_KEY = web.AppKey("dataset_upload_dir", Path)
BASE = "/api/v1/projects/{project}/datasets"


def _project(request: web.Request) -> str:
    return p.project_name(request.match_info["project"])


def _dataset(request: web.Request) -> str:
    return names.dataset_name(request.match_info["dataset"], "dataset")


def _item_id(request: web.Request) -> str:
    limits = request.app[DATASETS_KEY].limits
    return names.item_id(request.match_info["item_id"], limits.max_id_chars, "item_id")


async def _json_body(request: web.Request) -> dict[str, Any]:
    return await json_object(request, request.app[DATASETS_KEY].limits.max_json_body_bytes)


def _limit(request: web.Request, default: int = 50) -> int:
    value = request.query.get("limit")
    return default if value is None else p.integer("limit", value, 1, MAX_PAGE)


def _version_and_tag(request: web.Request) -> tuple[str | None, str | None]:
    tag = request.query.get("tag")
    return request.query.get("version"), None if tag is None else names.tag_name(tag)


def _item_list(document: dict[str, Any], key: str, datasets: Datasets) -> list[Any]:
    value = document.get(key, [])
    if not isinstance(value, list):
        raise InvalidParameterError(f"{key} must be a list")
    if len(value) > datasets.limits.max_items_per_request:
        raise InvalidParameterError(
            f"{key}: at most {datasets.limits.max_items_per_request} items in one request;"
            " upload a file for more"
        )
    return value


# --- datasets --------------------------------------------------------------------------
async def list_datasets(request: web.Request) -> web.Response:
    datasets = request.app[DATASETS_KEY]
    return json_response({"datasets": await datasets.catalog.list(_project(request))})


async def create_dataset(request: web.Request) -> web.Response:
    project = _project(request)
    created = await request.app[DATASETS_KEY].catalog.create(project, await _json_body(request))
    return json_response(created, status=201)


async def get_dataset(request: web.Request) -> web.Response:
    datasets = request.app[DATASETS_KEY]
    return json_response(await datasets.catalog.get(_project(request), _dataset(request)))


async def edit_dataset(request: web.Request) -> web.Response:
    project, dataset = _project(request), _dataset(request)
    document = await _json_body(request)
    return json_response(await request.app[DATASETS_KEY].catalog.edit(project, dataset, document))


async def delete_dataset(request: web.Request) -> web.Response:
    await request.app[DATASETS_KEY].delete_dataset(_project(request), _dataset(request))
    return web.Response(status=204)


# --- items -------------------------------------------------------------------------------
async def list_items(request: web.Request) -> web.Response:
    project, dataset = _project(request), _dataset(request)
    datasets = request.app[DATASETS_KEY]
    version, tag = _version_and_tag(request)
    search = request.query.get("search") or None
    if search is not None and len(search) > MAX_SEARCH_CHARS:
        raise InvalidParameterError(f"search is over {MAX_SEARCH_CHARS} characters")
    split = request.query.get("split")
    filters = ItemFilter(
        split=None if split is None else names.split_name(split, datasets.limits.max_split_chars),
        search=search,
    )
    page = await datasets.items(
        project, dataset, version, tag, filters, _limit(request), request.query.get("cursor")
    )
    return json_response(page)


async def get_item(request: web.Request) -> web.Response:
    project, dataset, item_id = _project(request), _dataset(request), _item_id(request)
    version, tag = _version_and_tag(request)
    return json_response(
        await request.app[DATASETS_KEY].item(project, dataset, item_id, version, tag)
    )


async def add_items(request: web.Request) -> web.Response:
    project, dataset = _project(request), _dataset(request)
    datasets = request.app[DATASETS_KEY]
    document = await _json_body(request)
    unknown = set(document) - {"items", "description"}
    if unknown:
        raise InvalidParameterError(f"{sorted(unknown)[0]} is not a field of an add")
    items = [
        new_item_from_json(f"items[{i}]", entry, datasets.limits)
        for i, entry in enumerate(_item_list(document, "items", datasets))
    ]
    changes = ChangeSet(description_checked(document.get("description")), add=items)
    return json_response(await datasets.change(project, dataset, changes), status=201)


async def patch_item(request: web.Request) -> web.Response:
    project, dataset, item_id = _project(request), _dataset(request), _item_id(request)
    datasets = request.app[DATASETS_KEY]
    document = await _json_body(request)
    description = description_checked(document.pop("description", None))
    patch = patch_from_json("body", item_id, document, datasets.limits)
    return json_response(
        await datasets.change(project, dataset, ChangeSet(description, patch=[patch]))
    )


async def delete_item(request: web.Request) -> web.Response:
    project, dataset, item_id = _project(request), _dataset(request), _item_id(request)
    version = await request.app[DATASETS_KEY].change(
        project, dataset, ChangeSet(f"deleted item {item_id}", delete=[item_id])
    )
    return json_response(version)


async def add_from_spans(request: web.Request) -> web.Response:
    project, dataset = _project(request), _dataset(request)
    datasets = request.app[DATASETS_KEY]
    document = await _json_body(request)
    unknown = set(document) - {"spans", "split", "description"}
    if unknown:
        raise InvalidParameterError(f"{sorted(unknown)[0]} is not a field")
    split = names.split_name(document.get("split"), datasets.limits.max_split_chars)
    description = description_checked(document.get("description"))
    version = await datasets.add_from_spans(project, dataset, document, split, description)
    return json_response(version, status=201)


# --- versions, diff, export, tags -----------------------------------------------------------
async def create_version(request: web.Request) -> web.Response:
    """One change of any items (add, patch, delete) as one version."""
    project, dataset = _project(request), _dataset(request)
    datasets = request.app[DATASETS_KEY]
    document = await _json_body(request)
    unknown = set(document) - {"description", "add", "patch", "delete"}
    if unknown:
        raise InvalidParameterError(f"{sorted(unknown)[0]} is not a field of a change")
    limits = datasets.limits
    add = [
        new_item_from_json(f"add[{i}]", entry, limits)
        for i, entry in enumerate(_item_list(document, "add", datasets))
    ]
    patches = []
    for i, entry in enumerate(_item_list(document, "patch", datasets)):
        if not isinstance(entry, dict) or "id" not in entry:
            raise InvalidParameterError(f"patch[{i}].id is required")
        item_id = names.item_id(entry["id"], limits.max_id_chars, f"patch[{i}].id")
        patches.append(patch_from_json(f"patch[{i}]", item_id, entry, limits))
    deletes = [
        names.item_id(entry, limits.max_id_chars, f"delete[{i}]")
        for i, entry in enumerate(_item_list(document, "delete", datasets))
    ]
    changes = ChangeSet(description_checked(document.get("description")), add, patches, deletes)
    return json_response(await datasets.change(project, dataset, changes), status=201)


async def list_versions(request: web.Request) -> web.Response:
    datasets = request.app[DATASETS_KEY]
    return json_response(
        {"versions": await datasets.versions(_project(request), _dataset(request))}
    )


async def get_version(request: web.Request) -> web.Response:
    datasets = request.app[DATASETS_KEY]
    return json_response(
        await datasets.version(_project(request), _dataset(request), request.match_info["version"])
    )


async def diff_versions(request: web.Request) -> web.Response:
    project, dataset = _project(request), _dataset(request)
    for name in ("from", "to"):
        if name not in request.query:
            raise InvalidParameterError(f"{name} is required: a version number or a tag")
    page = await request.app[DATASETS_KEY].diff(
        project,
        dataset,
        request.query["from"],
        request.query["to"],
        _limit(request),
        request.query.get("cursor"),
    )
    return json_response(page)


async def export_version(request: web.Request) -> web.StreamResponse:
    project, dataset = _project(request), _dataset(request)
    datasets = request.app[DATASETS_KEY]
    file_format = p.choice("format", request.query.get("format", "jsonl"), tuple(MEDIA_TYPES))
    version, tag = _version_and_tag(request)
    split = request.query.get("split")
    split = None if split is None else names.split_name(split, datasets.limits.max_split_chars)
    name, number, chunks = await datasets.export(project, dataset, version, tag, split, file_format)
    filename = f"{name}-v{number}.{file_format}"
    response = web.StreamResponse(
        headers={
            "Content-Type": MEDIA_TYPES[file_format],
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
            "X-GLS-Dataset-Version": str(number),
        }
    )
    await response.prepare(request)
    async for data in chunks:
        if data:
            await response.write(data)
    await response.write_eof()
    return response


async def list_tags(request: web.Request) -> web.Response:
    datasets = request.app[DATASETS_KEY]
    return json_response({"tags": await datasets.tags(_project(request), _dataset(request))})


async def put_tag(request: web.Request) -> web.Response:
    project, dataset = _project(request), _dataset(request)
    tag = names.tag_name(request.match_info["tag"])
    document = await _json_body(request)
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidParameterError("version must be a version number (1, 2, ...)")
    return json_response(
        await request.app[DATASETS_KEY].set_tag(project, dataset, tag, str(version))
    )


async def delete_tag(request: web.Request) -> web.Response:
    project, dataset = _project(request), _dataset(request)
    tag = names.tag_name(request.match_info["tag"])
    await request.app[DATASETS_KEY].delete_tag(project, dataset, tag)
    return web.Response(status=204)


# --- uploads and jobs -------------------------------------------------------------------------
async def upload(request: web.Request) -> web.Response:
    project, dataset = _project(request), _dataset(request)
    datasets = request.app[DATASETS_KEY]
    unknown = set(request.query) - {"format", *QUERY_NAMES}
    if unknown:
        raise InvalidParameterError(f"{sorted(unknown)[0]} is not an upload parameter")
    await datasets.catalog.get(project, dataset)  # 404 before reading the body
    received = await receive_upload(
        request, request.app[UPLOAD_DIR_KEY], datasets.limits, request.query
    )
    job = await datasets.jobs.submit(project, dataset, received)
    location = f"/api/v1/projects/{project}/dataset-jobs/{job['id']}"
    response = json_response(job, status=202)
    response.headers["Location"] = location
    return response


def _job_id(request: web.Request) -> str:
    value = request.match_info["job_id"]
    if len(value) != 32 or not all(c in "0123456789abcdef" for c in value):
        raise InvalidParameterError("job_id must be 32 lowercase hex characters")
    return value


async def get_job(request: web.Request) -> web.Response:
    datasets = request.app[DATASETS_KEY]
    return json_response(await datasets.jobs.get(_project(request), _job_id(request)))


async def cancel_job(request: web.Request) -> web.Response:
    datasets = request.app[DATASETS_KEY]
    return json_response(await datasets.jobs.cancel(_project(request), _job_id(request)))


async def list_jobs(request: web.Request) -> web.Response:
    datasets = request.app[DATASETS_KEY]
    return json_response(
        {"jobs": await datasets.jobs.list_for(_project(request), _dataset(request))}
    )


def add_routes(app: web.Application) -> None:
    item = BASE + "/{dataset}/items/{item_id}"
    app.router.add_get(BASE, list_datasets)
    app.router.add_post(BASE, create_dataset)
    app.router.add_get(BASE + "/{dataset}", get_dataset)
    app.router.add_patch(BASE + "/{dataset}", edit_dataset)
    app.router.add_delete(BASE + "/{dataset}", delete_dataset)
    app.router.add_get(BASE + "/{dataset}/items", list_items)
    app.router.add_post(BASE + "/{dataset}/items", add_items)
    app.router.add_post(BASE + "/{dataset}/from-spans", add_from_spans)
    app.router.add_get(item, get_item)
    app.router.add_patch(item, patch_item)
    app.router.add_delete(item, delete_item)
    app.router.add_get(BASE + "/{dataset}/versions", list_versions)
    app.router.add_post(BASE + "/{dataset}/versions", create_version)
    app.router.add_get(BASE + "/{dataset}/versions/{version}", get_version)
    app.router.add_get(BASE + "/{dataset}/diff", diff_versions)
    app.router.add_get(BASE + "/{dataset}/export", export_version)
    app.router.add_get(BASE + "/{dataset}/tags", list_tags)
    app.router.add_put(BASE + "/{dataset}/tags/{tag}", put_tag)
    app.router.add_delete(BASE + "/{dataset}/tags/{tag}", delete_tag)
    app.router.add_post(BASE + "/{dataset}/uploads", upload)
    app.router.add_get(BASE + "/{dataset}/jobs", list_jobs)
    app.router.add_get("/api/v1/projects/{project}/dataset-jobs/{job_id}", get_job)
    app.router.add_post("/api/v1/projects/{project}/dataset-jobs/{job_id}/cancel", cancel_job)
