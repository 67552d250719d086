"""Chains and LLM providers API (api/openapi.yaml, docs/chains.md):

/api/v1/projects/{project}/llm-providers[/{name}]
/api/v1/projects/{project}/chains/validate
/api/v1/projects/{project}/chains[/{name}[/versions[/{n}] | /labels/{label}[/history]]]
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gls_engine import request_params as p
from gls_engine.api_errors import json_response
from gls_engine.chains.app_keys import CHAIN_STORE_KEY, LLM_PROVIDERS_KEY
from gls_engine.chains.definition import MAX_DEFINITION_BYTES, MAX_DESCRIPTION_CHARS
from gls_engine.chains.llm_providers import LlmProviderInput, provider_name
from gls_engine.chains.store import (
    MAX_MESSAGE_CHARS,
    chain_name,
    label_name,
    plain_text,
    version_number,
)
from gls_engine.errors import InvalidParameterError
from gls_engine.json_body import json_object

BASE = "/api/v1/projects/{project}"
# A definition is at most 1 MiB as JSON; with its description and message, twice that.
MAX_BODY_BYTES = 2 * MAX_DEFINITION_BYTES
MAX_PROVIDER_BODY_BYTES = 64 << 10


def _project(request: web.Request) -> str:
    return p.project_name(request.match_info["project"])


def _chain(request: web.Request) -> str:
    return chain_name(request.match_info["name"], "name")


def _label(request: web.Request) -> str:
    return label_name(request.match_info["label"], "label")


def _fields(document: dict[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise InvalidParameterError(f"{unknown[0]} is not a field of {what}")


def _definition(document: dict[str, Any]) -> Any:
    if "definition" not in document:
        raise InvalidParameterError("definition is required (the chain's steps)")
    return document["definition"]


def _message(document: dict[str, Any]) -> str:
    return plain_text(document.get("message"), "message", MAX_MESSAGE_CHARS)


# --- LLM providers -------------------------------------------------------------------
async def list_providers(request: web.Request) -> web.Response:
    providers = await request.app[LLM_PROVIDERS_KEY].list(_project(request))
    return json_response({"providers": [provider.to_json() for provider in providers]})


async def create_provider(request: web.Request) -> web.Response:
    project = _project(request)
    given = LlmProviderInput.from_json(await json_object(request, MAX_PROVIDER_BODY_BYTES))
    created = await request.app[LLM_PROVIDERS_KEY].create(project, given)
    return json_response(created.to_json(), status=201)


async def get_provider(request: web.Request) -> web.Response:
    name = provider_name(request.match_info["name"])
    provider = await request.app[LLM_PROVIDERS_KEY].get(_project(request), name)
    return json_response(provider.to_json())


async def put_provider(request: web.Request) -> web.Response:
    project = _project(request)
    name = provider_name(request.match_info["name"])
    document = await json_object(request, MAX_PROVIDER_BODY_BYTES)
    given = LlmProviderInput.from_json(document, name=name)
    stored, created = await request.app[LLM_PROVIDERS_KEY].put(project, given)
    return json_response(stored.to_json(), status=201 if created else 200)


async def delete_provider(request: web.Request) -> web.Response:
    name = provider_name(request.match_info["name"])
    await request.app[LLM_PROVIDERS_KEY].delete(_project(request), name)
    return web.Response(status=204)


# --- chains --------------------------------------------------------------------------
async def validate_chain(request: web.Request) -> web.Response:
    """The canonical definition, checked as a save would check it (a new version of
    `name` when given), or the 400; nothing is written."""
    project = _project(request)
    document = await json_object(request, MAX_BODY_BYTES)
    _fields(document, {"definition", "name"}, "a validation")
    name = None if document.get("name") is None else chain_name(document["name"])
    store = request.app[CHAIN_STORE_KEY]
    definition = await store.validate(project, _definition(document), name=name)
    return json_response({"valid": True, "definition": definition.to_json()})


async def list_chains(request: web.Request) -> web.Response:
    return json_response(
        {"chains": await request.app[CHAIN_STORE_KEY].list_chains(_project(request))}
    )


async def create_chain(request: web.Request) -> web.Response:
    project = _project(request)
    document = await json_object(request, MAX_BODY_BYTES)
    _fields(document, {"name", "description", "definition", "message"}, "a chain")
    created = await request.app[CHAIN_STORE_KEY].create(
        project,
        chain_name(document.get("name")),
        _definition(document),
        description=plain_text(document.get("description"), "description", MAX_DESCRIPTION_CHARS),
        message=_message(document),
    )
    return json_response(created, status=201)


async def get_chain(request: web.Request) -> web.Response:
    """The chain with its versions and labels; with ?version= or ?label=, that
    version's definition instead (what the SDK fetches)."""
    project, name = _project(request), _chain(request)
    store = request.app[CHAIN_STORE_KEY]
    version, label = request.query.get("version"), request.query.get("label")
    if version is None and label is None:
        return json_response(await store.get(project, name))
    return json_response(
        await store.version(
            project,
            name,
            version=None if version is None else p.integer("version", version, 1, 2**31 - 1),
            label=None if label is None else label_name(label),
        )
    )


async def get_version(request: web.Request) -> web.Response:
    project, name = _project(request), _chain(request)
    number = p.integer("version", request.match_info["version"], 1, 2**31 - 1)
    return json_response(await request.app[CHAIN_STORE_KEY].version(project, name, version=number))


async def add_version(request: web.Request) -> web.Response:
    project, name = _project(request), _chain(request)
    document = await json_object(request, MAX_BODY_BYTES)
    _fields(document, {"definition", "message"}, "a version")
    added = await request.app[CHAIN_STORE_KEY].add_version(
        project, name, _definition(document), message=_message(document)
    )
    return json_response(added, status=201)


async def delete_chain(request: web.Request) -> web.Response:
    await request.app[CHAIN_STORE_KEY].delete(_project(request), _chain(request))
    return web.Response(status=204)


async def put_label(request: web.Request) -> web.Response:
    project, name, label = _project(request), _chain(request), _label(request)
    document = await json_object(request, MAX_PROVIDER_BODY_BYTES)
    _fields(document, {"version"}, "a label")
    if "version" not in document:
        raise InvalidParameterError("version is required (the version the label names)")
    version = version_number(document["version"])
    return json_response(
        await request.app[CHAIN_STORE_KEY].set_label(project, name, label, version)
    )


async def delete_label(request: web.Request) -> web.Response:
    project, name, label = _project(request), _chain(request), _label(request)
    await request.app[CHAIN_STORE_KEY].remove_label(project, name, label)
    return web.Response(status=204)


async def label_history(request: web.Request) -> web.Response:
    project, name, label = _project(request), _chain(request), _label(request)
    return json_response(await request.app[CHAIN_STORE_KEY].label_history(project, name, label))


def add_routes(app: web.Application) -> None:
    providers = BASE + "/llm-providers"
    app.router.add_get(providers, list_providers)
    app.router.add_post(providers, create_provider)
    app.router.add_get(providers + "/{name}", get_provider)
    app.router.add_put(providers + "/{name}", put_provider)
    app.router.add_delete(providers + "/{name}", delete_provider)
    chains = BASE + "/chains"
    app.router.add_post(chains + "/validate", validate_chain)
    one = chains + "/{name:(?!validate$)[^/]+}"  # `validate` is not a chain's name
    app.router.add_get(chains, list_chains)
    app.router.add_post(chains, create_chain)
    app.router.add_get(one, get_chain)
    app.router.add_delete(one, delete_chain)
    app.router.add_post(one + "/versions", add_version)
    app.router.add_get(one + "/versions/{version}", get_version)
    app.router.add_put(one + "/labels/{label}", put_label)
    app.router.add_delete(one + "/labels/{label}", delete_label)
    app.router.add_get(one + "/labels/{label}/history", label_history)
